/**
 * OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): parse, match a host, look a key up, and
 * format a new line. Pure: no file system here (known-hosts-file.ts is the edge). Parsing never throws: a bad
 * line is skipped and reported with its line number, as ssh(1) skips it.
 *
 *     [@cert-authority|@revoked] hostnames key-type base64(blob) [comment]
 *     hostnames = pattern[,pattern]*     pattern = [!]glob with * and ?, or [host]:port for a port other than 22
 *     hostnames = |1|base64(salt)|base64(HMAC-SHA1(key = salt, data = host name))   (one hashed name per line)
 *
 * Host patterns are matched with a small iterative glob (no regex is built from file content, so a hostile
 * pattern cannot cause catastrophic backtracking). Names compare case-insensitively (ASCII), like ssh(1),
 * which lowercases the host it looks up and every pattern it reads.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import type { RandomSource } from '../crypto/backend.js';
import { equalBytes, fromBase64, toBase64, utf8 } from '../crypto/bytes.js';
import { DecodeError, UsageError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { isKeyType } from './key-types.js';
import { type PublicKey, parsePublicKey } from './public-key.js';

export type KnownHostMarker = 'cert-authority' | 'revoked';

export interface HostPattern {
  /** Lowercased glob. */
  pattern: string;
  negated: boolean;
}

export type KnownHostNames =
  | { kind: 'patterns'; patterns: readonly HostPattern[] }
  | { kind: 'hashed'; salt: Uint8Array; hash: Uint8Array };

export interface KnownHostEntry {
  /** The file this entry came from, when the caller named it (used in `file:line` messages). */
  source?: string;
  /** 1-based line number. */
  line: number;
  marker: KnownHostMarker | null;
  names: KnownHostNames;
  /** The host field as written in the file. */
  namesText: string;
  keyType: string;
  blob: Uint8Array;
  /** The parsed key; null for key types rxssh does not implement (e.g. ssh-dss, sk-*), kept so they still count. */
  key: PublicKey | null;
  comment: string;
}

export interface SkippedKnownHostLine {
  source?: string;
  line: number;
  reason: string;
}

export interface KnownHosts {
  entries: KnownHostEntry[];
  skipped: SkippedKnownHostLine[];
}

/** `|1|` marks an HMAC-SHA1 hashed host name; salt and hash are both SHA-1 sized (20 bytes). */
const HASH_MAGIC = '|1|';
export const KNOWN_HOSTS_SALT_BYTES = 20;
/** ssh(1) gives up on a single host pattern of 1023 characters or more: such a line never matches. */
const MAX_PATTERN_CHARS = 1022;
/** Generous: a 16384-bit RSA key is ~2.8 KiB of base64; the cap keeps matching work bounded. */
const MAX_LINE_CHARS = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/; // anchored, no nested quantifiers: linear

const isBlank = (c: string) => c === ' ' || c === '\t';

/** ASCII-only lowercasing, as C's tolower() in the "C" locale: 'İ' must not turn into 'i̇'. */
export function asciiLower(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 0x20) : s[i];
  }
  return out;
}

/**
 * Glob match with `*` (any run, including empty) and `?` (any one character). Iterative, remembering only the
 * last `*`: each backtrack moves that star's resume point one character right, so there are at most
 * `text.length` backtracks and the total work is O(text × pattern), never exponential.
 * @example wildcardMatch('db1.example.com', '*.example.com') // true
 */
