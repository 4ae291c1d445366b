/**
 * PEM private keys read through node:crypto (RFC 7468 labels; PKCS#8 RFC 5208/5958, SEC1 RFC 5915,
 * PKCS#1 RFC 8017 App. A). Ed25519 PKCS#8 (RFC 8410) comes from node itself since ssh-keygen cannot write it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import {
  KeyFileError,
  parsePemPrivateKey,
  parsePrivateKeyFile,
  verifySignature,
} from '../../src/keys/index.js';
import { jwkBytes } from '../../src/keys/node-edge.js';

describe('parsePemPrivateKey', () => {
  it('reads an Ed25519 PKCS#8 key (RFC 8410), plain and encrypted, and signs with it', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const x = jwkBytes(publicKey.export({ format: 'jwk' }).x);
    const plain = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const encrypted = privateKey
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    for (const [text, pass] of [
      [plain, undefined],
      [encrypted, 'pw'],
    ] as const) {
      const key = parsePrivateKeyFile(text, pass);
      expect(key.type).toBe('ssh-ed25519');
      expect(key.publicKey.type === 'ssh-ed25519' && key.publicKey.publicKey).toEqual(x);
      const data = utf8('pem');
      expect(verifySignature(nodeCrypto!, key.publicKey, key.sign(nodeCrypto!, data), data)).toBe(true);
    }
    expect(() => parsePemPrivateKey(encrypted)).toThrow(
      expect.objectContaining({ code: 'passphrase-required' }),
    );
    expect(() => parsePemPrivateKey(encrypted, 'wrong')).toThrow(
      expect.objectContaining({ code: 'wrong-passphrase' }),
    );
  });

  it('refuses curves SSH has no key type for (secp256k1) as unsupported', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const text = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parsePemPrivateKey(text)).toThrow(expect.objectContaining({ code: 'unsupported' }));
  });

  it('refuses trailing bytes after the DER and a body that is not DER', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const wrap = (b: Uint8Array) =>
      `-----BEGIN PRIVATE KEY-----\n${Buffer.from(b).toString('base64')}\n-----END PRIVATE KEY-----\n`;
    expect(() => parsePemPrivateKey(wrap(Buffer.concat([der, Buffer.from([0, 0, 0])])))).toThrow(
      /trailing bytes/,
    );
    expect(() => parsePemPrivateKey(wrap(utf8('not der')))).toThrow(KeyFileError);
  });
});
