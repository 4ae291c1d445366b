import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../../src/crypto/bytes.js';
import { cryptoBackends } from '../../src/crypto/index.js';
import { seededRandom, systemRandom } from '../../src/crypto/random.js';
import { UsageError } from '../../src/errors.js';

describe('seededRandom', () => {
  it('gives the same bytes for the same seed, different bytes for another seed', () => {
    expect(toHex(seededRandom('seed A')(48))).toBe(toHex(seededRandom('seed A')(48)));
    expect(toHex(seededRandom('seed A')(48))).not.toBe(toHex(seededRandom('seed B')(48)));
  });

  it('a string seed is its UTF-8 bytes', () => {
    expect(seededRandom('héllo')(20)).toEqual(seededRandom(utf8('héllo'))(20));
  });

  it('reads one continuous stream whatever the call sizes', () => {
    const whole = seededRandom('stream')(300);
    const rng = seededRandom('stream');
    const parts = [0, 1, 63, 64, 65, 7, 100].map((n) => rng(n));
    expect(concatBytes(...parts)).toEqual(whole);
    expect(rng(1)).not.toEqual(new Uint8Array(1).fill(whole[299])); // moved on, not repeating
  });

  it('is the ChaCha20 keystream under sha256(seed) (checked against both backends)', () => {
    for (const c of cryptoBackends) {
      const key = c.hash('sha256', utf8('chacha'));
      // Zero nonce: the DJB and IETF layouts coincide, so the backends' DJB chacha20 is a valid oracle.
      expect(seededRandom('chacha')(130)).toEqual(c.chacha20(key, new Uint8Array(8), 0, new Uint8Array(130)));
    }
  });

  it('refuses a negative or fractional count', () => {
    expect(() => seededRandom('x')(-1)).toThrow(UsageError);
    expect(() => seededRandom('x')(1.5)).toThrow(UsageError);
  });
});

describe('systemRandom', () => {
  it('two draws differ', () => {
    expect(toHex(systemRandom(32))).not.toBe(toHex(systemRandom(32)));
  });

  it('fills requests larger than one getRandomValues call (65 536 bytes)', () => {
    const big = systemRandom(200_000);
    expect(big).toHaveLength(200_000);
    // Every 64 KiB chunk was filled: none of them is all zeros (a 2^-524288 accident).
    for (let i = 0; i < big.length; i += 65536) {
      expect(big.subarray(i, i + 65536).some((b) => b !== 0)).toBe(true);
    }
  });

  it('handles zero and refuses a negative count', () => {
    expect(systemRandom(0)).toHaveLength(0);
    expect(() => systemRandom(-1)).toThrow(UsageError);
  });
});