export function wildcardMatch(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1; // pattern index just after the last '*'
  let starT = 0; // text index that '*' will absorb up to on the next backtrack
  while (t < text.length) {
    if (p < pattern.length && pattern[p] === '*') {
      starP = ++p;
      starT = t;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * The name a host is filed under: `host` for port 22, `[host]:port` otherwise (sshd(8)), lowercased.
 * @example knownHostName('Example.COM', 2222) // '[example.com]:2222'
 */
export function knownHostName(host: string, port = 22): string {
  const h = asciiLower(host);
  return port === 22 ? h : `[${h}]:${port}`;
}

/** HMAC-SHA1(key = salt, data = name): the hash of a `|1|salt|hash` host field. */
export function hashKnownHostName(name: string, salt: Uint8Array): Uint8Array {
  return hmac(sha1, salt, utf8(name));
}

/** Whether an entry's host field names `name` (a `knownHostName`). A matching negated pattern vetoes the line. */
export function namesMatch(names: KnownHostNames, name: string): boolean {
  if (names.kind === 'hashed') return equalBytes(hashKnownHostName(name, names.salt), names.hash);
  let positive = false;
  for (const { pattern, negated } of names.patterns) {
    if (!wildcardMatch(name, pattern)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** Every entry (markers included) whose host field names this host, as `ssh-keygen -F` lists them. */
export function entriesForHost(
  entries: readonly KnownHostEntry[],
  host: string,
  port = 22,
): KnownHostEntry[] {
  const name = knownHostName(host, port);
  return entries.filter((e) => namesMatch(e.names, name));
}

function parseNames(field: string): KnownHostNames {
  if (field.startsWith('|')) {
    // sshd(8): only one hashed name per line, and no wildcards or negation with it.
    const parts = field.startsWith(HASH_MAGIC) ? field.slice(HASH_MAGIC.length).split('|') : [];
    if (parts.length !== 2 || !parts.every((p) => BASE64.test(p) && p.length % 4 === 0))
      throw new DecodeError('hashed host name is not |1|base64(salt)|base64(hash)');
    const [salt, hash] = parts.map(fromBase64);
    if (salt.length !== KNOWN_HOSTS_SALT_BYTES || hash.length !== KNOWN_HOSTS_SALT_BYTES)
      throw new DecodeError('hashed host name: salt and hash must be 20 bytes');
    return { kind: 'hashed', salt, hash };
  }
  const patterns = field.split(',').map((raw) => {
    const negated = raw.startsWith('!');
    const pattern = asciiLower(negated ? raw.slice(1) : raw);
    if (pattern.length > MAX_PATTERN_CHARS)
      throw new DecodeError(`host pattern over ${MAX_PATTERN_CHARS} characters`);
    return { pattern, negated };
  });
  return { kind: 'patterns', patterns };
}

/** The blob must be valid base64 and begin with the type word; known types must parse fully. */
function parseKey(keyType: string, b64: string): { blob: Uint8Array; key: PublicKey | null } {
  if (keyType === '' || b64 === '') throw new DecodeError('missing key type or key');
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) throw new DecodeError('key is not valid base64');
  const blob = fromBase64(b64);
  const key = isKeyType(keyType) ? parsePublicKey(blob) : null;
  const inner = key ? key.type : new SshReader(blob, 'known_hosts key').ascii('key type', 64);
  if (inner !== keyType) throw new DecodeError(`says ${keyType} but the key is ${inner}`);
  return { blob, key };
}

/** Splits whitespace-separated words; returns [word, index after it]. */
function nextWord(line: string, i: number): [string, number] {
  while (i < line.length && isBlank(line[i])) i++;
  const start = i;
  while (i < line.length && !isBlank(line[i])) i++;
  return [line.slice(start, i), i];
}

function parseLine(text: string, line: number, source?: string): KnownHostEntry | null {
  if (text.length > MAX_LINE_CHARS) throw new DecodeError(`line is over ${MAX_LINE_CHARS} characters`);
  let [first, i] = nextWord(text, 0);
  if (first === '' || first.startsWith('#')) return null;
  let marker: KnownHostMarker | null = null;
  if (first.startsWith('@')) {
    if (first !== '@cert-authority' && first !== '@revoked')
      throw new DecodeError(`unknown marker ${first.slice(0, 40)}`);
    marker = first === '@revoked' ? 'revoked' : 'cert-authority';
    [first, i] = nextWord(text, i);
  }
  const namesText = first;
  const [keyType, j] = nextWord(text, i);
  const [b64, k] = nextWord(text, j);
  const { blob, key } = parseKey(keyType, b64);
  const names = parseNames(namesText);
  const comment = text.slice(k).trim();
  const entry: KnownHostEntry = { line, marker, names, namesText, keyType, blob, key, comment };
  if (source !== undefined) entry.source = source;
  return entry;
}

/**
 * Parses a known_hosts file. Blank lines and `#` comments are ignored; malformed lines land in `skipped`.
 * @example parseKnownHosts('example.com ssh-ed25519 AAAAC3Nza…\n', '~/.ssh/known_hosts').entries[0].line // 1
 */
export function parseKnownHosts(text: string, source?: string): KnownHosts {
  const out: KnownHosts = { entries: [], skipped: [] };
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n].endsWith('\r') ? lines[n].slice(0, -1) : lines[n];
    try {
      const entry = parseLine(raw, n + 1, source);
      if (entry) out.entries.push(entry);
    } catch (e) {
      // Any failure on one line (DecodeError by contract) skips only that line: never throw on a file.
      const reason = e instanceof Error ? e.message : String(e);
      const skipped: SkippedKnownHostLine = { line: n + 1, reason };
      if (source !== undefined) skipped.source = source;
      out.skipped.push(skipped);
    }
  }
  return out;
}

export type HostKeyStatus = 'match' | 'mismatch' | 'unknown' | 'revoked';

export interface HostKeyLookup {
  status: HostKeyStatus;
  /** Unmarked entries for this host with exactly the offered key. */
  matches: KnownHostEntry[];
  /** Unmarked entries for this host with another key (of any type). */
  others: KnownHostEntry[];
  /** The subset of `others` with the offered key's type: the keys that "changed". */
  changed: KnownHostEntry[];
  /** `@revoked` entries carrying the offered key. */
  revoked: KnownHostEntry[];
}

function keyTypeOfBlob(blob: Uint8Array): string {
  return new SshReader(blob, 'host key').ascii('key type', 64);
}

/**
 * Looks the offered host key up. Precedence: revoked, then match, then mismatch, then unknown.
 * - `revoked`: an `@revoked` line carries this key. Unlike ssh(1), which only consults `@revoked` lines whose
 *   host patterns name this host, any `@revoked` line counts: a stolen key is stolen for every host.
 * - `match`: an unmarked line for this host carries this key (several lines may name the host; one suffices).
 * - `mismatch`: lines for this host carry another key of the same type ("HOST IDENTIFICATION HAS CHANGED").
 * - `unknown`: nothing for this host, or only keys of other types (listed in `others`).
 * `@cert-authority` lines never match a plain key.
 * @example lookupHostKey(parseKnownHosts(text).entries, 'example.com', 22, info.blob).status // 'match'
 * @throws DecodeError when `key` is a blob without a readable key type
 */
export function lookupHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  key: Uint8Array | PublicKey,
): HostKeyLookup {
  const blob = key instanceof Uint8Array ? key : key.blob;
  const type = key instanceof Uint8Array ? keyTypeOfBlob(key) : key.type;
  const name = knownHostName(host, port);
  const revoked = entries.filter((e) => e.marker === 'revoked' && equalBytes(e.blob, blob));
  const forHost = entries.filter((e) => e.marker === null && namesMatch(e.names, name));
  const matches = forHost.filter((e) => equalBytes(e.blob, blob));
  const others = forHost.filter((e) => !equalBytes(e.blob, blob));
  const changed = others.filter((e) => e.keyType === type);
  const status: HostKeyStatus = revoked.length
    ? 'revoked'
    : matches.length
      ? 'match'
      : changed.length
        ? 'mismatch'
        : 'unknown';
  return { status, matches, others, changed, revoked };
}

export interface FormatKnownHostsOptions {
  /** Write the name hashed (`|1|salt|hash`), as ssh(1) does with HashKnownHosts yes. */
  hash?: boolean;
  /** The 20-byte salt to hash with (tests); otherwise drawn from `random`. */
  salt?: Uint8Array;
  random?: RandomSource;
  comment?: string;
  marker?: KnownHostMarker;
}

/**
 * Characters that would turn a host name into a pattern, a second field, a comment or a second line. Refused so
 * that connecting to a host named `*` can never write a line that matches every host.
 */
function assertPlainHost(host: string): void {
  if (host === '' || host.length > 1025) throw new UsageError('known_hosts: host name is empty or too long');
  for (const c of host) {
    if (c <= ' ' || c === '\x7f' || '*?!,[]|#@'.includes(c))
      throw new UsageError(`known_hosts: host name ${JSON.stringify(host)} has a character not allowed here`);
  }
}

/**
 * Formats one known_hosts line (without the newline), the way ssh(1) appends a new host.
 * @example formatKnownHostsLine('example.com', 2222, key) // '[example.com]:2222 ssh-ed25519 AAAAC3Nza…'
 * @example formatKnownHostsLine('example.com', 22, key, { hash: true, random: systemRandom }) // '|1|…|… ssh-ed25519 …'
 * @throws UsageError on a host name that is not a plain name, a bad salt or a multi-line comment
 */
export function formatKnownHostsLine(
  host: string,
  port: number,
  key: Uint8Array | PublicKey,
  opts: FormatKnownHostsOptions = {},
): string {
  assertPlainHost(host);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`known_hosts: port ${port} is not 1..65535`);
  const parsed = key instanceof Uint8Array ? parsePublicKey(key) : key;
  const name = knownHostName(host, port);
  let names = name;
  if (opts.hash) {
    const salt = opts.salt ?? opts.random?.(KNOWN_HOSTS_SALT_BYTES);
    if (salt?.length !== KNOWN_HOSTS_SALT_BYTES)
      throw new UsageError('known_hosts: hashing needs a 20-byte salt or a RandomSource');
    names = `${HASH_MAGIC}${toBase64(salt)}|${toBase64(hashKnownHostName(name, salt))}`;
  }
  const comment = opts.comment ?? '';
  if (/[\r\n]/.test(comment)) throw new UsageError('known_hosts: a comment cannot span lines');
  const marker = opts.marker ? `@${opts.marker} ` : '';
  const line = `${marker}${names} ${parsed.type} ${toBase64(parsed.blob)}`;
  return comment ? `${line} ${comment}` : line;
}
