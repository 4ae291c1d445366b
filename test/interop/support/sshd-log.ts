/**
 * Reading one connection's story out of a shared sshd log. Children of `sshd -D -e` write to the same
 * stderr without a PID, so a test either finds lines that name its client port ("127.0.0.1 port N"),
 * or takes a mark before a sequential step and reads only what came after it.
 */
import type { SshdInstance } from '../harness/index.js';
import { sleep } from '../harness/index.js';
import { escapeRegExp } from './algorithm-matrix.js';

/** A position in the log; {@link logSince} returns what was written after it. */
export interface LogMark {
  readonly at: number;
}

export const markLog = (sshd: SshdInstance): LogMark => ({ at: sshd.logs().length });

/** The log written after `mark` (the harness keeps 1 MiB by default; tests pass a larger `logLimit`). */
export const logSince = (sshd: SshdInstance, mark: LogMark): string => sshd.logs().slice(mark.at);

/** Matches sshd's lines that end a connection from our port: a disconnect message or a closed socket. */
export const connectionEndPattern = (localPort: number): RegExp =>
  new RegExp(
    `^(?:Received disconnect|Disconnected|Connection closed|Connection reset) (?:from|by) .*\\b${escapeRegExp(
      '127.0.0.1',
    )} port ${localPort}\\b`,
    'm',
  );

/** Waits until every pattern appears in the log (the pipe from sshd is read asynchronously). */
export async function waitForAll(sshd: SshdInstance, patterns: readonly RegExp[], timeoutMs = 10_000) {
  for (const pattern of patterns) await sshd.waitForLog(pattern, timeoutMs);
}

/** Counts matches of `pattern` written after `mark`, waiting up to `settleMs` for the count to reach `atLeast`. */
export async function countSince(
  sshd: SshdInstance,
  mark: LogMark,
  pattern: RegExp,
  atLeast = 0,
  settleMs = 5_000,
): Promise<number> {
  const global = new RegExp(
    pattern.source,
    pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
  );
  const deadline = Date.now() + settleMs;
  for (;;) {
    const count = [...logSince(sshd, mark).matchAll(global)].length;
    if (count >= atLeast || Date.now() >= deadline) return count;
    await sleep(50);
  }
}
