/**
 * Argument checks and curve facts shared by the two backends, so both refuse the same inputs with the same
 * typed errors. Local misuse (a wrong key length from our own code) is a UsageError; a bad value from the
 * peer during key exchange is a KexError; a bad signature or public key in a verify call is just `false`.
 */

import { KexError, UsageError } from '../errors.js';
import type { HashAlg, NistCurve } from './backend.js';

/** Scalar and coordinate size in bytes (SEC 1 §2.3.5: ceil(log2(p) / 8)). */
export const CURVE_SIZE: Record<NistCurve, number> = { p256: 32, p384: 48, p521: 66 };

/** The hash each ecdsa-sha2-nistp* key signs with, RFC 5656 §6.2.1. */
export const CURVE_HASH: Record<NistCurve, HashAlg> = { p256: 'sha256', p384: 'sha384', p521: 'sha512' };

/** Names OpenSSL and JWK (RFC 7518 §6.2.1.1) use for the same curves. */
export const CURVE_OPENSSL_NAME: Record<NistCurve, string> = {
  p256: 'prime256v1',
  p384: 'secp384r1',
  p521: 'secp521r1',
};
export const CURVE_JWK_NAME: Record<NistCurve, string> = { p256: 'P-256', p384: 'P-384', p521: 'P-521' };

/** Throws UsageError unless `value` is a Uint8Array whose length is one of `lengths`. */
export function assertBytes(value: Uint8Array, lengths: readonly number[], what: string): void {
  if (!(value instanceof Uint8Array)) throw new UsageError(`${what}: expected Uint8Array`);
  if (!lengths.includes(value.length)) {
    throw new UsageError(`${what}: expected ${lengths.join(' or ')} bytes, got ${value.length}`);
  }
}

/**
 * The arguments of CryptoBackend#chacha20: a 32-byte key, an 8-byte DJB nonce, a 64-bit block counter that
 * must be a non-negative safe integer (the interface passes a number), and an output as long as the data.
 */
export function assertChaCha20Args(
  key: Uint8Array,
  nonce8: Uint8Array,
  counter: number,
  data: Uint8Array,
  out: Uint8Array | undefined,
): void {
  assertBytes(key, [32], 'ChaCha20 key');
  assertBytes(nonce8, [8], 'ChaCha20 nonce');
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new UsageError(`chacha20: counter must be a non-negative safe integer, got ${counter}`);
  }
  assertOutput(out, data.length, 'ChaCha20');
}

/** An output buffer handed to a primitive must be exactly as long as what it will hold. */
export function assertOutput(out: Uint8Array | undefined, length: number, what: string): void {
  if (out !== undefined && (!(out instanceof Uint8Array) || out.length !== length)) {
    throw new UsageError(`${what}: output must be a Uint8Array of ${length} bytes, got ${out?.length}`);
  }
}

/** Peer X25519 values are exactly 32 bytes (RFC 7748 §5; RFC 8731 §3: Q_S/Q_C as a 32-byte string). */
export function assertX25519Peer(peerPublic: Uint8Array): void {
  if (!(peerPublic instanceof Uint8Array) || peerPublic.length !== 32) {
    throw new KexError(`X25519 public value must be 32 bytes, got ${peerPublic?.length}`);
  }
}

/**
 * RFC 7748 §6.1 / RFC 8731 §3: an all-zero shared secret means the peer sent a low-order point; abort.
 * Checked in constant time over the whole value.
 */
export function assertNonZeroSecret(shared: Uint8Array): Uint8Array {
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0) throw new KexError('X25519 shared secret is all zero (low-order public value)');
  return shared;
}

/** SEC 1 §2.3.3 uncompressed point 0x04 ‖ X ‖ Y of the curve's size; the only form RFC 5656 §3.1 requires. */
export function isUncompressedPoint(curve: NistCurve, point: Uint8Array): boolean {
  return point instanceof Uint8Array && point.length === 1 + 2 * CURVE_SIZE[curve] && point[0] === 0x04;
}

export function assertPeerPoint(curve: NistCurve, point: Uint8Array): void {
  if (!isUncompressedPoint(curve, point)) {
    throw new KexError(
      `ECDH ${curve}: public value is not an uncompressed point of ${1 + 2 * CURVE_SIZE[curve]} bytes`,
    );
  }
}
