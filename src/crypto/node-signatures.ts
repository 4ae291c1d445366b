/**
 * Signatures on node:crypto: Ed25519 (RFC 8032), ECDSA (RFC 5656 §3.1.2, nonce k drawn inside OpenSSL) and
 * RSASSA-PKCS1-v1_5 (RFC 8017 §8.2). Imported KeyObjects are cached per caller key (import-cache.ts), so a
 * host key pays the import once, not per signature.
 */

import type { CryptoBackend, HashAlg, NistCurve, RsaKey } from './backend.js';
import { assertBytes, CURVE_HASH, CURVE_SIZE, isUncompressedPoint } from './backend-checks.js';
import { bytesKeyCache, rsaKeyCache } from './import-cache.js';
import {
  importEcPrivate,
  importEcPublic,
  importOkpPrivate,
  importOkpPublic,
  importRsaPrivate,
  importRsaPublic,
  type KeyObject,
  type NodeCrypto,
  okpPublicBytes,
  u8,
} from './node-key-objects.js';
import { completeRsaCrt, modulusLength, rsaPkcs1Sign } from './rsa-pkcs1.js';

type Signers = Pick<
  CryptoBackend,
  'ed25519PublicKey' | 'ed25519Sign' | 'ed25519Verify' | 'ecdsaSign' | 'ecdsaVerify' | 'rsaSign' | 'rsaVerify'
>;

const perCurve = () => ({
  p256: bytesKeyCache<KeyObject>(),
  p384: bytesKeyCache<KeyObject>(),
  p521: bytesKeyCache<KeyObject>(),
});

export function createNodeSigners(nc: NodeCrypto): Signers {
  const ed25519Private = bytesKeyCache<KeyObject>();
  const ed25519Public = bytesKeyCache<KeyObject>();
  const ecdsaPrivate = perCurve();
  const ecdsaPublic = perCurve();
  /** null: OpenSSL cannot import this key (no p and q), so it is signed in bigint instead. */
  const rsaPrivate = rsaKeyCache<KeyObject | null>();
  const rsaPublic = rsaKeyCache<KeyObject>();
  const pkcs1 = nc.constants.RSA_PKCS1_PADDING;

  function ed25519Key(seed: Uint8Array): KeyObject {
    assertBytes(seed, [32], 'Ed25519 seed');
    return ed25519Private.get(seed, () => importOkpPrivate(nc, 'Ed25519', seed));
  }

  function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      const key = ed25519Public.get(publicKey, () => importOkpPublic(nc, 'Ed25519', publicKey));
      return nc.verify(null, message, key, signature);
    } catch {
      return false;
    }
  }

  function ecdsaSign(curve: NistCurve, privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    const key = ecdsaPrivate[curve].get(privateKey, () => importEcPrivate(nc, curve, privateKey));
    // ieee-p1363 gives r ‖ s at the curve's size, as the interface promises.
    return u8(nc.sign(CURVE_HASH[curve], message, { key, dsaEncoding: 'ieee-p1363' }));
  }

  function ecdsaVerify(curve: NistCurve, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) {
    if (!isUncompressedPoint(curve, publicKey) || signature.length !== 2 * CURVE_SIZE[curve]) return false;
    try {
      const key = ecdsaPublic[curve].get(publicKey, () => importEcPublic(nc, curve, publicKey));
      return nc.verify(CURVE_HASH[curve], message, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false; // not a point on the curve
    }
  }

  function rsaSign(alg: HashAlg, key: RsaKey, message: Uint8Array): Uint8Array {
    const imported = rsaPrivate.get(key, () => {
      const full = completeRsaCrt(key);
      return full === undefined ? null : importRsaPrivate(nc, full);
    });
    if (imported === null) return rsaPkcs1Sign(alg, u8(nc.createHash(alg).update(message).digest()), key);
    return u8(nc.sign(alg, message, { key: imported, padding: pkcs1 }));
  }

  function rsaVerify(alg: HashAlg, key: RsaKey, message: Uint8Array, signature: Uint8Array): boolean {
    // Same screening as rsaPkcs1Verify, so both backends agree on odd inputs.
    if (key.n < 3n || key.e < 3n) return false;
    const k = modulusLength(key.n);
    if (signature.length > k) return false;
    const padded = new Uint8Array(k);
    padded.set(signature, k - signature.length); // OpenSSH accepts signatures shorter than the modulus
    try {
      const pub = rsaPublic.get(key, () => importRsaPublic(nc, key));
      return nc.verify(alg, message, { key: pub, padding: pkcs1 }, padded);
    } catch {
      return false;
    }
  }

  return {
    ed25519PublicKey: (seed) => okpPublicBytes(nc, ed25519Key(seed)),
    ed25519Sign: (seed, message) => u8(nc.sign(null, message, ed25519Key(seed))),
    ed25519Verify,
    ecdsaSign,
    ecdsaVerify,
    rsaSign,
    rsaVerify,
  };
}
