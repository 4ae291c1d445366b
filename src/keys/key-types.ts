/**
 * Public-key algorithm names and the signature algorithms each key type can produce.
 * Key types: RFC 4253 §6.6 (ssh-rsa), RFC 5656 §3.1 (ecdsa-sha2-*), RFC 8709 §4 (ssh-ed25519).
 * Signature algorithms: RFC 8332 §3 adds rsa-sha2-256 / rsa-sha2-512 over the same ssh-rsa key blob.
 */
import type { HashAlg, NistCurve } from '../crypto/backend.js';

export type KeyType =
  | 'ssh-ed25519'
  | 'ecdsa-sha2-nistp256'
  | 'ecdsa-sha2-nistp384'
  | 'ecdsa-sha2-nistp521'
  | 'ssh-rsa';

export type EcdsaKeyType = 'ecdsa-sha2-nistp256' | 'ecdsa-sha2-nistp384' | 'ecdsa-sha2-nistp521';

export type SignatureAlgorithm =
  | 'ssh-ed25519'
  | 'ecdsa-sha2-nistp256'
  | 'ecdsa-sha2-nistp384'
  | 'ecdsa-sha2-nistp521'
  | 'rsa-sha2-256'
  | 'rsa-sha2-512'
  | 'ssh-rsa';

export const KEY_TYPES: readonly KeyType[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
];

/** Signature algorithm → the key type whose blob it verifies against, and the hash it signs with. */
const SIGNATURE_ALGORITHMS: Readonly<Record<SignatureAlgorithm, { keyType: KeyType; hash: HashAlg | null }>> =
  {
    'ssh-ed25519': { keyType: 'ssh-ed25519', hash: null }, // Ed25519 hashes internally (RFC 8032 §5.1)
    'ecdsa-sha2-nistp256': { keyType: 'ecdsa-sha2-nistp256', hash: 'sha256' }, // RFC 5656 §6.2.1
    'ecdsa-sha2-nistp384': { keyType: 'ecdsa-sha2-nistp384', hash: 'sha384' },
    'ecdsa-sha2-nistp521': { keyType: 'ecdsa-sha2-nistp521', hash: 'sha512' },
    'rsa-sha2-512': { keyType: 'ssh-rsa', hash: 'sha512' }, // RFC 8332 §3
    'rsa-sha2-256': { keyType: 'ssh-rsa', hash: 'sha256' },
    'ssh-rsa': { keyType: 'ssh-rsa', hash: 'sha1' }, // RFC 4253 §6.6: SHA-1, kept for old peers only
  };

/**
 * Per-curve facts for the ECDSA key types (RFC 5656 §10.1: the curve identifier inside the blob).
 * `size` is the byte length of a field element and of a scalar (P-521: 66 bytes).
 */
export const ECDSA_CURVES: Readonly<
  Record<EcdsaKeyType, { curve: NistCurve; identifier: string; size: number }>
> = {
  'ecdsa-sha2-nistp256': { curve: 'p256', identifier: 'nistp256', size: 32 },
  'ecdsa-sha2-nistp384': { curve: 'p384', identifier: 'nistp384', size: 48 },
  'ecdsa-sha2-nistp521': { curve: 'p521', identifier: 'nistp521', size: 66 },
};

/**
 * Host-key algorithms we offer by default, strongest first. `ssh-rsa` (SHA-1 signatures) is left out, as
 * OpenSSH 8.8 did; callers add it explicitly for legacy servers.
 */
export const DEFAULT_HOST_KEY_ALGORITHMS: readonly SignatureAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

export function isKeyType(name: string): name is KeyType {
  return (KEY_TYPES as readonly string[]).includes(name);
}

export function isEcdsaKeyType(name: string): name is EcdsaKeyType {
  return Object.hasOwn(ECDSA_CURVES, name);
}

export function isSignatureAlgorithm(name: string): name is SignatureAlgorithm {
  return Object.hasOwn(SIGNATURE_ALGORITHMS, name);
}

/**
 * The signature algorithms a key of this type can make, preferred first.
 * @example signatureAlgorithmsFor('ssh-rsa') // ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']
 */
export function signatureAlgorithmsFor(keyType: KeyType): SignatureAlgorithm[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

/** The key type a signature algorithm belongs to (`rsa-sha2-256` → `ssh-rsa`). */
export function keyTypeOfSignatureAlgorithm(alg: SignatureAlgorithm): KeyType {
  return SIGNATURE_ALGORITHMS[alg].keyType;
}

/** The hash an algorithm signs with; null for Ed25519, which hashes inside the primitive. */
export function hashOfSignatureAlgorithm(alg: SignatureAlgorithm): HashAlg | null {
  return SIGNATURE_ALGORITHMS[alg].hash;
}
