/**
 * Encrypted openssh-key-v1 files (PROTOCOL.key: bcrypt KDF + AES) in both directions with the real
 * ssh-keygen, plus the Blowfish and bcrypt building blocks. Blowfish vectors: Eric Young's published
 * test set for Schneier's Blowfish (key, plaintext → ciphertext); initial words: Schneier 1993 (digits of π).
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import { bcryptPbkdf } from '../../src/keys/bcrypt-pbkdf.js';
import { Blowfish } from '../../src/keys/blowfish.js';
import {
  formatOpenSshPrivateKey,
  formatPublicKeyLine,
  generateKey,
  parseOpenSshPrivateKey,
  parsePrivateKeyFile,
  verifySignature,
} from '../../src/keys/index.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, sshKeygen, tempDir } from './ssh-keygen.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('Blowfish', () => {
  it('starts from the fractional hex digits of π', () => {
    const bf = new Blowfish();
    expect([bf.p[0], bf.p[1], bf.p[17], bf.s[0], bf.s[1023]].map((w) => w.toString(16))).toEqual([
      '243f6a88',
      '85a308d3',
      '8979fb1b',
      'd1310ba6',
      '3ac372e6',
    ]);
  });

  it.each([
    ['0000000000000000', '0000000000000000', '4ef997456198dd78'],
    ['ffffffffffffffff', 'ffffffffffffffff', '51866fd5b85ecb8a'],
    ['3000000000000000', '1000000000000001', '7d856f9a613063f2'],
    ['1111111111111111', '1111111111111111', '2466dd878b963c9d'],
  ])('key %s encrypts %s to %s (standard key schedule = unsalted expand)', (key, plain, cipher) => {
    const bf = new Blowfish();
    bf.expand(fromHex(key));
    const w = new Uint32Array([Number.parseInt(plain.slice(0, 8), 16), Number.parseInt(plain.slice(8), 16)]);
    bf.encryptWords(w);
    expect(w[0].toString(16).padStart(8, '0') + w[1].toString(16).padStart(8, '0')).toBe(cipher);
  });
});

describe('bcryptPbkdf', () => {
  it('interleaves output across blocks: a longer key is not an extension of a shorter one', () => {
    const pass = utf8('password');
    const salt = utf8('salt');
    const k32 = bcryptPbkdf(pass, salt, 32, 2);
    const k64 = bcryptPbkdf(pass, salt, 64, 2);
    // With keyLength 64 the stride is 2: block 1 fills even positions, so k64[0] = k32[0] but k64[1] ≠ k32[1].
    expect(k64[0]).toBe(k32[0]);
    expect(k64[2]).toBe(k32[1]);
    expect(toHex(k64.subarray(0, 32))).not.toBe(toHex(k32));
  });

  it('refuses an empty password, empty salt or zero rounds', () => {
    expect(() => bcryptPbkdf(new Uint8Array(0), utf8('s'), 32, 1)).toThrow();
    expect(() => bcryptPbkdf(utf8('p'), new Uint8Array(0), 32, 1)).toThrow();
    expect(() => bcryptPbkdf(utf8('p'), utf8('s'), 32, 0)).toThrow();
  });
});

describe('encrypted openssh-key-v1 files from ssh-keygen', () => {
  it.each(KEYGEN_FIXTURES)(
    '$type: loads with the passphrase (aes256-ctr, 4 rounds); names the failure otherwise',
    (f) => {
      const gen = generateWithSshKeygen(tmp.dir, `enc_${f.t}${f.bits ?? ''}`, f, [
        '-N',
        'correct horse',
        '-a',
        '4',
      ]);
      expect(gen.privateText).toContain('OPENSSH PRIVATE KEY');
      const key = parsePrivateKeyFile(gen.privateText, 'correct horse');
      expect(formatPublicKeyLine(key.publicKey, key.comment)).toBe(gen.publicLine);
      const data = utf8('decrypted key works');
      expect(verifySignature(nodeCrypto!, key.publicKey, key.sign(nodeCrypto!, data), data)).toBe(true);
      expect(() => parsePrivateKeyFile(gen.privateText)).toThrow(
        expect.objectContaining({ code: 'passphrase-required' }),
      );
      expect(() => parsePrivateKeyFile(gen.privateText, 'wrong horse')).toThrow(
        expect.objectContaining({ name: 'KeyFileError', code: 'wrong-passphrase' }),
      );
      expect(() => parsePrivateKeyFile(gen.privateText, '')).toThrow(
        expect.objectContaining({ code: 'wrong-passphrase' }),
      );
    },
  );

  it.each(['aes128-ctr', 'aes256-gcm@openssh.com'])(
    'reads keys encrypted with -Z %s (default 16 rounds)',
    (cipher) => {
      const gen = generateWithSshKeygen(tmp.dir, `enc_${cipher}`, KEYGEN_FIXTURES[0], [
        '-N',
        'pw',
        '-Z',
        cipher,
      ]);
      expect(
        formatPublicKeyLine(
          parseOpenSshPrivateKey(gen.privateText, 'pw').publicKey,
          `enc_${cipher}@rxssh-test`,
        ),
      ).toBe(gen.publicLine);
      expect(() => parseOpenSshPrivateKey(gen.privateText, 'nope')).toThrow(
        expect.objectContaining({ code: 'wrong-passphrase' }),
      );
    },
  );

  it('reports a cipher we do not implement (aes256-cbc) as unsupported', () => {
    const gen = generateWithSshKeygen(tmp.dir, 'enc_cbc', KEYGEN_FIXTURES[0], [
      '-N',
      'pw',
      '-a',
      '1',
      '-Z',
      'aes256-cbc',
    ]);
    expect(() => parseOpenSshPrivateKey(gen.privateText, 'pw')).toThrow(
      expect.objectContaining({ code: 'unsupported' }),
    );
  });
});

describe('encrypted files we write', () => {
  it.each(['ssh-ed25519', 'ecdsa-sha2-nistp384', 'ssh-rsa'] as const)(
    '%s: ssh-keygen -y -P decrypts them to the same public line, and so do we',
    (type) => {
      const key = generateKey(nodeCrypto!, type, { bits: 2048, comment: 'ours' });
      const text = formatOpenSshPrivateKey(key, { passphrase: 'sesame', rounds: 4 });
      const path = `${tmp.dir}/ours_enc_${type}`;
      writeFileSync(path, text, { mode: 0o600 });
      expect(sshKeygen(['-y', '-P', 'sesame', '-f', path]).trim()).toBe(
        formatPublicKeyLine(key.publicKey, 'ours'),
      );
      expect(() => sshKeygen(['-y', '-P', 'wrong', '-f', path])).toThrow();
      expect(parseOpenSshPrivateKey(text, 'sesame').publicKey.blob).toEqual(key.publicKey.blob);
    },
  );
});
