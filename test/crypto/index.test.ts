import * as nodeCryptoModule from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createNodeBackend,
  cryptoBackends,
  defaultCrypto,
  nobleCrypto,
  nodeCrypto,
} from '../../src/crypto/index.js';

describe('crypto/index', () => {
  it('under Node both backends load, node first, so every describe.each(cryptoBackends) covers both', () => {
    expect(nodeCrypto?.name).toBe('node');
    expect(nobleCrypto.name).toBe('noble');
    expect(cryptoBackends.map((b) => b.name)).toEqual(['node', 'noble']);
  });

  it('defaultCrypto() prefers node:crypto', () => {
    expect(defaultCrypto()).toBe(nodeCrypto);
  });

  it('createNodeBackend builds a working backend from the module it is handed', () => {
    const b = createNodeBackend(nodeCryptoModule);
    expect(b.hash('sha256', new Uint8Array(0))).toEqual(nobleCrypto.hash('sha256', new Uint8Array(0)));
  });

  it('the noble backend module does not import node:crypto (it must bundle for browsers)', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const file of ['noble-backend.ts', 'noble-aes-ctr.ts', 'rsa-pkcs1.ts', 'mod-pow.ts', 'random.ts']) {
      const source = await readFile(new URL(`../../src/crypto/${file}`, import.meta.url), 'utf8');
      expect(source).not.toMatch(/from 'node:|import\('node:/);
    }
    for (const file of ['node-backend.ts', 'node-key-objects.ts', 'node-signatures.ts']) {
      const source = await readFile(new URL(`../../src/crypto/${file}`, import.meta.url), 'utf8');
      expect(source).not.toMatch(/^import (?!type)[^;]*'node:/m); // type-only imports there
    }
  });
});
