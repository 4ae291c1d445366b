/** The fixed groups against OpenSSL's copies (RFC 2409 / RFC 3526), and private-exponent sizing. */
import { getDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/index.js';
import {
  GEX_GROUPS,
  MODP_2048,
  MODP_3072,
  MODP_4096,
  MODP_6144,
  MODP_8192,
  OAKLEY_GROUP_2,
} from '../../src/kex/dh-groups.js';
import { bitLength, generateDhKeyPair, privateExponentBits } from '../../src/kex/dh-keys.js';
import { BACKENDS } from './helpers.js';

describe('fixed groups', () => {
  it.each([
    ['modp2', OAKLEY_GROUP_2, 1024],
    ['modp14', MODP_2048, 2048],
    ['modp15', MODP_3072, 3072],
    ['modp16', MODP_4096, 4096],
    ['modp17', MODP_6144, 6144],
    ['modp18', MODP_8192, 8192],
  ] as const)('%s matches OpenSSL and has the RFC 3526 shape', (opensslName, group, bits) => {
    const ref = getDiffieHellman(opensslName);
    expect(group.p.toString(16)).toBe(ref.getPrime('hex').replace(/^0+/, ''));
    expect(group.g).toBe(BigInt(`0x${ref.getGenerator('hex')}`));
    expect(group.bits).toBe(bits);
    expect(bitLength(group.p)).toBe(bits);
    // RFC 3526 §1: p = 2^n - 2^(n-64) - 1 + 2^64 · (…), so the top and bottom 64 bits are all ones.
    const ones64 = 2n ** 64n - 1n;
    expect(group.p & ones64).toBe(ones64);
    expect(group.p >> BigInt(bits - 64)).toBe(ones64);
  });

  it('the GEX pool is 2048..8192 bits, nothing smaller (RFC 8270)', () => {
    expect(GEX_GROUPS.map((g) => g.bits)).toEqual([2048, 3072, 4096, 6144, 8192]);
  });
});

describe('private exponents', () => {
  it.each([
    [1024, 320],
    [2048, 320],
    [3072, 420],
    [4096, 480],
    [6144, 540],
    [8192, 620],
  ])('a %i-bit group gets a %i-bit exponent (RFC 3526 §8, ≥ 2× the strength estimate)', (pBits, want) => {
    expect(privateExponentBits(pBits)).toBe(want);
  });

  it.each(BACKENDS)('%s: x has exactly that many bits and e = g^x mod p', (_label, crypto) => {
    for (const group of [MODP_2048, MODP_3072, MODP_8192]) {
      const random = seededRandom(`x for ${group.name}`);
      const { x, publicValue } = generateDhKeyPair(crypto, random, group.p, group.g);
      expect(bitLength(x)).toBe(privateExponentBits(group.bits));
      expect(publicValue).toBe(crypto.modPow(2n, x, group.p));
    }
  });

  it('wipes the random bytes it drew', () => {
    const drawn: Uint8Array[] = [];
    const random = (n: number) => {
      const b = new Uint8Array(n).fill(0xab);
      drawn.push(b);
      return b;
    };
    generateDhKeyPair(BACKENDS[0][1], random, MODP_2048.p, 2n);
    expect(drawn).toHaveLength(1);
    expect(drawn[0].every((b) => b === 0)).toBe(true);
  });
});
