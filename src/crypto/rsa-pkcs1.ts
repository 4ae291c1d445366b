/**
 * RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) on plain bigints, for the noble backend and for keys node:crypto cannot
 * import. Callers hash the message themselves and pass the digest, so this file needs no hash code.
 *
 * Not constant-time (bigint arithmetic never is); the node backend signs through OpenSSL whenever it can.
 */

import { UsageError } from '../errors.js';
import type { HashAlg, RsaKey } from './backend.js';
import { bigIntToBytes, bytesToBigInt, concatBytes, equalBytes, fromHex } from './bytes.js';
import { modPowBigInt } from './mod-pow.js';

/** DER of DigestInfo { AlgorithmIdentifier, OCTET STRING } up to the digest bytes. RFC 8017 §9.2, note 1. */
const DIGEST_INFO_PREFIX: Record<HashAlg, Uint8Array> = {
  sha1: fromHex('3021300906052b0e03021a05000414'),
  sha256: fromHex('3031300d060960864801650304020105000420'),
  sha384: fromHex('3041300d060960864801650304020205000430'),
  sha512: fromHex('3051300d060960864801650304020305000440'),
};

const DIGEST_LENGTH: Record<HashAlg, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

/** Length in bytes of the modulus `n` (k in RFC 8017). */
export function modulusLength(n: bigint): number {
  return Math.ceil(n.toString(2).length / 8);
}

/**
 * EMSA-PKCS1-v1_5 encoding, RFC 8017 §9.2: EM = 0x00 ‖ 0x01 ‖ PS (0xff × (k − tLen − 3), at least 8) ‖ 0x00 ‖ T,
 * where T = DigestInfo prefix ‖ digest. Returns null when `k` is too short ("intended encoded message length
 * too short", step 3).
 */
export function emsaPkcs1v15Encode(hash: HashAlg, digest: Uint8Array, k: number): Uint8Array | null {
  if (digest.length !== DIGEST_LENGTH[hash]) {
    throw new UsageError(`${hash} digest must be ${DIGEST_LENGTH[hash]} bytes, got ${digest.length}`);
  }
  const t = concatBytes(DIGEST_INFO_PREFIX[hash], digest);
  if (k < t.length + 11) return null;
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - t.length - 1] = 0x00;
  em.set(t, k - t.length);
  return em;
}

/** Modular inverse by the extended Euclidean algorithm; undefined when gcd(a, m) ≠ 1. */
function modInverse(a: bigint, m: bigint): bigint | undefined {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) return undefined;
  return ((oldS % m) + m) % m;
}

/**
 * Fills in the CRT parameters (RFC 8017 §3.2, second representation) from d, p and q when some are missing,
 * as with OpenSSH key files, which carry iqmp, p and q but not dp or dq. Returns undefined without p, q and d.
 */
export function completeRsaCrt(key: RsaKey): Required<RsaKey> | undefined {
  const { n, e, d, p, q } = key;
  if (d === undefined || p === undefined || q === undefined) return undefined;
  const qi = key.qi ?? modInverse(q, p);
  if (qi === undefined) return undefined;
  return { n, e, d, p, q, dp: key.dp ?? d % (p - 1n), dq: key.dq ?? d % (q - 1n), qi };
}

/** RSASP1 (RFC 8017 §5.2.1): m^d mod n, through the CRT (case 2.b, u = 2) when p, q, dp, dq and qi are known. */
function rsaPrivate(key: RsaKey, m: bigint): bigint {
  const { n, d, p, q, dp, dq, qi } = key;
  if (p !== undefined && q !== undefined && dp !== undefined && dq !== undefined && qi !== undefined) {
    const m1 = modPowBigInt(m, dp, p);
    const m2 = modPowBigInt(m, dq, q);
    const h = (((m1 - m2) % p) + p) % p;
    return m2 + q * ((qi * h) % p);
  }
  if (d === undefined) throw new UsageError('RSA signing needs a private key (d)');
  return modPowBigInt(m, d, n);
}

/**
 * RSASSA-PKCS1-v1_5-SIGN (RFC 8017 §8.2.1) over an already computed `digest`. The result is checked with the
 * public exponent before it leaves, so a key with inconsistent CRT values cannot leak a factor of n through a
 * faulty signature (the Boneh-DeMillo-Lipton fault attack); a key wrong beyond repair is a UsageError.
 */
export function rsaPkcs1Sign(hash: HashAlg, digest: Uint8Array, key: RsaKey): Uint8Array {
  const k = modulusLength(key.n);
  const em = emsaPkcs1v15Encode(hash, digest, k);
  if (em === null) throw new UsageError(`RSA modulus of ${k} bytes is too short for ${hash}`);
  const m = bytesToBigInt(em);
  let s = rsaPrivate(key, m);
  if (modPowBigInt(s, key.e, key.n) !== m && key.d !== undefined) {
    // A wrong CRT value: redo it with d alone, as OpenSSL does (rsa_ossl_mod_exp).
    s = modPowBigInt(m, key.d, key.n);
  }
  if (modPowBigInt(s, key.e, key.n) !== m) throw new UsageError('RSA private key is inconsistent');
  return bigIntToBytes(s, k);
}

/**
 * RSASSA-PKCS1-v1_5-VERIFY (RFC 8017 §8.2.2): recompute the expected encoding and compare it whole, which
 * leaves no padding parser to fool. A signature shorter than the modulus is left-padded with zeros first
 * (OpenSSH's ssh-rsa.c accepts those too); a longer one, s ≥ n, or an absurd key are simply "not valid".
 */
export function rsaPkcs1Verify(
  hash: HashAlg,
  digest: Uint8Array,
  key: RsaKey,
  signature: Uint8Array,
): boolean {
  const { n, e } = key;
  if (n < 3n || e < 3n) return false;
  const k = modulusLength(n);
  if (signature.length > k) return false;
  const s = bytesToBigInt(signature);
  if (s >= n) return false;
  const expected = emsaPkcs1v15Encode(hash, digest, k);
  if (expected === null) return false;
  const em = bigIntToBytes(modPowBigInt(s, e, n), k);
  return equalBytes(em, expected);
}
