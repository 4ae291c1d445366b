/**
 * One-line public keys as in `id_*.pub`, authorized_keys and (after the host field) known_hosts:
 * `[options] key-type base64(blob) [comment]` (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"). Parsed with a
 * linear scanner (no backtracking regex on file content). The type word must name the blob's own type.
 */
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { DecodeError } from '../errors.js';
import { isKeyType } from './key-types.js';
import { type PublicKey, parsePublicKey } from './public-key.js';

/** An authorized_keys option: a bare flag (`no-pty`) or `name="value"` with `\"` unescaped. */
export interface AuthorizedKeyOption {
  name: string;
  value?: string;
}

export interface PublicKeyLine {
  key: PublicKey;
  comment: string;
  /** Options before the key (authorized_keys only; always empty from parsePublicKeyLine). */
  options: AuthorizedKeyOption[];
}

/** OpenSSH reads authorized_keys lines of up to 8 KiB per key; allow generous room for options. */
const MAX_LINE_CHARS = 16 * 1024;

const isSpace = (c: string) => c === ' ' || c === '\t';

/** Splits off the next whitespace-delimited word starting at `i`; returns [word, index after it]. */
function word(line: string, i: number): [string, number] {
  while (i < line.length && isSpace(line[i])) i++;
  const start = i;
  while (i < line.length && !isSpace(line[i])) i++;
  return [line.slice(start, i), i];
}

function decodeKey(typeWord: string, b64: string): PublicKey {
  if (!isKeyType(typeWord)) throw new DecodeError(`public key line: unsupported key type '${typeWord}'`);
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new DecodeError('public key line: key is not valid base64');
  }
  const key = parsePublicKey(fromBase64(b64));
  if (key.type !== typeWord)
    throw new DecodeError(`public key line: says ${typeWord} but the key is ${key.type}`);
  return key;
}

function keyAndComment(line: string, i: number, options: AuthorizedKeyOption[]): PublicKeyLine {
  const [typeWord, j] = word(line, i);
  const [b64, k] = word(line, j);
  return { key: decodeKey(typeWord, b64), comment: line.slice(k).trim(), options };
}

function checkLength(line: string): string {
  if (line.length > MAX_LINE_CHARS)
    throw new DecodeError(`public key line is over ${MAX_LINE_CHARS} characters`);
  return line.endsWith('\n') ? line.slice(0, line.endsWith('\r\n') ? -2 : -1) : line.replace(/\r$/, '');
}

/**
 * Parses `key-type base64 [comment]`, e.g. the contents of `id_ed25519.pub`.
 * @example parsePublicKeyLine('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI… alice@host').comment // 'alice@host'
 * @throws DecodeError on a malformed line or key
 */
export function parsePublicKeyLine(line: string): PublicKeyLine {
  return keyAndComment(checkLength(line), 0, []);
}

/** Formats `key-type base64 [comment]`, the form `ssh-keygen` writes to `.pub` files. */
export function formatPublicKeyLine(key: PublicKey, comment = ''): string {
  const base = `${key.type} ${toBase64(key.blob)}`;
  return comment ? `${base} ${comment}` : base;
}

/**
 * Parses one authorized_keys line. Returns null for blank and `#` comment lines.
 * @example parseAuthorizedKeysLine('no-pty,command="uptime" ssh-ed25519 AAAA… ops')!.options
 *   // [{ name: 'no-pty' }, { name: 'command', value: 'uptime' }]
 * @throws DecodeError on a malformed line
 */
export function parseAuthorizedKeysLine(line: string): PublicKeyLine | null {
  line = checkLength(line);
  const [first, afterFirst] = word(line, 0);
  if (first === '' || first.startsWith('#')) return null;
  if (isKeyType(first)) return keyAndComment(line, 0, []);
  const start = afterFirst - first.length;
  const [options, i] = scanOptions(line, start);
  return keyAndComment(line, i, options);
}

/** Scans `opt[,opt]*` up to the first unquoted blank (sshd(8): options are comma-separated, no spaces unless quoted). */
function scanOptions(line: string, i: number): [AuthorizedKeyOption[], number] {
  const options: AuthorizedKeyOption[] = [];
  for (;;) {
    const nameStart = i;
    while (i < line.length && /[A-Za-z0-9_-]/.test(line[i])) i++;
    const name = line.slice(nameStart, i);
    if (name === '') throw new DecodeError(`authorized_keys: bad option at column ${i + 1}`);
    const option: AuthorizedKeyOption = { name };
    if (line[i] === '=') {
      if (line[i + 1] !== '"') throw new DecodeError(`authorized_keys: option ${name} value must be quoted`);
      i += 2;
      let value = '';
      for (;;) {
        if (i >= line.length) throw new DecodeError(`authorized_keys: unterminated quote in option ${name}`);
        const c = line[i];
        if (c === '"') break;
        if (c === '\\' && line[i + 1] === '"') i++; // only \" is an escape, as in OpenSSH's opt_dequote
        value += line[i++];
      }
      i++; // closing quote
      option.value = value;
    }
    options.push(option);
    if (line[i] === ',') {
      i++;
      continue;
    }
    if (i < line.length && isSpace(line[i])) return [options, i];
    throw new DecodeError(`authorized_keys: options are not followed by a key (column ${i + 1})`);
  }
}

export interface AuthorizedKeysFile {
  entries: PublicKeyLine[];
  /** Lines that failed to parse (1-based line number), skipped like sshd skips them. */
  errors: { line: number; error: DecodeError }[];
}

/** Parses a whole authorized_keys file, keeping going past bad lines. */
export function parseAuthorizedKeys(text: string): AuthorizedKeysFile {
  const out: AuthorizedKeysFile = { entries: [], errors: [] };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    try {
      const entry = parseAuthorizedKeysLine(lines[n]);
      if (entry) out.entries.push(entry);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      out.errors.push({ line: n + 1, error: e });
    }
  }
  return out;
}
