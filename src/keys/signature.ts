/**
 * Signature blobs (RFC 4253 §6.6): `string algorithm ‖ string signature`, with per-algorithm inner formats.
 * Verification is total: any malformed, mismatched or wrong signature makes it return false, never throw,
 * so callers have exactly one failure path (no "error means success" bugs, cf. CVE-2023-2283).
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { bigIntToBytes, bytesToBigInt } from '../crypto/bytes.js';
import { UsageError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';
import { CURVE_PARAMS } from './ec-point.js';
import {
  ECDSA_CURVES,
  hashOfSignatureAlgorithm,
  isEcdsaKeyType,
  isSignatureAlgorithm,
  keyTypeOfSignatureAlgorithm,
  type SignatureAlgorithm,
} from './key-types.js';
import type { EcdsaPublicKey, PublicKey, RsaPublicKey } from './public-key.js';

const ED25519_SIGNATURE_BYTES = 64; // RFC 8709 §6

/** The outer layer of a signature blob. `algorithm` is whatever name the peer sent (not yet checked). */
export interface ParsedSignature {
  algorithm: string;
  signature: Uint8Array;
}

/**
 *     string signature algorithm name
 *     string signature              (RFC 4253 §6.6)
 * @throws DecodeError when truncated or followed by trailing bytes
 */
export function parseSignature(blob: Uint8Array): ParsedSignature {
  const r = new SshReader(blob, 'signature');
  const algorithm = r.ascii('signature algorithm', 64);
  const signature = r.string('signature');
  r.end();
  return { algorithm, signature };
}

/**
 * Wraps a raw signature in its blob. For ECDSA `raw` is r ‖ s (each the curve's size, as the backend
 * returns it) and is re-encoded as `mpint r ‖ mpint s` (RFC 5656 §3.1.2); other algorithms carry `raw` as is.
 */
export function encodeSignature(alg: SignatureAlgorithm, raw: Uint8Array): Uint8Array {
  let inner = raw;
  if (isEcdsaKeyType(alg)) {
    const { size } = ECDSA_CURVES[alg];
    if (raw.length !== 2 * size) throw new UsageError(`${alg} raw signature must be ${2 * size} bytes`);
    inner = new SshWriter(2 * size + 10)
      .mpintBytes(raw.subarray(0, size))
      .mpintBytes(raw.subarray(size))
      .bytes();
  }
  return new SshWriter(inner.length + 32).string(alg).string(inner).bytes();
}

/**
 * Verifies `signatureBlob` over `data` with `key`. Returns true only when the blob is well formed, its
 * algorithm belongs to the key's type and (when `allowed` is given, e.g. the negotiated host-key algorithm
 * or PubkeyAcceptedAlgorithms) is in that list, and the signature checks out. Every other case, including a
 * structurally broken blob or a backend that throws on a bad point, returns false.
 *
 * @example verifySignature(crypto, hostKey, sigBlob, exchangeHash, ['rsa-sha2-256'])
 */
export function verifySignature(
  crypto: CryptoBackend,
  key: PublicKey,
  signatureBlob: Uint8Array,
  data: Uint8Array,
  allowed?: readonly SignatureAlgorithm[],
): boolean {
  let verified = false;
  try {
    const { algorithm, signature } = parseSignature(signatureBlob);
    if (!isSignatureAlgorithm(algorithm)) return false;
    if (keyTypeOfSignatureAlgorithm(algorithm) !== key.type) return false;
    if (allowed && !allowed.includes(algorithm)) return false;
    verified = verifyInner(crypto, key, algorithm, signature, data);
  } catch {
    return false; // malformed input or a backend refusing a value: not a valid signature
  }
  return verified === true;
}

function verifyInner(
  crypto: CryptoBackend,
  key: PublicKey,
  alg: SignatureAlgorithm,
  sig: Uint8Array,
  data: Uint8Array,
): boolean {
  switch (key.type) {
    case 'ssh-ed25519':
      if (sig.length !== ED25519_SIGNATURE_BYTES) return false;
      return crypto.ed25519Verify(key.publicKey, data, sig);
    case 'ssh-rsa':
      return verifyRsa(crypto, key, alg, sig, data);
    default:
      return verifyEcdsa(crypto, key, sig, data);
  }
}

/**
 *     mpint r
 *     mpint s     (RFC 5656 §3.1.2), each in [1, n-1]
 */
function verifyEcdsa(crypto: CryptoBackend, key: EcdsaPublicKey, sig: Uint8Array, data: Uint8Array): boolean {
  const { n, size } = CURVE_PARAMS[key.curve];
  const rd = new SshReader(sig, 'ecdsa signature'); // a DecodeError here is caught by verifySignature
  const r = rd.mpint('r', size + 1);
  const s = rd.mpint('s', size + 1);
  rd.end();
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const raw = new Uint8Array(2 * size);
  raw.set(bigIntToBytes(r, size), 0);
  raw.set(bigIntToBytes(s, size), size);
  return crypto.ecdsaVerify(key.curve, key.point, data, raw);
}

/**
 * RSASSA-PKCS1-v1_5 (RFC 8332 §3, RFC 4253 §6.6): the signature is an octet string of the modulus's length.
 * A shorter one (a leading zero byte dropped by some signers) is left-padded, as OpenSSH does; a longer one
 * or one whose value is not below n is refused.
 */
function verifyRsa(
  crypto: CryptoBackend,
  key: RsaPublicKey,
  alg: SignatureAlgorithm,
  sig: Uint8Array,
  data: Uint8Array,
): boolean {
  const hash = hashOfSignatureAlgorithm(alg);
  if (hash === null) return false;
  const modLen = Math.ceil(key.bits / 8);
  if (sig.length === 0 || sig.length > modLen) return false;
  if (bytesToBigInt(sig) >= key.rsa.n) return false;
  let full = sig;
  if (sig.length < modLen) {
    full = new Uint8Array(modLen);
    full.set(sig, modLen - sig.length);
  }
  return crypto.rsaVerify(hash, { n: key.rsa.n, e: key.rsa.e }, data, full);
}
