/**
 * Key fingerprints as `ssh-keygen -l` prints them: a hash of the public key blob (RFC 4716 §4 defines
 * the MD5 form; OpenSSH 6.8 made SHA-256 with unpadded base64 the default). Uses @noble/hashes so a
 * fingerprint needs no crypto backend (it is shown to humans, not part of the protocol).
 */
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64 } from '../crypto/bytes.js';
import type { PublicKey } from './public-key.js';

function blobOf(key: Uint8Array | PublicKey): Uint8Array {
  return key instanceof Uint8Array ? key : key.blob;
}

/**
 * @example fingerprintSha256(key) // 'SHA256:hR3Ucv0c3vY4V0vZ6ZyZnKYo7tl06OkJzSU2YEvHgKE'
 */
export function fingerprintSha256(key: Uint8Array | PublicKey): string {
  return `SHA256:${toBase64(sha256(blobOf(key))).replace(/=+$/, '')}`;
}

/**
 * @example fingerprintMd5(key) // 'MD5:d5:3e:6b:…'
 */
export function fingerprintMd5(key: Uint8Array | PublicKey): string {
  const hex = Array.from(md5(blobOf(key)), (b) => b.toString(16).padStart(2, '0'));
  return `MD5:${hex.join(':')}`;
}
