/**
 * The `openssh-key-v1` private key file (OpenSSH PROTOCOL.key), the format `ssh-keygen` writes by default.
 *
 *     "openssh-key-v1" 0x00
 *     string ciphername          "none" when unencrypted
 *     string kdfname             "none" | "bcrypt"
 *     string kdfoptions          empty for "none"; string salt ‖ uint32 rounds for bcrypt
 *     uint32 number of keys N    OpenSSH only ever writes 1
 *     string publickey 1..N
 *     string private section     (encrypted when ciphername ≠ "none")
 *
 * Private section (encrypted as key-file-cipher.ts describes): uint32 checkint ‖ uint32 checkint ‖
 * N private key bodies (private-key-body.ts) ‖ padding 1, 2, 3, … up to a multiple of the cipher block size (8 for "none", 16 for AES).
 */
import type { RandomSource } from '../crypto/backend.js';
import { equalBytes, fromBase64, toBase64, utf8, wipe } from '../crypto/bytes.js';
import { systemRandom } from '../crypto/random.js';
import { DecodeError, UsageError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';
import {
  DEFAULT_BCRYPT_ROUNDS,
  DEFAULT_KEY_FILE_CIPHER,
  deriveKeyFileKey,
  encodeBcryptOptions,
  KEY_FILE_CIPHERS,
  parseBcryptOptions,
} from './key-file-cipher.js';
import { KeyFileError } from './key-file-error.js';
import type { PrivateKey } from './private-key.js';
import { readPrivateKeyBody, writePrivateKeyBody } from './private-key-body.js';

const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const MAGIC = utf8('openssh-key-v1\0');
const UNENCRYPTED_BLOCK_SIZE = 8; // PROTOCOL.key: "the cipher block size ... or 8 if unencrypted"
const LINE_WIDTH = 70; // ssh-keygen's line length for this armor

/** True when the text looks like an openssh-key-v1 file (used to pick the parser). */
export function isOpenSshPrivateKey(text: string): boolean {
  return text.includes(BEGIN);
}

/**
 * Parses an `openssh-key-v1` file.
 * @example const key = parseOpenSshPrivateKey(readFileSync('id_ed25519', 'utf8'))
 * @throws KeyFileError with code 'passphrase-required' | 'unsupported' | 'malformed' | 'unknown-format'
 */
export function parseOpenSshPrivateKey(text: string, passphrase?: string): PrivateKey {
  const bytes = dearmor(text);
  try {
    return parseBinary(bytes, passphrase);
  } catch (e) {
    if (e instanceof DecodeError)
      throw new KeyFileError('malformed', `openssh-key-v1: ${e.message}`, { cause: e });
    throw e;
  }
}

function dearmor(text: string): Uint8Array {
  const start = text.indexOf(BEGIN);
  if (start < 0) throw new KeyFileError('unknown-format', 'not an OpenSSH private key (no BEGIN line)');
  const end = text.indexOf(END, start + BEGIN.length);
  if (end < 0) throw new KeyFileError('malformed', 'openssh-key-v1: truncated (no END line)');
  const body = text.slice(start + BEGIN.length, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
    throw new KeyFileError('malformed', 'openssh-key-v1: body is not valid base64');
  }
  return fromBase64(body);
}

function parseBinary(bytes: Uint8Array, passphrase: string | undefined): PrivateKey {
  const r = new SshReader(bytes, 'openssh-key-v1');
  if (!equalBytes(r.raw(Math.min(MAGIC.length, r.remaining), 'magic'), MAGIC)) {
    throw new KeyFileError('unknown-format', 'openssh-key-v1: bad magic');
  }
  const cipherName = r.ascii('ciphername', 64);
  const kdf = r.ascii('kdfname', 64);
  const kdfOptions = r.string('kdfoptions');
  const count = r.uint32('number of keys');
  if (count !== 1) {
    throw new KeyFileError('unsupported', `openssh-key-v1: ${count} keys in one file (only 1 is supported)`);
  }
  const publicBlob = r.string('public key');
  const section = r.string('private section');

  if (cipherName === 'none') {
    r.end();
    if (kdf !== 'none' || kdfOptions.length !== 0) throw new DecodeError('unencrypted key names a KDF');
    return parsePrivateSection(section, publicBlob, UNENCRYPTED_BLOCK_SIZE, false);
  }
  const cipher = Object.hasOwn(KEY_FILE_CIPHERS, cipherName) ? KEY_FILE_CIPHERS[cipherName] : undefined;
  if (!cipher || kdf !== 'bcrypt') {
    throw new KeyFileError(
      'unsupported',
      `openssh-key-v1: encryption ${cipherName} with KDF ${kdf} is not supported`,
    );
  }
  // AEAD ciphers store their tag right after the section string (OpenSSH sshkey.c, "authlen").
  const tag = r.raw(cipher.tagLength, 'authentication tag');
  r.end();
  if (passphrase === undefined) {
    throw new KeyFileError(
      'passphrase-required',
      `openssh-key-v1: key is encrypted (${cipherName}); a passphrase is needed`,
    );
  }
  if (passphrase === '')
    throw new KeyFileError('wrong-passphrase', 'openssh-key-v1: wrong passphrase (empty)');
  if (section.length % cipher.blockSize !== 0)
    throw new DecodeError('private section is not a multiple of the block size');
  const { key, iv } = deriveKeyFileKey(passphrase, parseBcryptOptions(kdfOptions), cipher);
  const plain = cipher.decrypt(key, iv, section, tag);
  wipe(key, iv);
  if (plain === null) throw new KeyFileError('wrong-passphrase', 'openssh-key-v1: wrong passphrase');
  try {
    return parsePrivateSection(plain, publicBlob, cipher.blockSize, true);
  } finally {
    wipe(plain);
  }
}

/** Decodes the (decrypted) private section; `encrypted` decides whether a check failure means a wrong passphrase. */
function parsePrivateSection(
  section: Uint8Array,
  publicBlob: Uint8Array,
  blockSize: number,
  encrypted: boolean,
) {
  if (section.length % blockSize !== 0)
    throw new DecodeError('private section is not a multiple of the block size');
  const r = new SshReader(section, 'openssh-key-v1 private section');
  const check1 = r.uint32('checkint');
  const check2 = r.uint32('checkint');
  // PROTOCOL.key: equal checkints show the decryption worked.
  if (check1 !== check2) {
    if (encrypted) throw new KeyFileError('wrong-passphrase', 'openssh-key-v1: wrong passphrase');
    throw new DecodeError('checkints differ');
  }
  const key = readPrivateKeyBody(r);
  const padding = r.rest();
  if (padding.length >= blockSize) throw new DecodeError('too much padding');
  for (let i = 0; i < padding.length; i++) {
    if (padding[i] !== i + 1) throw new DecodeError('padding bytes are not 1, 2, 3, …');
  }
  if (!equalBytes(key.publicKey.blob, publicBlob))
    throw new DecodeError('public key does not match the private key');
  return key;
}

export interface WriteOpenSshOptions {
  /** Overrides the key's own comment. */
  comment?: string;
  /** Encrypts the file (aes256-ctr, bcrypt KDF, as ssh-keygen does). Absent: unencrypted. */
  passphrase?: string;
  /** Cipher when encrypting, a KEY_FILE_CIPHERS name as `ssh-keygen -Z`; default aes256-ctr. */
  cipher?: string;
  /** bcrypt rounds when encrypting; default 16 as ssh-keygen (-a). */
  rounds?: number;
  /** Source for the checkint and the KDF salt; default systemRandom. */
  random?: RandomSource;
}

/**
 * Writes an `openssh-key-v1` file that `ssh-keygen -y -f` reads, encrypted when a passphrase is given.
 * @example writeFileSync('id_ed25519', formatOpenSshPrivateKey(key, { passphrase }), { mode: 0o600 })
 */
export function formatOpenSshPrivateKey(key: PrivateKey, opts: WriteOpenSshOptions = {}): string {
  const random = opts.random ?? systemRandom;
  const encrypted = opts.passphrase !== undefined;
  const chosenCipher = opts.cipher ?? DEFAULT_KEY_FILE_CIPHER;
  if (!Object.hasOwn(KEY_FILE_CIPHERS, chosenCipher))
    throw new UsageError(`key file cipher ${chosenCipher} is not supported`);
  const cipher = KEY_FILE_CIPHERS[chosenCipher];
  const blockSize = encrypted ? cipher.blockSize : UNENCRYPTED_BLOCK_SIZE;

  const checkint = new DataView(random(4).slice().buffer).getUint32(0);
  const section = new SshWriter(512).uint32(checkint).uint32(checkint);
  writePrivateKeyBody(section, key, opts.comment ?? key.comment);
  for (let pad = 1; section.length % blockSize !== 0; pad++) section.byte(pad);

  let cipherName = 'none';
  let kdf = 'none';
  let kdfOptions: Uint8Array = new Uint8Array(0);
  let body: Uint8Array = section.peek();
  let tag: Uint8Array = new Uint8Array(0);
  if (encrypted) {
    const rounds = opts.rounds ?? DEFAULT_BCRYPT_ROUNDS;
    if (!Number.isInteger(rounds) || rounds < 1)
      throw new UsageError('bcrypt rounds must be a positive integer');
    const kdfParams = { salt: random(16).slice(), rounds }; // 16-byte salt, as ssh-keygen
    const { key: k, iv } = deriveKeyFileKey(opts.passphrase ?? '', kdfParams, cipher);
    const sealed = cipher.encrypt(k, iv, section.peek());
    wipe(k, iv);
    // AEAD: the tag goes after the section string, not inside it (sshkey.c, "authlen").
    body = sealed.subarray(0, sealed.length - cipher.tagLength);
    tag = sealed.subarray(body.length);
    [cipherName, kdf, kdfOptions] = [chosenCipher, 'bcrypt', encodeBcryptOptions(kdfParams)];
  }
  const file = new SshWriter(1024)
    .raw(MAGIC)
    .string(cipherName)
    .string(kdf)
    .string(kdfOptions)
    .uint32(1)
    .string(key.publicKey.blob)
    .string(body)
    .raw(tag);
  section.peek().fill(0); // the section held private material
  const b64 = toBase64(file.peek());
  file.peek().fill(0);
  const lines: string[] = [BEGIN];
  for (let i = 0; i < b64.length; i += LINE_WIDTH) lines.push(b64.slice(i, i + LINE_WIDTH));
  lines.push(END, '');
  return lines.join('\n');
}
