/** OpenSSH one-line public keys and authorized_keys lines (sshd(8) "AUTHORIZED_KEYS FILE FORMAT"). */
import { describe, expect, it } from 'vitest';
import { fromHex, toBase64 } from '../../src/crypto/bytes.js';
import { DecodeError } from '../../src/errors.js';
import {
  formatPublicKeyLine,
  parseAuthorizedKeys,
  parseAuthorizedKeysLine,
  parsePublicKeyLine,
} from '../../src/keys/index.js';
import { SshWriter } from '../../src/wire/writer.js';

// RFC 8032 §7.1 TEST 1 / TEST 2 public keys wrapped in ssh-ed25519 blobs.
const blob1 = new SshWriter()
  .string('ssh-ed25519')
  .string(fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'))
  .bytes();
const blob2 = new SshWriter()
  .string('ssh-ed25519')
  .string(fromHex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'))
  .bytes();
const B64 = toBase64(blob1);

describe('parsePublicKeyLine / formatPublicKeyLine', () => {
  it('parses type, key and a comment with spaces', () => {
    const line = parsePublicKeyLine(`ssh-ed25519 ${B64} alice@host  work laptop\n`);
    expect(line.key.blob).toEqual(blob1);
    expect(line.comment).toBe('alice@host  work laptop');
    expect(line.options).toEqual([]);
    expect(formatPublicKeyLine(line.key, line.comment)).toBe(`ssh-ed25519 ${B64} alice@host  work laptop`);
  });

  it('accepts a line without comment, with CRLF or tabs', () => {
    expect(parsePublicKeyLine(`ssh-ed25519 ${B64}\r\n`).comment).toBe('');
    expect(parsePublicKeyLine(`ssh-ed25519\t${B64}\tc`).comment).toBe('c');
    expect(formatPublicKeyLine(parsePublicKeyLine(`ssh-ed25519 ${B64}`).key)).toBe(`ssh-ed25519 ${B64}`);
  });

  it.each([
    ['type word disagrees with the blob', `ecdsa-sha2-nistp256 ${B64}`, /says ecdsa-sha2-nistp256/],
    ['unsupported type', `ssh-dss ${B64}`, /unsupported key type/],
    ['bad base64', `ssh-ed25519 ${B64.slice(0, -1)}!`, /base64/],
    ['base64 of the wrong length', `ssh-ed25519 ${B64.slice(0, -2)}`, /base64/],
    ['missing key', 'ssh-ed25519', /base64/],
    ['truncated blob', `ssh-ed25519 ${toBase64(blob1.subarray(0, 40))}`, /truncated/],
    ['options are not allowed in a .pub line', `no-pty ssh-ed25519 ${B64}`, /unsupported key type 'no-pty'/],
    ['an overlong line', `ssh-ed25519 ${B64} ${'x'.repeat(20000)}`, /over 16384/],
  ])('refuses %s', (_, line, message) => {
    expect(() => parsePublicKeyLine(line)).toThrow(DecodeError);
    expect(() => parsePublicKeyLine(line)).toThrow(message);
  });
});

describe('parseAuthorizedKeysLine', () => {
  it('returns null for blank and comment lines', () => {
    expect(parseAuthorizedKeysLine('')).toBeNull();
    expect(parseAuthorizedKeysLine('   \t')).toBeNull();
    expect(parseAuthorizedKeysLine('# ssh-ed25519 AAAA')).toBeNull();
  });

  it('parses options, including quoted values with commas, spaces and \\" escapes', () => {
    const entry = parseAuthorizedKeysLine(
      `no-pty,command="echo \\"hi, there\\" && uptime",from="10.0.0.0/8,!10.1.*",restrict ssh-ed25519 ${B64} ops key`,
    );
    expect(entry?.options).toEqual([
      { name: 'no-pty' },
      { name: 'command', value: 'echo "hi, there" && uptime' },
      { name: 'from', value: '10.0.0.0/8,!10.1.*' },
      { name: 'restrict' },
    ]);
    expect(entry?.key.blob).toEqual(blob1);
    expect(entry?.comment).toBe('ops key');
  });

  it('parses a line without options and with leading whitespace', () => {
    expect(parseAuthorizedKeysLine(`  ssh-ed25519 ${B64}`)?.options).toEqual([]);
  });

  it.each([
    ['an unterminated quote', `command="uptime ssh-ed25519 ${B64}`, /unterminated quote/],
    ['an unquoted value', `command=uptime ssh-ed25519 ${B64}`, /must be quoted/],
    ['an empty option', `no-pty,,no-X11-forwarding ssh-ed25519 ${B64}`, /bad option/],
    ['options with no key', 'no-pty', /not followed by a key/],
    ['garbage after a quoted value', `command="x"y ssh-ed25519 ${B64}`, /not followed by a key/],
  ])('refuses %s', (_, line, message) => {
    expect(() => parseAuthorizedKeysLine(line)).toThrow(message);
  });

  it('parseAuthorizedKeys keeps going past bad lines and reports their numbers', () => {
    const text = [
      '# keys',
      `ssh-ed25519 ${B64} one`,
      'garbage here',
      '',
      `restrict ssh-ed25519 ${toBase64(blob2)} two`,
    ].join('\n');
    const file = parseAuthorizedKeys(text);
    expect(file.entries.map((e) => e.comment)).toEqual(['one', 'two']);
    expect(file.entries[1].key.blob).toEqual(blob2);
    expect(file.errors.map((e) => e.line)).toEqual([3]);
    expect(file.errors[0].error).toBeInstanceOf(DecodeError);
  });

  it('scans a 16 KiB hostile line quickly (no regex backtracking)', () => {
    const hostile = `${'a,'.repeat(4000)}command="${'\\'.repeat(8000)}`;
    const start = performance.now();
    expect(() => parseAuthorizedKeysLine(hostile)).toThrow(DecodeError);
    expect(performance.now() - start).toBeLessThan(50);
  });
});
