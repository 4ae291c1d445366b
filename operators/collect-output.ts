/**
 * Collects a session channel's output until it closes: stdout, stderr (extended data 1) and the exit status
 * or signal (RFC 4254 §6.10), which stay reachable whichever way the command ended.
 */
import { Observable } from 'rxjs';
import type { Channel } from '../src/connection/channels/channel.js';
import { concatBytes } from '../src/crypto/bytes.js';
import { SshError } from '../src/errors.js';

export interface ExecResult {
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** Exit status, or null when the command ended by a signal or the server sent none. */
  exitCode: number | null;
  /** Signal name without "SIG" when the command was killed (RFC 4254 §6.10). */
  signal?: string;
  coreDumped?: boolean;
}

export class OutputLimitError extends SshError {
  override name = 'OutputLimitError';
  constructor(limit: number) {
    super(`command output exceeded ${limit} bytes`, 11, 'local');
  }
}

export function collectOutput(ch: Channel, maxBytes: number): Observable<ExecResult> {
  return new Observable<ExecResult>((subscriber) => {
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    let total = 0;
    const result: ExecResult = { stdout: new Uint8Array(0), stderr: new Uint8Array(0), exitCode: null };
    return ch.subscribe({
      next: (msg) => {
        switch (msg.type) {
          case 'data':
          case 'extended-data': {
            total += msg.data.length;
            if (total > maxBytes) {
              ch.close();
              subscriber.error(new OutputLimitError(maxBytes));
              return;
            }
            // Copy: the data is a view into a packet buffer.
            if (msg.type === 'data') out.push(msg.data.slice());
            else if (msg.dataType === 1) err.push(msg.data.slice());
            return;
          }
          case 'exit-status':
            result.exitCode = msg.code;
            return;
          case 'exit-signal':
            result.signal = msg.signal;
            result.coreDumped = msg.coreDumped;
            return;
          case 'eof':
            return;
          case 'close':
            // The connection ended before the channel closed: the output is cut short.
            if (msg.error) subscriber.error(msg.error);
            return;
        }
      },
      error: (e) => subscriber.error(e),
      complete: () => {
        result.stdout = concatBytes(...out);
        result.stderr = concatBytes(...err);
        subscriber.next(result);
        subscriber.complete();
      },
    });
  });
}
