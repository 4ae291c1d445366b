/**
 * Public key blobs: the `string key-type ‖ fields` encoding every SSH layer carries (host keys in KEX,
 * user keys in publickey auth, authorized_keys, known_hosts). Parsing is strict: unknown types, trailing
 * bytes, a curve name that disagrees with the type, or a point off the curve are DecodeErrors.
 */
import type { NistCurve, RsaKey } from '../crypto/backend.js';
import { DecodeError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';
import { invalidPointReason } from './ec-point.js';
import { ECDSA_CURVES, type EcdsaKeyType, isEcdsaKeyType } from './key-types.js';

export interface Ed25519PublicKey {
  readonly type: 'ssh-ed25519';
  readonly blob: Uint8Array;
  /** The 32-byte encoded point A of RFC 8032 §5.1.5. */
  readonly publicKey: Uint8Array;
}

export interface EcdsaPublicKey {
  readonly type: EcdsaKeyType;
  readonly blob: Uint8Array;
  readonly curve: NistCurve;
  /** Uncompressed SEC1 point 0x04 ‖ X ‖ Y. */
  readonly point: Uint8Array;
}

export interface RsaPublicKey {
  readonly type: 'ssh-rsa';
  readonly blob: Uint8Array;
  readonly rsa: RsaKey;
  /** Modulus size in bits. */
  readonly bits: number;
}

export type PublicKey = Ed25519PublicKey | EcdsaPublicKey | RsaPublicKey;

/** The fields of a public key without its blob: what `encodePublicKey` takes. */
export type PublicKeyFields =
  | { type: 'ssh-ed25519'; publicKey: Uint8Array }
  | { type: EcdsaKeyType; point: Uint8Array }
  | { type: 'ssh-rsa'; rsa: Pick<RsaKey, 'n' | 'e'> };

/** OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE: smaller moduli are refused outright at parse. */
export const RSA_MIN_PARSE_BITS = 1024;
/** The policy minimum callers should apply to RSA host and user keys (NIST SP 800-131A). */
export const DEFAULT_MIN_RSA_BITS = 2048;
/** 16384-bit moduli, like OpenSSH's SSHBUF_MAX_BIGNUM. */
export const RSA_MAX_BITS = 16384;

const ED25519_KEY_BYTES = 32; // RFC 8709 §4

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/**
 * Parses a public key blob.
 *
 *     string "ssh-ed25519"            string "ecdsa-sha2-[id]"       string "ssh-rsa"
 *     string key (32 bytes)           string [id]                    mpint  e
 *     (RFC 8709 §4)                   string Q (RFC 5656 §3.1)       mpint  n   (RFC 4253 §6.6)
 *
 * @example parsePublicKey(fromBase64('AAAAC3NzaC1lZDI1NTE5AAAAI...')).type // 'ssh-ed25519'
 * @throws DecodeError on a truncated or trailing blob, an unknown type, or an invalid key
 */
export function parsePublicKey(blob: Uint8Array): PublicKey {
  const r = new SshReader(blob, 'public key');
  const type = r.ascii('key type', 64);
  const own = blob.slice();
  let key: PublicKey;
  if (type === 'ssh-ed25519') {
    const pub = r.string('ed25519 key', ED25519_KEY_BYTES);
    if (pub.length !== ED25519_KEY_BYTES)
      throw new DecodeError(`public key: ed25519 key is ${pub.length} bytes, expected 32`);
    key = { type, blob: own, publicKey: pub.slice() };
  } else if (isEcdsaKeyType(type)) {
    const { curve, identifier, size } = ECDSA_CURVES[type];
    const id = r.ascii('curve identifier', 64);
    // RFC 5656 §3.1: the identifier must match the curve named by the key type.
    if (id !== identifier) throw new DecodeError(`public key: curve '${id}' does not match key type ${type}`);
    const point = r.string('ecdsa point', 1 + 2 * size);
    const bad = invalidPointReason(curve, point);
    if (bad) throw new DecodeError(`public key: ${type} ${bad}`);
    key = { type, blob: own, curve, point: point.slice() };
  } else if (type === 'ssh-rsa') {
    const e = r.mpint('rsa e');
    const n = r.mpint('rsa n');
    const bits = checkRsaPublic(n, e);
    key = { type, blob: own, rsa: { n, e }, bits };
  } else {
    throw new DecodeError(`public key: unknown key type '${type}'`);
  }
  r.end();
  return key;
}

/** Range checks on an RSA public key; returns the modulus size in bits. */
function checkRsaPublic(n: bigint, e: bigint): number {
  const bits = bitLength(n);
  if (bits < RSA_MIN_PARSE_BITS)
    throw new DecodeError(`public key: RSA modulus of ${bits} bits is under ${RSA_MIN_PARSE_BITS}`);
  if (bits > RSA_MAX_BITS)
    throw new DecodeError(`public key: RSA modulus of ${bits} bits is over ${RSA_MAX_BITS}`);
  if ((n & 1n) === 0n) throw new DecodeError('public key: RSA modulus is even');
  // An even or tiny exponent is never produced by a real key generator and breaks PKCS#1 assumptions.
  if (e < 3n || (e & 1n) === 0n || e >= n) throw new DecodeError('public key: RSA exponent is out of range');
  return bits;
}

/** Encodes public key fields to the blob layout above (no validation; see `publicKeyFrom`). */
export function encodePublicKey(key: PublicKeyFields): Uint8Array {
  const w = new SshWriter(64).string(key.type);
  if (key.type === 'ssh-ed25519') {
    w.string(key.publicKey);
  } else if (key.type === 'ssh-rsa') {
    w.mpint(key.rsa.e).mpint(key.rsa.n);
  } else {
    w.string(ECDSA_CURVES[key.type].identifier).string(key.point);
  }
  return w.bytes();
}

/** Builds a validated PublicKey from its fields (encode, then parse with every check). */
export function publicKeyFrom(key: PublicKeyFields): PublicKey {
  return parsePublicKey(encodePublicKey(key));
}

/**
 * Policy check for RSA key size, separate from parsing so callers choose (OpenSSH's RequiredRSASize).
 * Non-RSA keys always pass.
 * @example if (!meetsMinRsaBits(hostKey)) throw new HostKeyError('RSA host key too small')
 */
export function meetsMinRsaBits(key: PublicKey, minRsaBits = DEFAULT_MIN_RSA_BITS): boolean {
  return key.type !== 'ssh-rsa' || key.bits >= minRsaBits;
}

/** Two keys are the same key when their blobs are byte-equal (blobs are canonical after a strict parse). */
export function samePublicKey(a: PublicKey, b: PublicKey): boolean {
  if (a.blob.length !== b.blob.length) return false;
  for (let i = 0; i < a.blob.length; i++) if (a.blob[i] !== b.blob[i]) return false;
  return true;
}
