/** AES in counter mode for SSH (RFC 4344 §4): the KDF's IV is the initial 128-bit counter block. */
import type { CryptoBackend, StreamCipher } from '../crypto/backend.js';
import { UsageError } from '../errors.js';

export const AES_BLOCK = 16;

/** One keystream per direction, continued across packets (RFC 4344 §4: the counter is never reset). */
export function createAesCtr(crypto: CryptoBackend, key: Uint8Array, iv: Uint8Array): StreamCipher {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new UsageError(`AES-CTR needs a 16-, 24- or 32-byte key, got ${key.length}`);
  }
  if (iv.length !== AES_BLOCK) throw new UsageError(`AES-CTR needs a 16-byte IV, got ${iv.length}`);
  return crypto.aesCtr(key, iv);
}
