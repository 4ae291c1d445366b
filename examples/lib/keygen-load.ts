/**
 * Reading keys for examples/keygen.ts the way ssh-keygen finds them (authfile.c): a public key from a key
 * file, from `FILE.pub`, or from an openssh-key-v1 file's unencrypted header; a private key with the
 * passphrase asked for only when the file is encrypted, refusing files that others may read.
 */
import { readFileSync, statSync } from 'node:fs';
import { fromBase64 } from '../../src/crypto/bytes.js';
import { DecodeError, SshError } from '../../src/errors.js';
import type { Certificate } from '../../src/keys/certificate.js';
import { KeyFileError } from '../../src/keys/key-file-error.js';
import { isOpenSshPrivateKey } from '../../src/keys/openssh-private-key.js';
import type { PrivateKey } from '../../src/keys/private-key.js';
import { parsePrivateKeyFile } from '../../src/keys/private-key-file.js';
import { type PublicKey, parsePublicKey } from '../../src/keys/public-key.js';
import { SshReader } from '../../src/wire/reader.js';
import { KeygenError } from './keygen-error.js';
import { readKeyText } from './keygen-key-text.js';

/** Where non-fatal warnings go (stderr in the program). */
export type Warn = (message: string) => void;

export interface LoadedPublicKey {
  key: PublicKey;
  certificate?: Certificate;
  /** Null when the source carries no comment at all. */
  comment: string | null;
}

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'No such file or directory';
  if (code === 'EACCES') return 'Permission denied';
  if (code === 'EISDIR') return 'Is a directory';
  return (e as Error).message;
}

/** The file's text. @throws KeygenError `keygen: PATH: REASON` */
export function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new KeygenError(`keygen: ${path}: ${reasonOf(e)}`);
  }
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * sshkey_try_load_public: the first line that reads as a key, stopping at a private key's BEGIN line. A
 * line without a comment gets the file name as its comment.
 */
export function tryLoadPublic(path: string): LoadedPublicKey | null {
  const text = readOrNull(path);
  if (text === null) return null;
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    if (raw.startsWith('-----BEGIN') || raw === 'SSH PRIVATE KEY FILE') return null;
    const found = readKeyText(raw.replace(/^[ \t]+/, ''));
    if (found === null) continue;
    const comment = found.rest.split('\r')[0];
    return { key: found.key, certificate: found.certificate, comment: comment === '' ? path : comment };
  }
  return null;
}

/**
 * The public key stored in the clear at the front of an openssh-key-v1 file (OpenSSH PROTOCOL.key: magic,
 * cipher, KDF, KDF options, key count, then the public key blobs), so an encrypted key shows its public half.
 */
export function publicKeyFromOpenSshHeader(text: string): PublicKey | null {
  if (!isOpenSshPrivateKey(text)) return null;
  const begin = '-----BEGIN OPENSSH PRIVATE KEY-----';
  const end = text.indexOf('-----END OPENSSH PRIVATE KEY-----');
  if (end < 0) return null;
  const body = text.slice(text.indexOf(begin) + begin.length, end).replace(/\s+/g, '');
  if (body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return null;
  try {
    const r = new SshReader(fromBase64(body), 'openssh-key-v1');
    if (new TextDecoder().decode(r.raw(15, 'magic')) !== 'openssh-key-v1\0') return null;
    r.string('ciphername');
    r.string('kdfname');
    r.string('kdfoptions');
    if (r.uint32('number of keys') < 1) return null;
    return parsePublicKey(r.string('public key'));
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
  }
}

/** sshkey_load_public: PATH as a public key file, then PATH.pub, then PATH's openssh-key-v1 header. */
export function loadPublicKey(path: string): LoadedPublicKey | null {
  const direct = tryLoadPublic(path) ?? tryLoadPublic(`${path}.pub`);
  if (direct !== null) return direct;
  const text = readOrNull(path);
  const key = text === null ? null : publicKeyFromOpenSshHeader(text);
  return key === null ? null : { key, comment: null };
}

/**
 * sshkey_perm_ok: a private key file of ours that group or others may access is refused (ssh(1) "these
 * files ... must not be accessible by others"). Returns the reason, or null when the mode is fine.
 */
export function unsafePermissions(path: string): string | null {
  if (typeof process.getuid !== 'function') return null; // no POSIX owners to check
  const st = statSync(path);
  if (st.uid !== process.getuid() || (st.mode & 0o077) === 0) return null;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  return `permissions ${mode} for '${path}' are too open; private key files must not be accessible by others (chmod 600)`;
}

/**
 * The private key without a passphrase, for its comment (fingerprint_private); null when it cannot be read
 * that way. PEM files carry no comment, so theirs is null.
 */
export function loadPrivateKeyQuietly(path: string, warn: Warn): LoadedPublicKey | null {
  const text = readOrNull(path);
  if (text === null) return null;
  const unsafe = unsafePermissions(path);
  if (unsafe !== null) {
    warn(`keygen: WARNING: ${unsafe}; this private key will be ignored.`);
    return null;
  }
  try {
    const key = parsePrivateKeyFile(text);
    return { key: key.publicKey, comment: isOpenSshPrivateKey(text) ? key.comment : null };
  } catch (e) {
    if (e instanceof SshError) return null; // unreadable without a passphrase: no comment from here
    throw e;
  }
}

/** One line naming the file and why it could not be loaded. */
export function keyFileProblem(path: string, e: KeyFileError): string {
  switch (e.code) {
    case 'passphrase-required':
      return `keygen: ${path}: the key is encrypted; give its passphrase with -P or SSH_PASSPHRASE`;
    case 'wrong-passphrase':
      return `keygen: ${path}: incorrect passphrase supplied to decrypt private key`;
    case 'malformed':
      return `keygen: ${path}: damaged or truncated key file (${e.message})`;
    case 'unsupported':
      return `keygen: ${path}: unsupported key file (${e.message})`;
    default:
      return `keygen: ${path}: invalid format (${e.message})`;
  }
}

/**
 * load_identity: reads a private key, asking for the passphrase only when the file turns out encrypted.
 * @param passphrase gives the passphrase (from -P, SSH_PASSPHRASE or a prompt), or null when there is none
 * @throws KeygenError naming the file and the reason
 */
export async function loadIdentity(
  path: string,
  passphrase: () => Promise<string | null>,
): Promise<PrivateKey> {
  const text = readKeyFile(path);
  try {
    // Refuse world-readable private keys, but let a public key file get the clearer "not a private key".
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      const unsafe = unsafePermissions(path);
      if (unsafe !== null) throw new KeygenError(`keygen: ${path}: bad permissions: ${unsafe}`);
    }
    try {
      return parsePrivateKeyFile(text);
    } catch (e) {
      if (!(e instanceof KeyFileError) || e.code !== 'passphrase-required') throw e;
      const given = await passphrase();
      if (given === null) throw e;
      return parsePrivateKeyFile(text, given);
    }
  } catch (e) {
    if (e instanceof KeyFileError) throw new KeygenError(keyFileProblem(path, e));
    if (e instanceof SshError) throw new KeygenError(`keygen: ${path}: invalid format (${e.message})`);
    throw e;
  }
}
