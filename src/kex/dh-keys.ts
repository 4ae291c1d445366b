/** Finite-field Diffie-Hellman key pairs, public-value checks and K, shared by fixed groups and group exchange. */
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { bytesToBigInt, wipe } from '../crypto/bytes.js';
import { KexError } from '../errors.js';
import { encodeMpint } from './exchange-hash.js';

export function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/**
 * Size of the private exponent x. RFC 3526 §8 lists, per group, an exponent size of twice the group's
 * estimated strength; we take the upper end of its range (2048: 320, 3072: 420, 4096: 480, 6144: 540,
 * 8192: 620 bits), which is well over 2× the security bits. Groups under 2048 bits (Oakley group 2) get 320.
 */
export function privateExponentBits(pBits: number): number {
  if (pBits <= 2048) return 320;
  if (pBits <= 3072) return 420;
  if (pBits <= 4096) return 480;
  if (pBits <= 6144) return 540;
  return 620;
}

export interface DhKeyPair {
  /** Private exponent. A bigint cannot be wiped; callers drop it as soon as K is computed. */
  x: bigint;
  /** Public value g^x mod p. */
  publicValue: bigint;
}

/** Draws x with exactly `privateExponentBits` bits (top bit set, so 1 < x < p-1) and computes g^x mod p. */
export function generateDhKeyPair(
  crypto: CryptoBackend,
  random: RandomSource,
  p: bigint,
  g: bigint,
): DhKeyPair {
  const bits = privateExponentBits(bitLength(p));
  const raw = random(Math.ceil(bits / 8));
  const excess = raw.length * 8 - bits;
  raw[0] &= 0xff >> excess;
  raw[0] |= 0x80 >> excess;
  const x = bytesToBigInt(raw);
  wipe(raw);
  return { x, publicValue: crypto.modPow(g, x, p) };
}

/**
 * RFC 4253 §8: "Values of 'e' or 'f' that are not in the range [1, p-1] MUST NOT be sent or accepted";
 * we also refuse 1 and p-1, whose powers are 1 or ±1 and would fix K (the check OpenSSH's dh_pub_is_valid makes).
 */
export function checkDhPublicValue(v: bigint, p: bigint, what: 'e' | 'f'): void {
  if (v < 2n || v > p - 2n)
    throw new KexError(`DH public value ${what} is outside [2, p-2]`, 'peer', { value: what });
}

/** K = peer^x mod p, mpint-encoded as it enters the exchange hash and key derivation (RFC 4253 §8). */
export function dhSharedSecret(crypto: CryptoBackend, peer: bigint, x: bigint, p: bigint): Uint8Array {
  const k = crypto.modPow(peer, x, p);
  // With a non-safe prime from a GEX server the peer value could sit in a tiny subgroup; K = 1 would be public.
  if (k < 2n) throw new KexError('DH shared secret is degenerate', 'peer');
  return encodeMpint(k);
}
