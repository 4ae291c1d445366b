/**
 * One key read from the front of a line, the way OpenSSH's sshkey_read does it (sshkey.c): a type word, one
 * run of blanks, a base64 blob; the type word must name the blob's own type. Plain keys and certificates are
 * both accepted, since `ssh-keygen -l` fingerprints either. Also the names and sizes ssh-keygen prints.
 */
import { fromBase64 } from '../../src/crypto/bytes.js';
import { type Certificate, parseCertificate } from '../../src/keys/certificate.js';
import { isCertificateKeyType } from '../../src/keys/certificate-types.js';
import { isKeyType } from '../../src/keys/key-types.js';
import { type PublicKey, parsePublicKey } from '../../src/keys/public-key.js';

export interface KeyText {
  /** The plain public key (a certificate's certified key). */
  key: PublicKey;
  certificate?: Certificate;
  /** The text after the blob and the blanks that follow it: the comment, if any. */
  rest: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/; // anchored, no nested quantifiers: linear

function blankAt(text: string, i: number): boolean {
  return text[i] === ' ' || text[i] === '\t';
}

/** Index of the first blank at or after `i`, or the text length. */
function nextBlank(text: string, i: number): number {
  while (i < text.length && !blankAt(text, i)) i++;
  return i;
}

function skipBlanks(text: string, i: number): number {
  while (blankAt(text, i)) i++;
  return i;
}

/**
 * Reads `type base64` at the very start of `text` (no leading blanks, as sshkey_read). Null when the text
 * does not start with a key we can read.
 */
export function readKeyText(text: string): KeyText | null {
  const typeEnd = nextBlank(text, 0);
  if (typeEnd === text.length) return null; // sshkey_read: a type word alone is not a key
  const type = text.slice(0, typeEnd);
  const cert = isCertificateKeyType(type);
  if (!cert && !isKeyType(type)) return null;
  const blobStart = skipBlanks(text, typeEnd);
  const blobEnd = nextBlank(text, blobStart);
  const b64 = text.slice(blobStart, blobEnd);
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) return null;
  try {
    const blob = fromBase64(b64);
    const rest = text.slice(skipBlanks(text, blobEnd));
    if (cert) {
      const certificate = parseCertificate(blob);
      return certificate.type === type ? { key: certificate.publicKey, certificate, rest } : null;
    }
    const key = parsePublicKey(blob);
    return key.type === type ? { key, rest } : null;
  } catch {
    return null; // not a key: the caller tries the line another way, as ssh-keygen does
  }
}

/** sshkey_type: the short name ssh-keygen prints in parentheses and in randomart titles. */
export function shortTypeName(key: PublicKey, certificate = false): string {
  const base = key.type === 'ssh-ed25519' ? 'ED25519' : key.type === 'ssh-rsa' ? 'RSA' : 'ECDSA';
  return certificate ? `${base}-CERT` : base;
}

/** sshkey_size: the key size in bits (Ed25519 256, ECDSA the curve, RSA the modulus). */
export function keyBits(key: PublicKey): number {
  if (key.type === 'ssh-rsa') return key.bits;
  if (key.type === 'ssh-ed25519') return 256;
  return Number(key.type.slice('ecdsa-sha2-nistp'.length));
}
