/**
 * Runs a command on the server (RFC 4254 §6.5) and collects its stdout, stderr and exit status.
 *
 * @example
 * connection$.pipe(exec('uname -a')).subscribe((r) => console.log(r.exitCode, new TextDecoder().decode(r.stdout)));
 */
import {
  concat,
  from,
  ignoreElements,
  isObservable,
  mergeMap,
  type Observable,
  type OperatorFunction,
  switchMap,
  throwError,
} from 'rxjs';
import type { Channel } from '../src/connection/channels/channel.js';
import type { Connection } from '../src/connection/connection.js';
import { utf8 } from '../src/crypto/bytes.js';
import { UsageError } from '../src/errors.js';
import { collectOutput, type ExecResult } from './collect-output.js';

export interface ExecOptions {
  /** Data for the command's stdin; EOF is sent after it (RFC 4254 §5.3), so `wc -c` sees the end. */
  stdin?: Uint8Array | string | Observable<Uint8Array | string>;
  /** Environment variables, sent as `env` requests before the command (servers accept only some names). */
  env?: Record<string, string>;
  /** Refuse more than this many bytes of stdout+stderr (default 64 MiB) instead of growing without bound. */
  maxOutputBytes?: number;
}

export function exec(command: string, opts: ExecOptions = {}): OperatorFunction<Connection, ExecResult> {
  return switchMap((conn) => conn.session().pipe(switchMap((ch) => runExec(ch, command, opts))));
}

/** Sends `exec` on an open session channel, feeds stdin and collects the result. */
export function runExec(ch: Channel, command: string, opts: ExecOptions = {}): Observable<ExecResult> {
  const output = collectOutput(ch, opts.maxOutputBytes ?? 64 * 1024 * 1024);
  const env = from(Object.entries(opts.env ?? {})).pipe(
    mergeMap(([name, value]) => ch.request({ type: 'env', name, value: utf8(value) }, false)),
    ignoreElements(),
  );
  return concat(env, ch.request({ type: 'exec', command: utf8(command) })).pipe(
    switchMap((ok) => {
      if (!ok) return throwError(() => new UsageError(`server refused to run ${JSON.stringify(command)}`));
      sendStdin(ch, opts.stdin);
      return output;
    }),
  );
}

/** Pipes stdin into the channel, then sends EOF. */
export function sendStdin(ch: Channel, stdin: ExecOptions['stdin']): void {
  if (stdin === undefined) return ch.complete();
  if (!isObservable(stdin)) {
    ch.next(stdin);
    return ch.complete();
  }
  stdin.subscribe({ next: (d) => ch.next(d), error: () => ch.close(), complete: () => ch.complete() });
}
