import { describe, expect, it } from 'vitest';
import { createOpener, createSealer } from '../../src/cipher/protection.js';
import {
  CIPHERS,
  COMPRESSIONS,
  DEFAULT_CIPHERS,
  DEFAULT_COMPRESSION,
  DEFAULT_MACS,
  isAeadCipher,
  MACS,
  NONE_CIPHER,
} from '../../src/cipher/registry.js';
import { UsageError } from '../../src/errors.js';
import { BACKENDS, keysFor } from './helpers.js';

describe('algorithm registry', () => {
  it('defaults name only registered algorithms', () => {
    for (const c of DEFAULT_CIPHERS) expect(CIPHERS[c]?.name).toBe(c);
    for (const m of DEFAULT_MACS) expect(MACS[m]?.name).toBe(m);
    for (const z of DEFAULT_COMPRESSION) expect(COMPRESSIONS[z]?.name).toBe(z);
  });

  it('keeps SHA-1 MACs registered but not offered by default', () => {
    expect(MACS['hmac-sha1']).toBeDefined();
    expect(MACS['hmac-sha1-etm@openssh.com']).toBeDefined();
    expect(DEFAULT_MACS.some((m) => m.includes('sha1'))).toBe(false);
  });

  it('never lets "none" be negotiated as a cipher', () => {
    expect(CIPHERS.none).toBeUndefined();
    expect(DEFAULT_CIPHERS).not.toContain('none');
    expect(NONE_CIPHER.blockSize).toBe(8);
  });

  it('looks up nothing for prototype names a peer might send', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(CIPHERS[name]).toBeUndefined();
      expect(MACS[name]).toBeUndefined();
      expect(COMPRESSIONS[name]).toBeUndefined();
      expect(isAeadCipher(name)).toBe(false);
    }
  });

  it('has the key and IV sizes the specs give', () => {
    // PROTOCOL.chacha20poly1305: 512-bit key, no IV; RFC 5647 §7.1: 12-byte IV; RFC 4344 §4: 16-byte counter.
    expect(CIPHERS['chacha20-poly1305@openssh.com']).toMatchObject({
      keyLength: 64,
      ivLength: 0,
      aead: true,
    });
    expect(CIPHERS['aes128-gcm@openssh.com']).toMatchObject({ keyLength: 16, ivLength: 12, aead: true });
    expect(CIPHERS['aes256-gcm@openssh.com']).toMatchObject({ keyLength: 32, ivLength: 12, aead: true });
    expect(CIPHERS['aes192-ctr']).toMatchObject({ keyLength: 24, ivLength: 16, aead: false });
    expect(MACS['hmac-sha2-512-etm@openssh.com']).toMatchObject({ keyLength: 64, length: 64, etm: true });
    expect(MACS['hmac-sha1']).toMatchObject({ keyLength: 20, length: 20, etm: false });
    expect(COMPRESSIONS['zlib@openssh.com'].delayed).toBe(true);
    expect(COMPRESSIONS.zlib.delayed).toBe(false);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CIPHERS)).toBe(true);
    expect(Object.isFrozen(CIPHERS['aes128-ctr'])).toBe(true);
    expect(Object.isFrozen(DEFAULT_MACS)).toBe(true);
  });
});

describe.each(BACKENDS)('protection factory (%s backend)', (_n, crypto) => {
  it('refuses AES-CTR without a MAC, the none spec as keys, and wrong key sizes', () => {
    const noMac = keysFor('aes128-ctr', undefined);
    expect(() => createSealer(crypto, noMac)).toThrow(UsageError);
    expect(() => createOpener(crypto, noMac)).toThrow(UsageError);
    const none = { ...keysFor('aes128-ctr', 'hmac-sha2-256'), cipher: NONE_CIPHER };
    expect(() => createSealer(crypto, none)).toThrow(UsageError);
    const shortKey = { ...keysFor('chacha20-poly1305@openssh.com', undefined), key: new Uint8Array(32) };
    expect(() => createSealer(crypto, shortKey)).toThrow(UsageError);
    const shortMacKey = { ...keysFor('aes128-ctr', 'hmac-sha2-512'), macKey: new Uint8Array(32) };
    expect(() => createOpener(crypto, shortMacKey)).toThrow(UsageError);
  });

  it('ignores the MAC for AEAD ciphers', () => {
    const keys = { ...keysFor('aes128-gcm@openssh.com', undefined), mac: MACS['hmac-sha2-256'] };
    expect(createSealer(crypto, keys).trailerLength).toBe(16);
  });
});
