/**
 * Key generation on both backends: generated keys sign and verify, are written with our openssh-key-v1
 * writer and read by the real `ssh-keygen -y` to the same public line, and can be wiped.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import { type CryptoBackend, nobleCrypto, nodeCrypto, seededRandom } from '../../src/crypto/index.js';
import { UsageError } from '../../src/errors.js';
import {
  formatOpenSshPrivateKey,
  formatPublicKeyLine,
  generateKey,
  isWiped,
  KEY_TYPES,
  type KeyType,
  parseOpenSshPrivateKey,
  verifySignature,
  wipePrivateKey,
} from '../../src/keys/index.js';
import { sshKeygenPublicFromPrivate, tempDir } from './ssh-keygen.js';

const backends: CryptoBackend[] = [nodeCrypto!, nobleCrypto];
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe.each(backends)('$name backend', (crypto) => {
  const types = KEY_TYPES.filter((t) => t !== 'ssh-rsa' || crypto.name === 'node');

  it.each(types)(
    'generates %s keys that sign, verify, and round-trip through ssh-keygen -y',
    (type: KeyType) => {
      const key = generateKey(crypto, type, { bits: 2048, comment: `gen-${type}` });
      expect(key.type).toBe(type);
      const data = utf8('generated key signature');
      expect(verifySignature(crypto, key.publicKey, key.sign(crypto, data), data)).toBe(true);

      const file = formatOpenSshPrivateKey(key);
      const line = sshKeygenPublicFromPrivate(tmp.dir, `gen_${crypto.name}_${type}`, file);
      expect(line).toBe(formatPublicKeyLine(key.publicKey, `gen-${type}`));
      expect(parseOpenSshPrivateKey(file).publicKey.blob).toEqual(key.publicKey.blob);
    },
  );

  it('derives the same Ed25519 and ECDSA keys from the same random bytes', () => {
    for (const type of ['ssh-ed25519', 'ecdsa-sha2-nistp521'] as const) {
      const a = generateKey(crypto, type, { random: seededRandom('keys test') });
      const b = generateKey(crypto, type, { random: seededRandom('keys test') });
      const c = generateKey(crypto, type, { random: seededRandom('another seed') });
      expect(a.publicKey.blob).toEqual(b.publicKey.blob);
      expect(a.publicKey.blob).not.toEqual(c.publicKey.blob);
    }
  });

  it('maps all-ones random bytes to a scalar in [1, n-1] (FIPS 186-5 A.2.1 reduction)', () => {
    const key = generateKey(crypto, 'ecdsa-sha2-nistp256', { random: (n) => new Uint8Array(n).fill(0xff) });
    const data = utf8('edge scalar');
    expect(verifySignature(crypto, key.publicKey, key.sign(crypto, data), data)).toBe(true);
  });

  it('refuses a random source that returns too few bytes', () => {
    expect(() => generateKey(crypto, 'ssh-ed25519', { random: () => new Uint8Array(16) })).toThrow(
      UsageError,
    );
  });

  it('wipePrivateKey zeroes the secret and makes sign refuse', () => {
    const ed = generateKey(crypto, 'ssh-ed25519');
    const ec = generateKey(crypto, 'ecdsa-sha2-nistp384');
    wipePrivateKey(ed);
    wipePrivateKey(ec);
    expect(ed.type === 'ssh-ed25519' && ed.seed.every((b) => b === 0)).toBe(true);
    expect(ec.type === 'ecdsa-sha2-nistp384' && ec.scalar.every((b) => b === 0)).toBe(true);
    expect(isWiped(ed)).toBe(true);
    expect(() => ed.sign(crypto, utf8('x'))).toThrow(UsageError);
  });

  it('refuses a signature algorithm of another key type', () => {
    const ed = generateKey(crypto, 'ssh-ed25519');
    expect(() => ed.sign(crypto, utf8('x'), 'rsa-sha2-256')).toThrow(UsageError);
  });
});

describe('RSA generation', () => {
  it('is refused on the noble backend (no RSA key generation there)', () => {
    expect(() => generateKey(nobleCrypto, 'ssh-rsa', { bits: 2048 })).toThrow(UsageError);
  });

  it('refuses sizes under 2048 bits or not a multiple of 8', () => {
    expect(() => generateKey(nodeCrypto!, 'ssh-rsa', { bits: 1024 })).toThrow(UsageError);
    expect(() => generateKey(nodeCrypto!, 'ssh-rsa', { bits: 2049 })).toThrow(UsageError);
  });

  it('wipes RSA private fields', () => {
    const key = generateKey(nodeCrypto!, 'ssh-rsa', { bits: 2048 });
    wipePrivateKey(key);
    expect(key.type === 'ssh-rsa' && [key.rsa.d, key.rsa.p, key.rsa.q]).toEqual([0n, 0n, 0n]);
    expect(() => key.sign(nodeCrypto!, utf8('x'))).toThrow(UsageError);
  });
});
