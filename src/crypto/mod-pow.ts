/**
 * Modular exponentiation on bigint, shared by both backends (finite-field DH, RFC 4253 §8; RSA, RFC 8017 §5.2).
 *
 * Left-to-right sliding-window exponentiation: one squaring per exponent bit plus one multiplication per
 * window, so an 8192-bit modulus with a full-size exponent costs about 10 000 multiplications (well under a
 * second in V8). BigInt arithmetic is not constant-time; the node backend prefers OpenSSL for large moduli.
 */

import { UsageError } from '../errors.js';

/** Window width by exponent size: a wider window saves multiplications but costs 2^(w-1) precomputed powers. */
function windowBits(exponentBits: number): number {
  if (exponentBits <= 32) return 1;
  if (exponentBits <= 256) return 3;
  if (exponentBits <= 1024) return 4;
  return 5;
}

/** Rejects a modulus ≤ 0 or a negative exponent: both are caller bugs, never peer input. */
export function assertModPowArgs(exponent: bigint, modulus: bigint): void {
  if (modulus <= 0n) throw new UsageError('modPow: modulus must be positive');
  if (exponent < 0n) throw new UsageError('modPow: exponent must be non-negative');
}

/** `base^exponent mod modulus` for any base (negative bases are reduced first), exponent ≥ 0, modulus ≥ 1. */
export function modPowBigInt(base: bigint, exponent: bigint, modulus: bigint): bigint {
  assertModPowArgs(exponent, modulus);
  if (modulus === 1n) return 0n;
  let b = base % modulus;
  if (b < 0n) b += modulus;
  if (exponent === 0n) return 1n;

  const bits = exponent.toString(2);
  const w = windowBits(bits.length);
  // oddPowers[i] = b^(2i+1) mod m: every window below starts and ends on a 1 bit, so it is odd.
  const oddPowers = [b];
  const b2 = (b * b) % modulus;
  for (let i = 1; i < 1 << (w - 1); i++) oddPowers.push((oddPowers[i - 1] * b2) % modulus);

  let result = 1n;
  let i = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      result = (result * result) % modulus;
      i++;
      continue;
    }
    let end = Math.min(i + w, bits.length);
    while (bits[end - 1] === '0') end--;
    for (let k = i; k < end; k++) result = (result * result) % modulus;
    const window = Number.parseInt(bits.slice(i, end), 2);
    result = (result * oddPowers[(window - 1) >> 1]) % modulus;
    i = end;
  }
  return result;
}
