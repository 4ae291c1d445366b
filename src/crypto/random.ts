/**
 * Random sources. The core never draws randomness itself (STYLE.md habit 3): a `RandomSource` is injected,
 * `systemRandom` in production and `seededRandom` wherever a test must replay the same bytes.
 */

import { chacha20 } from '@noble/ciphers/chacha.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { UsageError } from '../errors.js';
import type { RandomSource } from './backend.js';
import { utf8 } from './bytes.js';

/** WebCrypto's getRandomValues fills at most 65 536 bytes per call (W3C WebCrypto §10.1.1, QuotaExceededError). */
const GET_RANDOM_VALUES_LIMIT = 65536;

function assertCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`random: byte count must be a non-negative integer, got ${n}`);
}

/**
 * Cryptographically secure bytes from `globalThis.crypto.getRandomValues` (Node ≥ 19, browsers, workers).
 *
 * @example
 * const cookie = systemRandom(16);
 */
export const systemRandom: RandomSource = (n) => {
  assertCount(n);
  const source = globalThis.crypto;
  if (source?.getRandomValues === undefined)
    throw new UsageError('random: globalThis.crypto.getRandomValues is missing');
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += GET_RANDOM_VALUES_LIMIT) {
    source.getRandomValues(out.subarray(i, Math.min(n, i + GET_RANDOM_VALUES_LIMIT)));
  }
  return out;
};

const BLOCK = 64;

/**
 * A deterministic source for tests: the ChaCha20 keystream (RFC 8439 §2.4, zero nonce) under the key
 * sha256(seed), read sequentially across calls. Same seed, same sequence of calls → same bytes.
 * Never use it for real keys.
 *
 * @example
 * const rng = seededRandom('kex test 1');
 * rng(16); // always the same 16 bytes for this seed
 */
export function seededRandom(seed: Uint8Array | string): RandomSource {
  const key = sha256(typeof seed === 'string' ? utf8(seed) : seed);
  const nonce = new Uint8Array(12);
  let position = 0; // bytes of keystream already handed out
  return (n) => {
    assertCount(n);
    const block = Math.floor(position / BLOCK);
    const skip = position % BLOCK;
    // Regenerate from the start of the current block and drop what earlier calls already used.
    const stream = chacha20(key, nonce, new Uint8Array(skip + n), undefined, block);
    position += n;
    return stream.slice(skip);
  };
}
