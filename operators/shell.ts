/**
 * Opens an interactive shell (RFC 4254 §6.2 pty-req, §6.5 shell) or a subsystem (§6.5, e.g. "sftp") and emits
 * the channel once the server agreed. The caller then pipes bytes with `channel.next()` and reads messages by
 * subscribing; unsubscribing closes the channel.
 *
 * @example
 * connection$.pipe(shell({ term: 'xterm', cols: 80, rows: 24 })).subscribe((ch) => ch.next('ls\n'));
 */
import {
  concat,
  defer,
  ignoreElements,
  map,
  type Observable,
  type OperatorFunction,
  switchMap,
  throwError,
} from 'rxjs';
import { encodeTerminalModes, type TerminalModeSetting } from '../src/channel/terminal-modes.js';
import type { Channel } from '../src/connection/channels/channel.js';
import type { Connection } from '../src/connection/connection.js';
import { UsageError } from '../src/errors.js';

export interface PtyOptions {
  term?: string;
  cols?: number;
  rows?: number;
  widthPx?: number;
  heightPx?: number;
  /** Terminal modes (RFC 4254 §8); see TerminalMode for the opcodes. */
  modes?: readonly TerminalModeSetting[];
}

/** Requests a pseudo-terminal on a session channel. */
export function requestPty(ch: Channel, pty: PtyOptions = {}): Observable<boolean> {
  return ch.request({
    type: 'pty-req',
    term: pty.term ?? 'xterm-256color',
    cols: pty.cols ?? 80,
    rows: pty.rows ?? 24,
    widthPx: pty.widthPx ?? 0,
    heightPx: pty.heightPx ?? 0,
    modes: encodeTerminalModes(pty.modes ?? []),
  });
}

function expectOk(what: string): OperatorFunction<boolean, boolean> {
  return switchMap((ok) => (ok ? [ok] : throwError(() => new UsageError(`server refused ${what}`))));
}

/** Opens a session with a pty and a shell. */
export function shell(pty: PtyOptions | false = {}): OperatorFunction<Connection, Channel> {
  return switchMap((conn) =>
    conn
      .session()
      .pipe(
        switchMap((ch) =>
          concat(
            pty === false ? [] : requestPty(ch, pty).pipe(expectOk('the pty request'), ignoreElements()),
            defer(() => ch.request({ type: 'shell' })).pipe(expectOk('the shell request')),
          ).pipe(map(() => ch)),
        ),
      ),
  );
}

/** Opens a session and starts a subsystem (e.g. "sftp"). */
export function subsystem(name: string): OperatorFunction<Connection, Channel> {
  return switchMap((conn) =>
    conn.session().pipe(
      switchMap((ch) =>
        ch.request({ type: 'subsystem', name }).pipe(
          expectOk(`the ${name} subsystem`),
          map(() => ch),
        ),
      ),
    ),
  );
}

/** Tells the server the terminal size changed (RFC 4254 §6.7). */
export function windowChange(ch: Channel, cols: number, rows: number): void {
  ch.request({ type: 'window-change', cols, rows, widthPx: 0, heightPx: 0 }, false).subscribe({
    error: () => undefined,
  });
}
