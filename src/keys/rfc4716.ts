/**
 * RFC 4716 public key files, the "SSH2" / SECSH form (`ssh-keygen -e` writes it, `ssh-keygen -i` reads it):
 *
 *     ---- BEGIN SSH2 PUBLIC KEY ----                       §3.2
 *     header-tag ": " header-value                          §3.3, tag 1..64 printable ASCII except ':',
 *     ...a value continues on the next line after a '\'     value up to 1024 bytes (UTF-8)
 *     base64(public key blob), any number of lines          §3.4, blob as RFC 4253 §6.6
 *     ---- END SSH2 PUBLIC KEY ----
 *
 * Every line is at most 72 bytes without its terminator, which may be CR, LF or CRLF (§3.1). The
 * `Comment` header's value is customarily wrapped in double quotes, which readers must also do without
 * (§3.3.2). Unknown headers are kept but have no meaning here (§3.3).
 */
import { fromBase64, toBase64, utf8 } from '../crypto/bytes.js';
import { DecodeError, UsageError } from '../errors.js';
import { type PublicKey, parsePublicKey } from './public-key.js';
import { type PublicKeyLine, parsePublicKeyLine } from './public-key-line.js';

export interface Rfc4716Header {
  /** As written; compare case-insensitively (§3.3). */
  tag: string;
  /** With continuation lines joined (the '\' and line break removed). */
  value: string;
}

export interface Rfc4716PublicKey {
  key: PublicKey;
  /** The Comment header without its surrounding quotes; '' when absent. */
  comment: string;
  headers: Rfc4716Header[];
}

const BEGIN = '---- BEGIN SSH2 PUBLIC KEY ----';
const END = '---- END SSH2 PUBLIC KEY ----';
const MAX_LINE_BYTES = 72; // §3.1
const MAX_TAG_BYTES = 64; // §3.3
const MAX_VALUE_BYTES = 1024; // §3.3
const BODY_LINE_CHARS = 70; // what ssh-keygen -e writes
/** A whole file: a 16384-bit RSA key is ~2.8 KiB of base64; headers add at most a few KiB each. */
const MAX_FILE_CHARS = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/; // anchored, no nested quantifiers: linear

const byteLength = (s: string) => utf8(s).length;
/** §3.3: header-tag = 1*64 of %d33-57 / %d59-126 (printable US-ASCII except ':'). */
const isTagChar = (c: number) => c >= 33 && c <= 126 && c !== 58;

/** True when the text is an RFC 4716 public key file (used to pick the parser). */
export function isRfc4716PublicKey(text: string): boolean {
  return text.trimStart().startsWith(BEGIN);
}

/**
 * Parses an RFC 4716 public key file, e.g. the output of `ssh-keygen -e -f id_ed25519.pub`.
 * @example parseRfc4716PublicKey(readFileSync('key.ssh2', 'utf8')).key.type // 'ssh-ed25519'
 * @throws DecodeError naming the line for a bad marker, header, line length or base64 body
 */
export function parseRfc4716PublicKey(text: string): Rfc4716PublicKey {
  if (text.length > MAX_FILE_CHARS)
    throw new DecodeError(`RFC 4716 key file is over ${MAX_FILE_CHARS} characters`);
  const lines = text.split(/\r\n|\r|\n/); // §3.1: CR, LF or CRLF
  let n = 0;
  while (n < lines.length && lines[n].trim() === '') n++;
  if (lines[n] !== BEGIN) throw new DecodeError(`RFC 4716: line ${n + 1} is not '${BEGIN}'`);
  const headers: Rfc4716Header[] = [];
  const body: string[] = [];
  let pending: Rfc4716Header | null = null; // a header whose last line ended in '\'
  for (n++; ; n++) {
    if (n >= lines.length) throw new DecodeError(`RFC 4716: no '${END}' line`);
    const line = lines[n];
    if (line === END) break;
    if (byteLength(line) > MAX_LINE_BYTES)
      throw new DecodeError(`RFC 4716: line ${n + 1} is over ${MAX_LINE_BYTES} bytes`);
    if (pending) {
      pending = continueHeader(pending, line, n);
    } else if (body.length === 0 && line.includes(':')) {
      const header = parseHeaderLine(line, n);
      headers.push(header);
      pending = endsContinued(header, n);
    } else {
      body.push(line.trim());
    }
  }
  if (pending) throw new DecodeError(`RFC 4716: header '${pending.tag}' continues past the last header`);
  for (n++; n < lines.length; n++) {
    if (lines[n].trim() !== '') throw new DecodeError(`RFC 4716: text after the END line (line ${n + 1})`);
  }
  const b64 = body.join('');
  if (b64.length === 0) throw new DecodeError('RFC 4716: no key body');
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) throw new DecodeError('RFC 4716: body is not valid base64');
  const key = parsePublicKey(fromBase64(b64));
  const comment = headers.find((h) => h.tag.toLowerCase() === 'comment')?.value ?? '';
  return { key, comment: unquote(comment), headers };
}

