/**
 * RFC 4253 §7.2 key derivation against the NIST CAVS 14.1 SSH KDF vectors (SP 800-135 §5.2), as published in
 * OpenSSL's test/recipes/30-test_evp_data/evpkdf_ssh.txt. K is given there already mpint-encoded.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../src/crypto/bytes.js';
import { UsageError } from '../../src/errors.js';
import { deriveKey, type KeyLetter } from '../../src/kex/derive.js';
import { BACKENDS } from './helpers.js';

interface Vector {
  hash: 'sha1' | 'sha256';
  k: string;
  h: string;
  sessionId: string;
  out: Partial<Record<KeyLetter, string>>;
}

const VECTORS: Vector[] = [
  {
    // CAVS SHA-1, first count. C and D are 24 bytes: longer than SHA-1's 20, so K2 = HASH(K ‖ H ‖ K1) is used.
    hash: 'sha1',
    k:
      '0000008055bae931c07fd824bf10add1902b6fbc7c665347383498a686929ff5a25f8e40cb6645ea814fb1a5e0a11f852f86255641e5ed' +
      '986e83a78bc8269480eac0b0dfd770cab92e7a28dd87ff452466d6ae867cead63b366b1c286e6c4811a9f14c27aea14c5171d49b78c06e' +
      '3735d36e6a3be321dd5fc82308f34ee1cb17fba94a59',
    h: 'a4ebd45934f56792b5112dcd75a1075fdc889245',
    sessionId: 'a4ebd45934f56792b5112dcd75a1075fdc889245',
    out: {
      A: 'e2f627c0b43f1ac1',
      B: '58471445f342b181',
      C: '1ca9d310f86d51f6cb8e7007cb2b220d55c5281ce680b533',
      D: '2c60df8603d34cc1dbb03c11f725a44b44008851c73d6844',
      E: '472eb8a26166ae6aa8e06868e45c3b26e6eeed06',
      F: 'e3e2fdb9d7bc21165a3dbe47e1eceb7764390bab',
    },
  },
  {
    // CAVS SHA-1, second count: session_id differs from H (a rekey).
    hash: 'sha1',
    k:
      '0000008100ec6f2c5f0517fd92f730567bd783138302917c277552b1b3fdf2b67d6edb6fa81bd17f7ebbe339b54b171341e6522b91611f' +
      '8274cc88652a458f8041261040818a268497e949e12f57271318b2b3194c29760cbb767c0fc8833b272994e18682da807e6c9f235d88ef' +
      '89c203c6f756d25cc2bea199b02c955b8b40cbc04f9208',
    h: 'ee40eef61bea3da8c2b1cec40fc4cdac892a2626',
    sessionId: 'ca9aad244e24797fd348d1250387c8aa45a0110a',
    out: {
      A: '55a1015757de84cb',
      C: 'dd1c24bde1af845e82207541e3e173aec822fb904a94ae3c',
      F: 'c8e4f61bd6b5abb2c6e06eca7b302349435e4842',
    },
  },
  {
    // CAVS SHA-256, first count.
    hash: 'sha256',
    k:
      '0000008100875c551cef526a4a8be1a7df27e9ed354bac9afb71f53dbae905679d14f9faf2469c53457cf80a366be278965ba6255276ca2d' +
      '9f4a97d271f71e50d8a9ec46253a6a906ac2c5e4f48b27a63ce08d80390a492aa43bad9d882ccac23dac88bcada4b4d426a362083dab65' +
      '69c54c224dd2d87643aa227693e141ad1630ce13144e',
    h: '0e683fc8a9ed7c2ff02def23b2745ebc99b267daa86a4aa7697239088253f642',
    sessionId: '0e683fc8a9ed7c2ff02def23b2745ebc99b267daa86a4aa7697239088253f642',
    out: {
      A: '41ff2ead1683f1e6',
      B: 'e619ecfd9edb50cd',
      C: '4a6314d2f7511bf88fad39fb6892f3f218cafd530e72fe43',
      D: '084c15fb7f99c65ff134eeb407cee5d540c341dea45a42a5',
      E: '41ec5a94fecce7707ea156a6ad29239a891621adacbedb8be70675008d6f9274',
      F: '47d3c20aba60981e47b30533623613ff1cacbcf1642fb4ad86ee712f2aed9af8',
    },
  },
  {
    // CAVS SHA-256, second count: session_id differs from H.
    hash: 'sha256',
    k:
      '000000800faa172b8c287e372bb236ad34c733695c13d77f882adc0f47e5a7f6a3de07efb101207aa5d665b619826f756591f65310bbd2c9' +
      '2c9384e6c6a67b42dec382fdb24c591d79ff5e47737b0f5b8479694c3adc19401704912bbfec2704d4d5bebbfc1a7fc796e277634e4085' +
      '1851a187ec2d37ed3f351c4596a5a0892916b4c55f',
    h: 'a347f5f1e191c35f212c9324d5867efdf83026be62c2b16ae006edb3378d4006',
    sessionId: '90befcef3ff8f920674a9fab94198cf3fd9dca24a21d3c9dba394daafbc621ed',
    out: {
      A: '99bae6531508705f',
      C: '97621bf882266f905da78cf193fc31f642acbb60957c41b7',
      E: 'f92d052d3cdf34dfc69bc60a489c3a3553f4356596c191931d08fa20551273b3',
    },
  },
];

describe.each(BACKENDS)('deriveKey, %s backend', (_label, crypto) => {
  it.each(VECTORS.flatMap((v, i) => Object.entries(v.out).map(([letter, out]) => ({ i, v, letter, out }))))(
    'CAVS vector $i letter $letter',
    ({ v, letter, out }) => {
      const got = deriveKey(
        crypto,
        v.hash,
        fromHex(v.k),
        fromHex(v.h),
        letter as KeyLetter,
        fromHex(v.sessionId),
        out.length / 2,
      );
      expect(toHex(got)).toBe(out);
    },
  );

  it('extends past two hash blocks (K3 = HASH(K ‖ H ‖ K1 ‖ K2)), checked against node:crypto createHash', () => {
    // A small hand-built case: K = mpint 0x01 (00000001 01), H = 32 × 0x11, session_id = 32 × 0x22, 64 bytes from SHA-1.
    const k = fromHex('0000000101');
    const h = new Uint8Array(32).fill(0x11);
    const sid = new Uint8Array(32).fill(0x22);
    const sha1 = (...parts: Uint8Array[]) =>
      new Uint8Array(
        createHash('sha1')
          .update(concatBytes(...parts))
          .digest(),
      );
    const k1 = sha1(k, h, Uint8Array.of(0x45 /* 'E' */), sid);
    const k2 = sha1(k, h, k1);
    const k3 = sha1(k, h, k1, k2);
    const k4 = sha1(k, h, k1, k2, k3);
    const expected = concatBytes(k1, k2, k3, k4).subarray(0, 64);
    expect(toHex(deriveKey(crypto, 'sha1', k, h, 'E', sid, 64))).toBe(toHex(expected));
    // A prefix of a longer key is the shorter key.
    expect(toHex(deriveKey(crypto, 'sha1', k, h, 'E', sid, 7))).toBe(toHex(k1.subarray(0, 7)));
  });

  it('returns an empty key for length 0 and refuses negative or fractional lengths', () => {
    expect(deriveKey(crypto, 'sha256', fromHex('00'), fromHex('00'), 'A', fromHex('00'), 0)).toHaveLength(0);
    expect(() => deriveKey(crypto, 'sha256', fromHex('00'), fromHex('00'), 'A', fromHex('00'), -1)).toThrow(
      UsageError,
    );
    expect(() => deriveKey(crypto, 'sha256', fromHex('00'), fromHex('00'), 'A', fromHex('00'), 1.5)).toThrow(
      UsageError,
    );
  });
});
