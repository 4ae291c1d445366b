/**
 * Round trips against the real OpenSSH `ssh-keygen` (installed, OpenSSH 9.2): keys it generates are parsed
 * by us (public blob equal to its .pub file, fingerprints equal to `ssh-keygen -l`), and files we write are
 * read back by `ssh-keygen -y`.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/crypto/bytes.js';
import {
  fingerprintMd5,
  fingerprintSha256,
  formatOpenSshPrivateKey,
  formatPublicKeyLine,
  KeyFileError,
  parseOpenSshPrivateKey,
  parsePrivateKeyFile,
  parsePublicKey,
  parsePublicKeyLine,
} from '../../src/keys/index.js';
import {
  type GeneratedKey,
  generateWithSshKeygen,
  KEYGEN_FIXTURES,
  sshKeygen,
  sshKeygenFingerprint,
  sshKeygenPublicFromPrivate,
  tempDir,
} from './ssh-keygen.js';

const tmp = tempDir();
const readText = (path: string) => readFileSync(path, 'utf8');
afterAll(() => tmp.cleanup());

describe.each(KEYGEN_FIXTURES)('ssh-keygen -t $t $bits', (f) => {
  let gen: GeneratedKey;
  beforeAll(() => {
    gen = generateWithSshKeygen(tmp.dir, `id_${f.t}${f.bits ?? ''}`, f);
  });

  it('parses the private key and its public blob equals the .pub file', () => {
    const key = parseOpenSshPrivateKey(gen.privateText);
    expect(key.type).toBe(f.type);
    const [type, b64, comment] = gen.publicLine.split(' ');
    expect(type).toBe(f.type);
    expect(key.publicKey.blob).toEqual(fromBase64(b64));
    expect(key.comment).toBe(comment);
    expect(parsePublicKey(fromBase64(b64)).blob).toEqual(key.publicKey.blob);
  });

  it('parses and re-formats the .pub line exactly', () => {
    const line = parsePublicKeyLine(gen.publicLine);
    expect(formatPublicKeyLine(line.key, line.comment)).toBe(gen.publicLine);
  });

  it('computes the fingerprints ssh-keygen -l prints (SHA256 and MD5)', () => {
    const { key } = parsePublicKeyLine(gen.publicLine);
    expect(fingerprintSha256(key)).toBe(sshKeygenFingerprint(gen.path, 'sha256'));
    expect(fingerprintMd5(key.blob)).toBe(sshKeygenFingerprint(gen.path, 'md5'));
  });

  it('writes a file that ssh-keygen -y reads back to the same public line', () => {
    const key = parseOpenSshPrivateKey(gen.privateText);
    const written = formatOpenSshPrivateKey(key, { random: (n) => new Uint8Array(n).fill(7) });
    const line = sshKeygenPublicFromPrivate(tmp.dir, `ours_${f.t}${f.bits ?? ''}`, written);
    expect(line).toBe(gen.publicLine);
    // And our parser reads our own output to the same key.
    const again = parseOpenSshPrivateKey(written);
    expect(again.publicKey.blob).toEqual(key.publicKey.blob);
    expect(again.comment).toBe(key.comment);
  });

  it.each(['PEM', 'PKCS8'])('reads the same key written by ssh-keygen -m %s', (format) => {
    // OpenSSH 9.2 has no PEM form for Ed25519 keys.
    if (f.type === 'ssh-ed25519') return;
    const path = `${gen.path}.${format}`;
    sshKeygen([
      '-q',
      '-t',
      f.t,
      ...(f.bits ? ['-b', String(f.bits)] : []),
      '-N',
      '',
      '-m',
      format,
      '-f',
      path,
    ]);
    const pem = readText(path);
    const label =
      format === 'PKCS8' ? 'PRIVATE KEY' : f.type === 'ssh-rsa' ? 'RSA PRIVATE KEY' : 'EC PRIVATE KEY';
    expect(pem).toContain(`-----BEGIN ${label}-----`);
    const key = parsePrivateKeyFile(pem);
    const pub = readText(`${path}.pub`).split(' ').slice(0, 2).join(' ');
    expect(formatPublicKeyLine(key.publicKey)).toBe(pub);
    // A PEM file cut short (END line kept) is reported as truncated, not as an OpenSSL failure.
    const lines = pem.trim().split('\n');
    const cut = [...lines.slice(0, Math.floor(lines.length / 2)), lines.at(-1)].join('\n');
    expect(() => parsePrivateKeyFile(cut)).toThrow(
      expect.objectContaining({ code: 'malformed', message: expect.stringMatching(/truncated/) }),
    );
  });
});

describe('encrypted and foreign key files', () => {
  it('names the reason for an encrypted PEM: missing and wrong passphrase, then loads with the right one', () => {
    const path = `${tmp.dir}/enc_pem`;
    sshKeygen(['-q', '-t', 'ecdsa', '-b', '256', '-N', 'secret', '-m', 'PEM', '-f', path]);
    const text = readText(path);
    const pub = readText(`${path}.pub`).split(' ').slice(0, 2).join(' ');
    expect(() => parsePrivateKeyFile(text)).toThrow(expect.objectContaining({ code: 'passphrase-required' }));
    expect(() => parsePrivateKeyFile(text, 'nope')).toThrow(
      expect.objectContaining({ code: 'wrong-passphrase' }),
    );
    expect(formatPublicKeyLine(parsePrivateKeyFile(text, 'secret').publicKey)).toBe(pub);
  });

  it('refuses public keys, DSA and garbage with unknown-format / unsupported', () => {
    const gen = generateWithSshKeygen(tmp.dir, 'pub_only', KEYGEN_FIXTURES[0]);
    const cases: [string, string][] = [
      [gen.publicLine, 'unknown-format'],
      ['-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n', 'unsupported'],
      ['hello', 'unknown-format'],
    ];
    for (const [text, code] of cases) {
      expect(() => parsePrivateKeyFile(text)).toThrow(KeyFileError);
      expect(() => parsePrivateKeyFile(text)).toThrow(expect.objectContaining({ code }));
    }
  });
});