function parseHeaderLine(line: string, n: number): Rfc4716Header {
  const colon = line.indexOf(':');
  const tag = line.slice(0, colon);
  if (tag.length === 0 || tag.length > MAX_TAG_BYTES) {
    throw new DecodeError(`RFC 4716: line ${n + 1}: header tag must be 1 to ${MAX_TAG_BYTES} characters`);
  }
  for (let i = 0; i < tag.length; i++) {
    if (!isTagChar(tag.charCodeAt(i)))
      throw new DecodeError(`RFC 4716: line ${n + 1}: header tag has a character outside printable ASCII`);
  }
  // §3.3 puts one space after the colon; a reader that also takes none loses nothing.
  const rest = line.slice(colon + 1);
  return { tag, value: rest.startsWith(' ') ? rest.slice(1) : rest };
}

/** Strips a trailing '\' (§3.3 continuation) and returns the header when more lines follow. */
function endsContinued(header: Rfc4716Header, n: number): Rfc4716Header | null {
  const continued = header.value.endsWith('\\');
  if (continued) header.value = header.value.slice(0, -1);
  if (byteLength(header.value) > MAX_VALUE_BYTES)
    throw new DecodeError(`RFC 4716: line ${n + 1}: header value is over ${MAX_VALUE_BYTES} bytes`);
  return continued ? header : null;
}

function continueHeader(header: Rfc4716Header, line: string, n: number): Rfc4716Header | null {
  header.value += line;
  return endsContinued(header, n);
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

export interface FormatRfc4716Options {
  /** Written as a quoted Comment header, the form §3.3.2 says existing readers expect. */
  comment?: string;
  /** Further headers (e.g. `Subject`, `x-…`), written after the Comment in this order. */
  headers?: readonly Rfc4716Header[];
}

/**
 * Formats an RFC 4716 file that `ssh-keygen -i -f` reads. Long header values are split over continuation
 * lines so no line is over 72 bytes.
 * @example writeFileSync('key.ssh2', formatRfc4716PublicKey(key, { comment: 'alice@laptop' }))
 * @throws UsageError for a header tag or value that the format cannot carry
 */
export function formatRfc4716PublicKey(key: PublicKey, opts: FormatRfc4716Options = {}): string {
  const headers = [...(opts.comment ? [{ tag: 'Comment', value: `"${opts.comment}"` }] : [])];
  headers.push(...(opts.headers ?? []));
  const lines = [BEGIN];
  for (const h of headers) lines.push(...formatHeader(h));
  const b64 = toBase64(key.blob);
  for (let i = 0; i < b64.length; i += BODY_LINE_CHARS) lines.push(b64.slice(i, i + BODY_LINE_CHARS));
  lines.push(END, '');
  return lines.join('\n');
}

function formatHeader({ tag, value }: Rfc4716Header): string[] {
  if (tag.length === 0 || tag.length > MAX_TAG_BYTES || ![...tag].every((c) => isTagChar(c.charCodeAt(0))))
    throw new UsageError(`RFC 4716 header tag '${tag}' must be 1 to 64 printable ASCII characters, no ':'`);
  if (byteLength(value) > MAX_VALUE_BYTES)
    throw new UsageError(`RFC 4716 header value is over ${MAX_VALUE_BYTES} bytes`);
  // A final '\' would read back as a continuation, and line breaks cannot be carried at all.
  if (value.endsWith('\\') || /[\r\n]/.test(value))
    throw new UsageError('RFC 4716 header value may not end in a backslash or contain a line break');
  const lines: string[] = [];
  let line = `${tag}: `;
  let bytes = byteLength(line);
  for (const c of value) {
    const size = byteLength(c);
    if (bytes + size > MAX_LINE_BYTES - 1) {
      lines.push(`${line}\\`);
      [line, bytes] = ['', 0];
    }
    line += c;
    bytes += size;
  }
  lines.push(line);
  return lines;
}

/**
 * Reads a public key file in either form: one OpenSSH line (`id_ed25519.pub`) or RFC 4716.
 * @example parsePublicKeyFile(readFileSync('id_ed25519.pub', 'utf8')).key
 * @throws DecodeError on a malformed file
 */
export function parsePublicKeyFile(text: string): PublicKeyLine {
  if (isRfc4716PublicKey(text)) {
    const { key, comment } = parseRfc4716PublicKey(text);
    return { key, comment, options: [] };
  }
  const line = text.trim();
  if (/[\r\n]/.test(line)) throw new DecodeError('public key file has more than one line');
  return parsePublicKeyLine(line);
}
