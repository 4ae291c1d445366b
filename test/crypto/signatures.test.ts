import { describe, expect, it } from 'vitest';
import type { NistCurve } from '../../src/crypto/backend.js';
import { concatBytes, fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { cryptoBackends, nobleCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';

// RFC 8032 §7.1, Ed25519 TEST 1 (empty message) and TEST 2 (one byte 0x72).
const ED25519_VECTORS = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
];

// RFC 6979 Appendix A.2.5: ECDSA P-256 with SHA-256, message "sample". Its s is above n/2 (a "high-S"
// signature), which a verifier must still accept: plain ECDSA has no low-S rule.
const RFC6979_P256 = {
  x: fromHex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721'),
  publicKey: fromHex(
    '04' +
      '60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6' +
      '7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299',
  ),
  signature: fromHex(
    'efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716' +
      'f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8',
  ),
};

const CURVE_SIZE: Record<NistCurve, number> = { p256: 32, p384: 48, p521: 66 };

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index] ^= 0x01;
  return out;
}

describe.each(cryptoBackends)('$name backend: signatures', (c) => {
  describe.each(ED25519_VECTORS)('Ed25519 RFC 8032 §7.1 $name', (v) => {
    const seed = fromHex(v.secret);
    const message = fromHex(v.message);
    const signature = fromHex(v.signature);

    it('derives the public key and the exact signature', () => {
      expect(toHex(c.ed25519PublicKey(seed))).toBe(v.public);
      expect(toHex(c.ed25519Sign(seed, message))).toBe(v.signature);
    });

    it('verifies, and rejects any flipped bit in signature, message or key', () => {
      const pub = fromHex(v.public);
      expect(c.ed25519Verify(pub, message, signature)).toBe(true);
      expect(c.ed25519Verify(pub, message, flip(signature, 0))).toBe(false);
      expect(c.ed25519Verify(pub, message, flip(signature, 63))).toBe(false);
      expect(c.ed25519Verify(flip(pub, 5), message, signature)).toBe(false);
      expect(c.ed25519Verify(pub, concatBytes(message, Uint8Array.of(0)), signature)).toBe(false);
    });

    it('rejects wrong-size keys and signatures without throwing', () => {
      const pub = fromHex(v.public);
      for (const n of [0, 31, 33, 64])
        expect(c.ed25519Verify(new Uint8Array(n), message, signature)).toBe(false);
      expect(c.ed25519Verify(pub, message, signature.subarray(0, 63))).toBe(false);
      expect(c.ed25519Verify(pub, message, concatBytes(signature, Uint8Array.of(0)))).toBe(false);
    });
  });

  it('Ed25519 does not reuse a cached key after the caller overwrote the seed array', () => {
    const seed = fromHex(ED25519_VECTORS[0].secret);
    expect(toHex(c.ed25519Sign(seed, new Uint8Array(0)))).toBe(ED25519_VECTORS[0].signature);
    seed.set(fromHex(ED25519_VECTORS[1].secret));
    expect(toHex(c.ed25519Sign(seed, fromHex('72')))).toBe(ED25519_VECTORS[1].signature);
    expect(toHex(c.ed25519PublicKey(seed))).toBe(ED25519_VECTORS[1].public);
  });

  it('ECDSA P-256 verifies the RFC 6979 A.2.5 "sample" signature (high S)', () => {
    const { publicKey, signature } = RFC6979_P256;
    expect(c.ecdhPublicKey('p256', RFC6979_P256.x)).toEqual(publicKey);
    expect(c.ecdsaVerify('p256', publicKey, utf8('sample'), signature)).toBe(true);
    expect(c.ecdsaVerify('p256', publicKey, utf8('samples'), signature)).toBe(false);
    expect(c.ecdsaVerify('p256', publicKey, utf8('sample'), flip(signature, 63))).toBe(false);
    expect(c.ecdsaVerify('p256', publicKey, utf8('sample'), flip(signature, 0))).toBe(false);
  });

  describe.each(['p256', 'p384', 'p521'] as const)('ECDSA %s', (curve) => {
    const size = CURVE_SIZE[curve];
    const priv = seededRandom(`ecdsa ${curve}`)(size);
    priv[0] &= curve === 'p521' ? 0x01 : 0x7f; // below the group order
    const pub = c.ecdhPublicKey(curve, priv);
    const message = utf8(`message for ${curve}`);

    it('signs r ‖ s of twice the curve size and verifies it; a flipped bit fails', () => {
      const sig = c.ecdsaSign(curve, priv, message);
      expect(sig).toHaveLength(2 * size);
      expect(c.ecdsaVerify(curve, pub, message, sig)).toBe(true);
      expect(c.ecdsaVerify(curve, pub, message, flip(sig, size + 3))).toBe(false);
      expect(c.ecdsaVerify(curve, pub, utf8('other'), sig)).toBe(false);
    });

    it('signatures cross between the backends both ways', () => {
      for (const other of cryptoBackends) {
        expect(other.ecdsaVerify(curve, pub, message, c.ecdsaSign(curve, priv, message))).toBe(true);
        expect(c.ecdsaVerify(curve, pub, message, other.ecdsaSign(curve, priv, message))).toBe(true);
      }
    });

    it('malformed keys and signatures are false, not exceptions', () => {
      const sig = c.ecdsaSign(curve, priv, message);
      const offCurve = flip(pub, pub.length - 1);
      expect(c.ecdsaVerify(curve, offCurve, message, sig)).toBe(false);
      expect(c.ecdsaVerify(curve, pub.subarray(0, 1 + size), message, sig)).toBe(false);
      expect(c.ecdsaVerify(curve, pub, message, sig.subarray(1))).toBe(false);
      expect(c.ecdsaVerify(curve, pub, message, new Uint8Array(2 * size))).toBe(false); // r = s = 0
      expect(c.ecdsaVerify(curve, pub, message, new Uint8Array(2 * size).fill(0xff))).toBe(false); // ≥ n
    });
  });
});

describe('noble ECDSA', () => {
  it('signs deterministically per RFC 6979: the A.2.5 "sample" signature exactly', () => {
    expect(toHex(nobleCrypto.ecdsaSign('p256', RFC6979_P256.x, utf8('sample')))).toBe(
      toHex(RFC6979_P256.signature),
    );
  });
});
