/**
 * The default cipher order follows the crypto backend (issue 5: AES-GCM first where the CPU's AES
 * instructions are used; the pure-JS backend, what browsers get, prefers ChaCha20-Poly1305).
 */
import { firstValueFrom, zip } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { nobleCrypto, nodeCrypto } from '../../src/crypto/index.js';
import { connectedPair } from '../../src/testing/pair.js';
import { defaultPreferences } from '../../src/transport/algorithms.js';

async function negotiatedCipher(client: CryptoBackend, server: CryptoBackend): Promise<string> {
  const { client$, server$ } = connectedPair({ client: { crypto: client }, server: { crypto: server } });
  const [c] = await firstValueFrom(zip(client$, server$));
  return c.algorithms.cipherCS;
}

describe('default cipher order', () => {
  it('lists AES-GCM first for node:crypto and ChaCha20-Poly1305 first for the pure-JS backend', () => {
    expect(defaultPreferences().cipher[0]).toBe('aes128-gcm@openssh.com');
    expect(defaultPreferences(nobleCrypto).cipher[0]).toBe('chacha20-poly1305@openssh.com');
    expect([...defaultPreferences(nobleCrypto).cipher].sort()).toEqual(
      [...defaultPreferences().cipher].sort(),
    );
  });

  it.skipIf(!nodeCrypto)('two node:crypto peers negotiate AES-GCM', async () => {
    expect(await negotiatedCipher(nodeCrypto!, nodeCrypto!)).toBe('aes128-gcm@openssh.com');
  });

  it('a pure-JS client asks for ChaCha20-Poly1305 first, and gets it', async () => {
    expect(await negotiatedCipher(nobleCrypto, nobleCrypto)).toBe('chacha20-poly1305@openssh.com');
  });
});
