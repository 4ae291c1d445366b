/**
 * `ssh-keygen -l`: one line per key, `BITS FINGERPRINT COMMENT (TYPE)`, for a private key file (with its
 * `.pub` beside it or not), a public key file, or an authorized_keys / known_hosts file read line by line.
 * The rules follow ssh-keygen.c do_fingerprint / fingerprint_private (OpenSSH 9.x).
 */
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fingerprintMd5, fingerprintSha256 } from '../../src/keys/fingerprint.js';
import type { PublicKey } from '../../src/keys/public-key.js';
import { KeygenError } from './keygen-error.js';
import { keyBits, readKeyText, shortTypeName } from './keygen-key-text.js';
import { loadPrivateKeyQuietly, loadPublicKey, readKeyFile, type Warn } from './keygen-load.js';
import { randomart } from './keygen-randomart.js';

export type FingerprintHash = 'sha256' | 'md5';

/** `SHA256:…` (unpadded base64) or `MD5:xx:xx:…`, as sshkey_fingerprint prints them. */
export function fingerprintOf(key: PublicKey, hash: FingerprintHash): string {
  return hash === 'md5' ? fingerprintMd5(key) : fingerprintSha256(key);
}

/** The randomart picture for `key` under `hash`. */
export function randomartOf(key: PublicKey, hash: FingerprintHash, certificate = false): string {
  const digest = hash === 'md5' ? md5(key.blob) : sha256(key.blob);
  const type = shortTypeName(key, certificate);
  return randomart(digest, `${type} ${keyBits(key)}`, type, hash.toUpperCase());
}

/** fingerprint_one_key: a null comment prints as "no comment"; an empty one prints empty. */
export function fingerprintLine(
  key: PublicKey,
  comment: string | null,
  hash: FingerprintHash,
  certificate = false,
): string {
  const type = shortTypeName(key, certificate);
  return `${keyBits(key)} ${fingerprintOf(key, hash)} ${comment ?? 'no comment'} (${type})`;
}

export interface FingerprintOptions {
  hash: FingerprintHash;
  /** Print the randomart under each line (ssh-keygen -l -v). */
  randomart: boolean;
  warn: Warn;
  /** Read from here instead of the file system when the path is `-` (ssh-keygen reads stdin). */
  stdin?: () => string;
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/**
 * The leading field of a known_hosts / authorized_keys line (host names or options), where `"…"` may hold
 * blanks and `\"` is skipped. Returns the index just after it, or -1 when nothing follows it.
 */
function skipLeadingField(line: string): number {
  let quoted = false;
  let i = 0;
  for (; i < line.length && (quoted || !isBlank(line[i])); i++) {
    if (line[i] === '\\' && line[i + 1] === '"') i++;
    else if (line[i] === '"') quoted = !quoted;
  }
  return i < line.length ? i : -1;
}

/** One line of a public key / authorized_keys / known_hosts file, or null when it holds no key. */
function fingerprintTextLine(line: string, opts: FingerprintOptions): string | null {
  let comment: string | null = null;
  let found = readKeyText(line);
  if (found === null) {
    // An SSH-1 key ("bits e n") starts with a non-zero number: ssh-keygen leaves such lines alone.
    const ssh1 = /^[+-]?(\d+)[ \t]/.exec(line);
    if (ssh1 !== null && BigInt(ssh1[1]) !== 0n) return null;
    const end = skipLeadingField(line);
    if (end < 0) return null;
    comment = line.slice(0, end);
    found = readKeyText(line.slice(end + 1));
    if (found === null) return null;
  }
  if (found.rest !== '' && !found.rest.startsWith('#')) comment = found.rest;
  const cert = found.certificate !== undefined;
  const text = fingerprintLine(found.key, comment, opts.hash, cert);
  return opts.randomart ? `${text}\n${randomartOf(found.key, opts.hash, cert)}` : text;
}

/**
 * What `ssh-keygen -l -f path` prints (without the final newline).
 * @throws KeygenError naming the file when it cannot be read or holds no key
 */
export function fingerprintFile(path: string, opts: FingerprintOptions): string {
  const fromStdin = path === '-' && opts.stdin !== undefined;
  const shownPath = fromStdin ? '(stdin)' : path;
  const text = fromStdin ? opts.stdin!() : readKeyFile(path);
  const out: string[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/^[ \t]+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    // "Assume a key is private if 'PRIVATE KEY' appears on the first line" (not for stdin).
    if (n === 0 && !fromStdin && line.includes('PRIVATE KEY')) return fingerprintPrivate(path, opts);
    const printed = fingerprintTextLine(line, opts);
    if (printed !== null) out.push(printed);
  }
  if (out.length === 0) throw new KeygenError(`keygen: ${shownPath} is not a public key file.`);
  return out.join('\n');
}

/**
 * fingerprint_private: the public key and comment come from the file read as a public key, else from
 * `path.pub`, else from the private file's unencrypted header; when that gives no comment, the private
 * key itself is read without a passphrase for its comment (PEM files carry none).
 */
function fingerprintPrivate(path: string, opts: FingerprintOptions): string {
  const pub = loadPublicKey(path);
  let comment = pub?.comment ?? null;
  let key = pub?.key ?? null;
  if (key === null || !comment) {
    const priv = loadPrivateKeyQuietly(path, opts.warn);
    comment = priv?.comment ?? null;
    key ??= priv?.key ?? null;
  }
  if (key === null) throw new KeygenError(`keygen: ${path} is not a key file.`);
  const cert = pub?.certificate !== undefined;
  const text = fingerprintLine(key, comment, opts.hash, cert);
  return opts.randomart ? `${text}\n${randomartOf(key, opts.hash, cert)}` : text;
}
