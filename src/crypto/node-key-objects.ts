/**
 * Turning our plain key material (bytes, bigints) into node:crypto KeyObjects, and node Buffers back into
 * plain Uint8Arrays. Only *types* node:crypto: the module is passed in (see node-backend.ts).
 *
 * Keys go in as JWK (RFC 8037 §2 for X25519/Ed25519, RFC 7518 §6.2, §6.3 for EC and RSA): for X25519 it is
 * about ten times cheaper than PKCS#8 DER, whose decoder in OpenSSL 3 costs ~0.35 ms per key, twice a kex.
 */

import type * as NodeCryptoModule from 'node:crypto';
import { UsageError } from '../errors.js';
import type { NistCurve, RsaKey } from './backend.js';
import { assertBytes, CURVE_JWK_NAME, CURVE_OPENSSL_NAME, CURVE_SIZE } from './backend-checks.js';
import { bigIntToBytes, concatBytes, fromHex } from './bytes.js';

export type NodeCrypto = typeof NodeCryptoModule;
export type KeyObject = NodeCryptoModule.KeyObject;

/** PKCS#8 OneAsymmetricKey headers for a raw 32-byte private key, RFC 8410 §7 (OIDs 1.3.101.110 / .112). */
const PKCS8_PREFIX = {
  X25519: fromHex('302e020100300506032b656e04220420'),
  Ed25519: fromHex('302e020100300506032b657004220420'),
};

/** Plain Uint8Array out of a Buffer: a view when the Buffer owns its memory, else a copy (never a pool slab). */
export function u8(b: Uint8Array): Uint8Array {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return new Uint8Array(b.buffer);
  return Uint8Array.from(b);
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

function b64urlInt(v: bigint): string {
  return b64url(bigIntToBytes(v));
}

export function importOkpPrivate(nc: NodeCrypto, crv: 'X25519' | 'Ed25519', raw: Uint8Array): KeyObject {
  try {
    // Node's JWK import requires `x` to be a string but builds the key from `d` alone (OpenSSL derives the
    // public half), so we need not compute `x` first; an empty one stands in.
    return nc.createPrivateKey({ key: { kty: 'OKP', crv, d: b64url(raw), x: '' }, format: 'jwk' });
  } catch {
    // A Node that checks `x` against `d` refuses that: PKCS#8 DER (RFC 8410 §7) needs no public half.
    const der = Buffer.from(concatBytes(PKCS8_PREFIX[crv], raw));
    return nc.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  }
}

export function importOkpPublic(nc: NodeCrypto, crv: 'X25519' | 'Ed25519', x: Uint8Array): KeyObject {
  return nc.createPublicKey({ key: { kty: 'OKP', crv, x: b64url(x) }, format: 'jwk' });
}

/** The raw 32-byte public key (RFC 8410 / RFC 8037 `x`) of an X25519 or Ed25519 private KeyObject. */
export function okpPublicBytes(nc: NodeCrypto, privateKey: KeyObject): Uint8Array {
  return u8(Buffer.from(nc.createPublicKey(privateKey).export({ format: 'jwk' }).x ?? '', 'base64url'));
}

/** An ECDH object holding `privateKey`; a scalar outside [1, n-1] is our own bug, so a UsageError. */
export function nodeEcdh(nc: NodeCrypto, curve: NistCurve, privateKey: Uint8Array): NodeCryptoModule.ECDH {
  assertBytes(privateKey, [CURVE_SIZE[curve]], `${curve} private key`);
  const e = nc.createECDH(CURVE_OPENSSL_NAME[curve]);
  try {
    e.setPrivateKey(privateKey);
  } catch {
    throw new UsageError(`${curve} private key is not in [1, n-1]`);
  }
  return e;
}

function ecPublicJwk(curve: NistCurve, point: Uint8Array) {
  const size = CURVE_SIZE[curve];
  const x = b64url(point.subarray(1, 1 + size));
  return { kty: 'EC', crv: CURVE_JWK_NAME[curve], x, y: b64url(point.subarray(1 + size)) };
}

/** `point` is an uncompressed SEC 1 point the caller has length-checked; OpenSSL checks it is on the curve. */
export function importEcPublic(nc: NodeCrypto, curve: NistCurve, point: Uint8Array): KeyObject {
  return nc.createPublicKey({ key: ecPublicJwk(curve, point), format: 'jwk' });
}

/** JWK EC private keys need x and y as well as d, so the public point is computed first. */
export function importEcPrivate(nc: NodeCrypto, curve: NistCurve, privateKey: Uint8Array): KeyObject {
  const point = u8(nodeEcdh(nc, curve, privateKey).getPublicKey());
  return nc.createPrivateKey({ key: { ...ecPublicJwk(curve, point), d: b64url(privateKey) }, format: 'jwk' });
}

export function importRsaPublic(nc: NodeCrypto, key: RsaKey): KeyObject {
  return nc.createPublicKey({ key: { kty: 'RSA', n: b64urlInt(key.n), e: b64urlInt(key.e) }, format: 'jwk' });
}

/** OpenSSL's JWK import wants every CRT value (RFC 7518 §6.3.2); see completeRsaCrt for keys lacking some. */
export function importRsaPrivate(nc: NodeCrypto, key: Required<RsaKey>): KeyObject {
  const jwk: Record<string, string> = { kty: 'RSA' };
  for (const f of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const) jwk[f] = b64urlInt(key[f]);
  return nc.createPrivateKey({ key: jwk, format: 'jwk' });
}
