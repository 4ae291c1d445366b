/** Turns a crypto primitive's refusal of peer-supplied input into a KexError with the peer to blame. */
import { KexError, SshError } from '../errors.js';

export function withPeerInput<T>(what: string, op: () => T): T {
  try {
    return op();
  } catch (err) {
    if (err instanceof SshError) throw err;
    throw new KexError(`${what}: ${err instanceof Error ? err.message : String(err)}`, 'peer');
  }
}

export function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}
