import { describe, expect, it } from 'vitest';
import type { NistCurve } from '../../src/crypto/backend.js';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { cryptoBackends } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { KexError, UsageError } from '../../src/errors.js';

// RFC 7748 §5.2, the two X25519 test vectors (vector 2's u has its top bit set, which must be masked).
const X25519_VECTORS = [
  {
    scalar: 'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
    u: 'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
    out: 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  },
  {
    scalar: '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
    u: 'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
    out: '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
  },
];

// RFC 7748 §6.1, Curve25519 Diffie-Hellman.
const ALICE_PRIVATE = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUBLIC = '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
const BOB_PRIVATE = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
const BOB_PUBLIC = 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f';
const SHARED = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';

// Low-order u-coordinates of Curve25519 (0 and 1 have order ≤ 4; the third is a point of order 8, listed
// with the others in the Curve25519 paper's "points to reject" and in Wycheproof x25519_test.json).
const LOW_ORDER_POINTS = {
  zero: '0000000000000000000000000000000000000000000000000000000000000000',
  one: '0100000000000000000000000000000000000000000000000000000000000000',
  'order 8': 'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
};

// RFC 5903 §8.1, 256-bit random ECP group: initiator i, responder's public gr, and the shared x-coordinate.
const RFC5903_I = fromHex('c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433');
const RFC5903_GI =
  '04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180' +
  '5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3';
const RFC5903_GR = fromHex(
  '04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63' +
    '56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab',
);
const RFC5903_SHARED = 'd6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de';

const CURVE_SIZE: Record<NistCurve, number> = { p256: 32, p384: 48, p521: 66 };

/** A valid scalar for `curve` from a seed: p521 keeps only 9 bits in its first byte, so it stays below n. */
function scalar(curve: NistCurve, seed: string): Uint8Array {
  const k = seededRandom(seed)(CURVE_SIZE[curve]);
  k[0] = curve === 'p521' ? k[0] & 0x01 : k[0] & 0x7f;
  return k;
}

describe.each(cryptoBackends)('$name backend: key agreement', (c) => {
  it.each(X25519_VECTORS)('X25519 RFC 7748 §5.2 vector ($out)', (v) => {
    expect(toHex(c.x25519(fromHex(v.scalar), fromHex(v.u)))).toBe(v.out);
  });

  it('X25519 RFC 7748 §6.1 public keys and shared secret', () => {
    expect(toHex(c.x25519PublicKey(ALICE_PRIVATE))).toBe(ALICE_PUBLIC);
    expect(toHex(c.x25519PublicKey(BOB_PRIVATE))).toBe(BOB_PUBLIC);
    expect(toHex(c.x25519(ALICE_PRIVATE, fromHex(BOB_PUBLIC)))).toBe(SHARED);
    expect(toHex(c.x25519(BOB_PRIVATE, fromHex(ALICE_PUBLIC)))).toBe(SHARED);
  });

  it.each(Object.entries(LOW_ORDER_POINTS))('X25519 with the low-order point %s throws KexError', (_, u) => {
    expect(() => c.x25519(ALICE_PRIVATE, fromHex(u))).toThrow(KexError);
  });

  it('X25519 refuses a peer value that is not 32 bytes with KexError', () => {
    expect(() => c.x25519(ALICE_PRIVATE, fromHex(BOB_PUBLIC).subarray(0, 31))).toThrow(KexError);
    expect(() => c.x25519(ALICE_PRIVATE, new Uint8Array(33))).toThrow(KexError);
  });

  it('ECDH P-256 RFC 5903 §8.1', () => {
    expect(toHex(c.ecdhPublicKey('p256', RFC5903_I))).toBe(RFC5903_GI);
    expect(toHex(c.ecdh('p256', RFC5903_I, RFC5903_GR))).toBe(RFC5903_SHARED);
  });

  describe.each(['p256', 'p384', 'p521'] as const)('ECDH %s', (curve) => {
    const a = scalar(curve, `${curve} a`);
    const b = scalar(curve, `${curve} b`);

    it('both sides agree on a secret of the field size; the public value is uncompressed', () => {
      const pa = c.ecdhPublicKey(curve, a);
      const pb = c.ecdhPublicKey(curve, b);
      expect(pa).toHaveLength(1 + 2 * CURVE_SIZE[curve]);
      expect(pa[0]).toBe(0x04);
      const s1 = c.ecdh(curve, a, pb);
      expect(s1).toHaveLength(CURVE_SIZE[curve]);
      expect(c.ecdh(curve, b, pa)).toEqual(s1);
    });

    it('matches the other backend', () => {
      for (const other of cryptoBackends) {
        expect(other.ecdhPublicKey(curve, a)).toEqual(c.ecdhPublicKey(curve, a));
        expect(other.ecdh(curve, a, c.ecdhPublicKey(curve, b))).toEqual(
          c.ecdh(curve, a, c.ecdhPublicKey(curve, b)),
        );
      }
    });

    it('a point not on the curve throws KexError', () => {
      const bad = c.ecdhPublicKey(curve, b);
      bad[bad.length - 1] ^= 0x01; // y changed: (x, y') is not on the curve
      expect(() => c.ecdh(curve, a, bad)).toThrow(KexError);
    });

    it('compressed, truncated or all-zero public values throw KexError', () => {
      const pb = c.ecdhPublicKey(curve, b);
      const compressed = Uint8Array.of(
        0x02 | (pb[pb.length - 1] & 1),
        ...pb.subarray(1, 1 + CURVE_SIZE[curve]),
      );
      expect(() => c.ecdh(curve, a, compressed)).toThrow(KexError);
      expect(() => c.ecdh(curve, a, pb.subarray(0, pb.length - 1))).toThrow(KexError);
      const zeros = new Uint8Array(pb.length);
      zeros[0] = 0x04;
      expect(() => c.ecdh(curve, a, zeros)).toThrow(KexError);
    });

    it('a zero or wrong-size private key is a UsageError', () => {
      expect(() => c.ecdhPublicKey(curve, new Uint8Array(CURVE_SIZE[curve]))).toThrow(UsageError);
      expect(() => c.ecdhPublicKey(curve, new Uint8Array(CURVE_SIZE[curve] + 1))).toThrow(UsageError);
    });
  });
});
