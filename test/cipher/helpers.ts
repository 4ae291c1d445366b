/** Shared fixtures for the packet-protection and packet-layer tests. */
import { CIPHERS, MACS } from '../../src/cipher/registry.js';
import type { DirectionKeys } from '../../src/cipher/types.js';
import type { CryptoBackend, RandomSource } from '../../src/crypto/backend.js';
import { nobleCrypto, nodeCrypto, seededRandom } from '../../src/crypto/index.js';

if (!nodeCrypto) throw new Error('node:crypto backend is missing under Node');

/** For `describe.each`: every test runs once per backend so the two stay in step. */
export const BACKENDS: [string, CryptoBackend][] = [
  ['node', nodeCrypto],
  ['noble', nobleCrypto],
];

/** Every cipher × MAC pairing we can negotiate; AEAD ciphers ignore the MAC, so they appear once. */
export const COMBOS: [cipher: string, mac: string | undefined][] = Object.values(CIPHERS).flatMap(
  (c): [string, string | undefined][] =>
    c.aead ? [[c.name, undefined]] : Object.keys(MACS).map((m) => [c.name, m]),
);

export function comboName([cipher, mac]: [string, string | undefined]): string {
  return mac ? `${cipher} + ${mac}` : cipher;
}

/** Deterministic keys of the right sizes for a cipher/MAC pair. */
export function keysFor(cipher: string, mac: string | undefined, seed = 'keys'): DirectionKeys {
  const rng = seededRandom(`${seed}:${cipher}:${mac}`);
  const c = CIPHERS[cipher];
  const m = mac === undefined ? undefined : MACS[mac];
  return { cipher: c, mac: m, key: rng(c.keyLength), iv: rng(c.ivLength), macKey: rng(m ? m.keyLength : 0) };
}

export function testRandom(seed = 'padding'): RandomSource {
  return seededRandom(seed);
}

/** Splits `bytes` into pieces of random sizes in [1, max]. */
export function randomChunks(bytes: Uint8Array, rng: RandomSource, max = 97): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + (rng(1)[0] % max);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

export function byteChunks(bytes: Uint8Array): Uint8Array[] {
  return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
}

/**
 * Lists of byte arrays as hex strings: vitest's deep equality walks typed arrays element by element, which
 * takes seconds on the megabytes these tests move; strings compare at once and still show a useful diff.
 */
export function hexList(list: readonly Uint8Array[]): string[] {
  return list.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex'));
}
