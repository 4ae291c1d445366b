/**
 * Private keys as plain data plus a `sign` method bound to them. The key never draws randomness itself:
 * Ed25519 is deterministic (RFC 8032 §5.1.6) and ECDSA nonces are drawn inside the backend's signer.
 */
import type { CryptoBackend, RsaKey } from '../crypto/backend.js';
import { wipe } from '../crypto/bytes.js';
import { UsageError } from '../errors.js';
import {
  ECDSA_CURVES,
  type EcdsaKeyType,
  hashOfSignatureAlgorithm,
  keyTypeOfSignatureAlgorithm,
  type SignatureAlgorithm,
  signatureAlgorithmsFor,
} from './key-types.js';
import type { EcdsaPublicKey, Ed25519PublicKey, RsaPublicKey } from './public-key.js';
import { encodeSignature } from './signature.js';

interface PrivateKeyCommon {
  comment: string;
  /** Signs `data` and returns the signature blob (`string alg ‖ string sig`). RSA defaults to rsa-sha2-512. */
  sign(crypto: CryptoBackend, data: Uint8Array, algorithm?: SignatureAlgorithm): Uint8Array;
}

export interface Ed25519PrivateKey extends PrivateKeyCommon {
  readonly type: 'ssh-ed25519';
  readonly publicKey: Ed25519PublicKey;
  /** The 32-byte secret seed k of RFC 8032 §5.1.5. */
  readonly seed: Uint8Array;
}

export interface EcdsaPrivateKey extends PrivateKeyCommon {
  readonly type: EcdsaKeyType;
  readonly publicKey: EcdsaPublicKey;
  /** Big-endian scalar d in [1, n-1], left-padded to the curve's size. */
  readonly scalar: Uint8Array;
}

export interface RsaPrivateKey extends PrivateKeyCommon {
  readonly type: 'ssh-rsa';
  readonly publicKey: RsaPublicKey;
  /** All CRT fields present. */
  rsa: Required<RsaKey>;
}

export type PrivateKey = Ed25519PrivateKey | EcdsaPrivateKey | RsaPrivateKey;

/** Private fields without the methods: what the file parsers and generators produce. */
export type PrivateKeyFields =
  | { type: 'ssh-ed25519'; publicKey: Ed25519PublicKey; seed: Uint8Array; comment: string }
  | { type: EcdsaKeyType; publicKey: EcdsaPublicKey; scalar: Uint8Array; comment: string }
  | { type: 'ssh-rsa'; publicKey: RsaPublicKey; rsa: Required<RsaKey>; comment: string };

const wiped = new WeakSet<object>();

/** Attaches `sign` to private key fields. The public key must already match the private fields. */
export function privateKeyFrom(fields: PrivateKeyFields): PrivateKey {
  if (fields.publicKey.type !== fields.type)
    throw new UsageError('private key type does not match its public key');
  const key = { ...fields } as PrivateKey;
  key.sign = (crypto, data, algorithm) => signWith(key, crypto, data, algorithm);
  return key;
}

function signWith(
  key: PrivateKey,
  crypto: CryptoBackend,
  data: Uint8Array,
  algorithm: SignatureAlgorithm = signatureAlgorithmsFor(key.type)[0],
): Uint8Array {
  if (wiped.has(key)) throw new UsageError('private key has been wiped');
  if (keyTypeOfSignatureAlgorithm(algorithm) !== key.type) {
    throw new UsageError(`a ${key.type} key cannot make ${algorithm} signatures`);
  }
  switch (key.type) {
    case 'ssh-ed25519':
      return encodeSignature(algorithm, crypto.ed25519Sign(key.seed, data));
    case 'ssh-rsa': {
      const hash = hashOfSignatureAlgorithm(algorithm);
      if (hash === null) throw new UsageError(`${algorithm} has no hash`);
      return encodeSignature(algorithm, crypto.rsaSign(hash, key.rsa, data));
    }
    default:
      return encodeSignature(algorithm, crypto.ecdsaSign(ECDSA_CURVES[key.type].curve, key.scalar, data));
  }
}

/**
 * Overwrites the private material in place and makes `sign` refuse. Byte arrays are zeroed; RSA's bigints
 * are immutable in JS, so they are dropped (replaced by 0n) and left to the garbage collector.
 */
export function wipePrivateKey(key: PrivateKey): void {
  wiped.add(key);
  if (key.type === 'ssh-ed25519') wipe(key.seed);
  else if (key.type === 'ssh-rsa')
    key.rsa = { n: key.rsa.n, e: key.rsa.e, d: 0n, p: 0n, q: 0n, dp: 0n, dq: 0n, qi: 0n };
  else wipe(key.scalar);
}

/** True when the key's private material has been wiped. */
export function isWiped(key: PrivateKey): boolean {
  return wiped.has(key);
}
