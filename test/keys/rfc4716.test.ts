/**
 * RFC 4716 public key files: what `ssh-keygen -e` exports parses to the same blob, what we format is
 * imported by `ssh-keygen -i` to the same OpenSSH line, and malformed files are refused by rule (§3.1 line
 * length, §3.2 markers, §3.3 headers and continuation, §3.4 base64 body).
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toBase64 } from '../../src/crypto/bytes.js';
import { DecodeError, UsageError } from '../../src/errors.js';
import {
  formatPublicKeyLine,
  formatRfc4716PublicKey,
  parsePublicKey,
  parsePublicKeyFile,
  parsePublicKeyLine,
  parseRfc4716PublicKey,
} from '../../src/keys/index.js';
import { SshWriter } from '../../src/wire/writer.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, sshKeygen, tempDir } from './ssh-keygen.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

// RFC 8032 §7.1 TEST 1 public key wrapped in an ssh-ed25519 blob.
const BLOB = new SshWriter()
  .string('ssh-ed25519')
  .string(fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))
  .bytes();
const B64 = toBase64(BLOB); // 68 characters: one body line
const BEGIN = '---- BEGIN SSH2 PUBLIC KEY ----';
const END = '---- END SSH2 PUBLIC KEY ----';
const file = (...lines: string[]) => [BEGIN, ...lines, END, ''].join('\n');
/** 16 lines of 66 value bytes each, every line within 72 bytes: the joined value is 1056 bytes. */
const LONG_HEADER = [`x-a: ${'v'.repeat(66)}\\`, ...Array<string>(15).fill(`${'v'.repeat(66)}\\`)];

describe('RFC 4716 with the real ssh-keygen', () => {
  it.each(KEYGEN_FIXTURES)('$type: ssh-keygen -e output parses to the same blob', (f) => {
    const gen = generateWithSshKeygen(tmp.dir, `rfc_${f.t}${f.bits ?? ''}`, f);
    const exported = sshKeygen(['-e', '-f', `${gen.path}.pub`]);
    const parsed = parseRfc4716PublicKey(exported);
    const line = parsePublicKeyLine(gen.publicLine);
    expect(parsed.key.blob).toEqual(line.key.blob);
    expect(parsed.comment).toMatch(/^\d+-bit .*, converted by .* from OpenSSH$/); // quotes removed
    expect(parsePublicKeyFile(exported).key.blob).toEqual(line.key.blob);
    expect(parsePublicKeyFile(`${gen.publicLine}\n`).comment).toBe(line.comment);
  });

  it.each(KEYGEN_FIXTURES)('$type: ssh-keygen -i imports ours to the same OpenSSH line', (f) => {
    const gen = generateWithSshKeygen(tmp.dir, `rfc_in_${f.t}${f.bits ?? ''}`, f);
    const { key } = parsePublicKeyLine(gen.publicLine);
    const path = `${tmp.dir}/rfc_in_${f.t}${f.bits ?? ''}.ssh2`;
    // A comment long enough to need continuation lines, and a private-use header ssh-keygen must skip.
    const text = formatRfc4716PublicKey(key, {
      comment: `a comment ${'long '.repeat(30)}with ünïcödé`,
      headers: [{ tag: 'x-command', value: '/bin/true' }],
    });
    expect(text.split('\n').every((l) => Buffer.byteLength(l) <= 72)).toBe(true);
    writeFileSync(path, text);
    expect(sshKeygen(['-i', '-f', path]).trim()).toBe(formatPublicKeyLine(key));
  });
});

