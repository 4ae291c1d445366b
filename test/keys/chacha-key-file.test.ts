/**
 * openssh-key-v1 files encrypted with chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.key, cipher.c,
 * cipher-chachapoly.c), both ways with the real ssh-keygen: `-Z chacha20-poly1305@openssh.com -N pass` files
 * load here, and ours load in `ssh-keygen -y -P pass`.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64, utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import {
  formatOpenSshPrivateKey,
  formatPublicKeyLine,
  generateKey,
  parseOpenSshPrivateKey,
  verifySignature,
} from '../../src/keys/index.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, sshKeygen, tempDir } from './ssh-keygen.js';

const CHACHA = 'chacha20-poly1305@openssh.com';
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Flips one bit of the decoded file at `offsetFromEnd` bytes before its end and re-armors it. */
function flipNearEnd(text: string, offsetFromEnd: number): string {
  const lines = text.trim().split('\n');
  const bytes = fromBase64(lines.slice(1, -1).join(''));
  bytes[bytes.length - offsetFromEnd] ^= 1;
  return `${lines[0]}\n${toBase64(bytes)}\n${lines.at(-1)}\n`;
}

describe('chacha20-poly1305@openssh.com key files from ssh-keygen', () => {
  it.each(KEYGEN_FIXTURES)('$type: loads with the passphrase; a wrong one is named', (f) => {
    const name = `chacha_${f.t}${f.bits ?? ''}`;
    const gen = generateWithSshKeygen(tmp.dir, name, f, ['-N', 'pass', '-a', '2', '-Z', CHACHA]);
    const key = parseOpenSshPrivateKey(gen.privateText, 'pass');
    expect(formatPublicKeyLine(key.publicKey, key.comment)).toBe(gen.publicLine);
    const data = utf8('chacha-decrypted key signs');
    expect(verifySignature(nodeCrypto!, key.publicKey, key.sign(nodeCrypto!, data), data)).toBe(true);
    expect(() => parseOpenSshPrivateKey(gen.privateText, 'wrong')).toThrow(
      expect.objectContaining({ name: 'KeyFileError', code: 'wrong-passphrase' }),
    );
    expect(() => parseOpenSshPrivateKey(gen.privateText)).toThrow(
      expect.objectContaining({ code: 'passphrase-required' }),
    );
  });

  it('a flipped tag or ciphertext bit fails authentication (wrong-passphrase), not a garbled key', () => {
    const gen = generateWithSshKeygen(tmp.dir, 'chacha_tamper', KEYGEN_FIXTURES[0], [
      '-N',
      'pass',
      '-a',
      '1',
      '-Z',
      CHACHA,
    ]);
    // The file ends with the 16-byte tag; the bytes before it are the encrypted private section.
    for (const at of [1, 16, 17, 40]) {
      expect(() => parseOpenSshPrivateKey(flipNearEnd(gen.privateText, at), 'pass')).toThrow(
        expect.objectContaining({ code: 'wrong-passphrase' }),
      );
    }
    expect(parseOpenSshPrivateKey(flipNearEnd(flipNearEnd(gen.privateText, 1), 1), 'pass')).toBeTruthy();
  });
});

describe('chacha20-poly1305@openssh.com key files we write', () => {
  it.each(['ssh-ed25519', 'ecdsa-sha2-nistp521', 'ssh-rsa'] as const)(
    '%s: ssh-keygen -y -P reads them, refuses a wrong passphrase, and so do we',
    (type) => {
      const key = generateKey(nodeCrypto!, type, { bits: 2048, comment: 'ours-chacha' });
      const text = formatOpenSshPrivateKey(key, { passphrase: 'pass', rounds: 2, cipher: CHACHA });
      const path = `${tmp.dir}/ours_chacha_${type}`;
      writeFileSync(path, text, { mode: 0o600 });
      expect(sshKeygen(['-y', '-P', 'pass', '-f', path]).trim()).toBe(
        formatPublicKeyLine(key.publicKey, 'ours-chacha'),
      );
      expect(() => sshKeygen(['-y', '-P', 'wrong', '-f', path])).toThrow();
      expect(parseOpenSshPrivateKey(text, 'pass').publicKey.blob).toEqual(key.publicKey.blob);
    },
  );

  it('refuses to write with a cipher it does not know', () => {
    const key = generateKey(nodeCrypto!, 'ssh-ed25519');
    expect(() => formatOpenSshPrivateKey(key, { passphrase: 'p', cipher: 'aes256-cbc' })).toThrow(
      expect.objectContaining({ name: 'UsageError' }),
    );
  });
});
