/**
 * Completes and checks RSA private key material (RFC 8017 §3.2). Key files store different subsets:
 * openssh-key-v1 has n, e, d, iqmp, p, q (no CRT exponents); JWK/PKCS#1 have everything.
 */
import type { RsaKey } from '../crypto/backend.js';
import { DecodeError } from '../errors.js';

/** a⁻¹ mod m by the extended Euclidean algorithm; null when gcd(a, m) ≠ 1. */
function modInverse(a: bigint, m: bigint): bigint | null {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return oldR === 1n ? ((oldS % m) + m) % m : null;
}

/**
 * Fills in dp, dq (and qi when absent) and checks the parts agree: n = p·q, qi·q ≡ 1 (mod p), and
 * e·d ≡ 1 modulo p-1 and q-1, so a corrupted file fails here rather than producing bad signatures.
 * @throws DecodeError when the parts are inconsistent
 */
export function completeRsaPrivateKey(k: {
  n: bigint;
  e: bigint;
  d: bigint;
  p: bigint;
  q: bigint;
  qi?: bigint;
}): Required<RsaKey> {
  const { n, e, d, p, q } = k;
  if (p <= 1n || q <= 1n || p * q !== n) throw new DecodeError('RSA private key: p·q does not equal n');
  const qi = k.qi ?? modInverse(q, p);
  if (qi === null || (qi * q) % p !== 1n) throw new DecodeError('RSA private key: iqmp is not q⁻¹ mod p');
  const dp = d % (p - 1n);
  const dq = d % (q - 1n);
  if ((e * dp) % (p - 1n) !== 1n || (e * dq) % (q - 1n) !== 1n) {
    throw new DecodeError('RSA private key: d is not the inverse of e');
  }
  return { n, e, d, p, q, dp, dq, qi };
}