describe('parseRfc4716PublicKey', () => {
  it('joins continuation lines, keeps unknown headers, and takes an unquoted comment (§3.3.2)', () => {
    const parsed = parseRfc4716PublicKey(
      file('Subject: me', 'Comment: 1024-bit rsa, created by me \\', 'Mon Jan 15 2001', 'X-Foo: bar', B64),
    );
    expect(parsed.key.blob).toEqual(BLOB);
    expect(parsed.comment).toBe('1024-bit rsa, created by me Mon Jan 15 2001');
    expect(parsed.headers.map((h) => h.tag)).toEqual(['Subject', 'Comment', 'X-Foo']);
  });

  it('accepts CR, LF and CRLF line ends, a split body, and a case-insensitive Comment tag', () => {
    for (const eol of ['\r', '\n', '\r\n']) {
      const text = [BEGIN, 'cOmMeNt: "x"', B64.slice(0, 20), B64.slice(20), END].join(eol);
      const parsed = parseRfc4716PublicKey(text);
      expect(parsed.key.blob).toEqual(BLOB);
      expect(parsed.comment).toBe('x');
    }
  });

  it('round-trips what it formats', () => {
    const key = parsePublicKey(BLOB);
    const text = formatRfc4716PublicKey(key, { comment: 'c', headers: [{ tag: 'Subject', value: 's' }] });
    expect(text).toBe(file('Comment: "c"', 'Subject: s', B64));
    const back = parseRfc4716PublicKey(text);
    expect([back.comment, back.headers[1].value]).toEqual(['c', 's']);
    expect(back.key.blob).toEqual(BLOB);
  });

  it.each([
    ['no BEGIN line', `ssh-ed25519 ${B64}`, /is not '---- BEGIN/],
    ['a bad BEGIN line', `---- BEGIN SSH2 PRIVATE KEY ----\n${B64}\n${END}`, /is not '---- BEGIN/],
    ['missing END', `${BEGIN}\n${B64}\n`, /no '---- END/],
    ['a line over 72 bytes', file(`Comment: ${'x'.repeat(64)}`, B64), /line 2 is over 72 bytes/],
    ['a body line over 72 bytes', file(B64 + B64.slice(0, 8)), /over 72 bytes/],
    ['an empty header tag', file(': value', B64), /header tag/],
    ['a header tag with a space', file('Com ment: x', B64), /header tag/],
    ['a header tag over 64', file(`${'T'.repeat(65)}: x`, B64), /header tag/],
    ['a header value over 1024 bytes', file(...LONG_HEADER, 'end', B64), /over 1024 bytes/],
    ['a continuation running into END', file('Comment: x\\'), /continues past/],
    ['a header after the body', file(B64, 'Comment: late'), /not valid base64/],
    ['bad base64', file('AAAA*AAA'), /not valid base64/],
    ['base64 of the wrong length', file(B64.slice(0, -1)), /not valid base64/],
    ['no body', file('Comment: x'), /no key body/],
    ['text after END', `${file(B64)}junk\n`, /after the END/],
    ['a truncated key blob', file(toBase64(BLOB.subarray(0, 30))), /./],
  ])('refuses %s with a DecodeError', (_why, text, message) => {
    expect(() => parseRfc4716PublicKey(text)).toThrow(DecodeError);
    expect(() => parseRfc4716PublicKey(text)).toThrow(message);
  });
});

describe('formatRfc4716PublicKey', () => {
  const key = parsePublicKey(BLOB);
  it.each([
    ['an empty tag', { headers: [{ tag: '', value: 'v' }] }],
    ['a tag with a colon', { headers: [{ tag: 'a:b', value: 'v' }] }],
    ['a value ending in a backslash', { headers: [{ tag: 'x-a', value: 'v\\' }] }],
    ['a comment with a line break', { comment: 'a\nb' }],
    ['a value over 1024 bytes', { headers: [{ tag: 'x-a', value: 'é'.repeat(513) }] }],
  ])('refuses %s with a UsageError', (_why, opts) => {
    expect(() => formatRfc4716PublicKey(key, opts)).toThrow(UsageError);
  });
});

describe('parsePublicKeyFile', () => {
  it('reads a one-line OpenSSH key with its comment and refuses several lines', () => {
    expect(parsePublicKeyFile(`ssh-ed25519 ${B64} me@host\n`).comment).toBe('me@host');
    expect(() => parsePublicKeyFile(`ssh-ed25519 ${B64}\nssh-ed25519 ${B64}\n`)).toThrow(DecodeError);
    expect(() => parsePublicKeyFile('')).toThrow(DecodeError);
  });
});
