/**
 * Cipher, MAC and compression algorithms as data: name → sizes and mode (RFC 4253 §6.3-§6.4, RFC 4344 §4,
 * RFC 5647 §5 with OpenSSH's naming, PROTOCOL.chacha20poly1305, PROTOCOL §1.6 for -etm MACs).
 * Tables have no prototype, so a peer-supplied name like `constructor` looks up nothing.
 */
import type { CipherSpec, MacSpec } from './types.js';

function table<T>(entries: readonly T[], key: (e: T) => string): Readonly<Record<string, T>> {
  const out: Record<string, T> = Object.create(null);
  for (const e of entries) out[key(e)] = Object.freeze(e);
  return Object.freeze(out);
}

/** The initial state before the first NEWKEYS (RFC 4253 §6: "none" until keys are in place). Never negotiable. */
export const NONE_CIPHER: CipherSpec = Object.freeze({
  name: 'none',
  mode: 'none',
  keyLength: 0,
  ivLength: 0,
  blockSize: 8,
  aead: false,
  tagLength: 0,
});

export const CIPHERS: Readonly<Record<string, CipherSpec>> = table<CipherSpec>(
  [
    // PROTOCOL.chacha20poly1305: 2 × 256-bit keys, no IV (the nonce is the sequence number), 8-byte "block".
    {
      name: 'chacha20-poly1305@openssh.com',
      mode: 'chacha20-poly1305',
      keyLength: 64,
      ivLength: 0,
      blockSize: 8,
      aead: true,
      tagLength: 16,
    },
    // RFC 5647 §7.1: 12-byte IV = 4-byte fixed field ‖ 8-byte invocation counter.
    {
      name: 'aes128-gcm@openssh.com',
      mode: 'aes-gcm',
      keyLength: 16,
      ivLength: 12,
      blockSize: 16,
      aead: true,
      tagLength: 16,
    },
    {
      name: 'aes256-gcm@openssh.com',
      mode: 'aes-gcm',
      keyLength: 32,
      ivLength: 12,
      blockSize: 16,
      aead: true,
      tagLength: 16,
    },
    // RFC 4344 §4: the IV is the initial 128-bit counter block.
    {
      name: 'aes128-ctr',
      mode: 'aes-ctr',
      keyLength: 16,
      ivLength: 16,
      blockSize: 16,
      aead: false,
      tagLength: 0,
    },
    {
      name: 'aes192-ctr',
      mode: 'aes-ctr',
      keyLength: 24,
      ivLength: 16,
      blockSize: 16,
      aead: false,
      tagLength: 0,
    },
    {
      name: 'aes256-ctr',
      mode: 'aes-ctr',
      keyLength: 32,
      ivLength: 16,
      blockSize: 16,
      aead: false,
      tagLength: 0,
    },
  ],
  (c) => c.name,
);

/** RFC 4253 §6.4, RFC 6668 §2 (sha2), OpenSSH PROTOCOL §1.6 (-etm). HMAC keys are the hash's output size. */
export const MACS: Readonly<Record<string, MacSpec>> = table<MacSpec>(
  [
    { name: 'hmac-sha2-256-etm@openssh.com', hash: 'sha256', keyLength: 32, length: 32, etm: true },
    { name: 'hmac-sha2-512-etm@openssh.com', hash: 'sha512', keyLength: 64, length: 64, etm: true },
    { name: 'hmac-sha2-256', hash: 'sha256', keyLength: 32, length: 32, etm: false },
    { name: 'hmac-sha2-512', hash: 'sha512', keyLength: 64, length: 64, etm: false },
    { name: 'hmac-sha1', hash: 'sha1', keyLength: 20, length: 20, etm: false },
    { name: 'hmac-sha1-etm@openssh.com', hash: 'sha1', keyLength: 20, length: 20, etm: true },
  ],
  (m) => m.name,
);

/** Our KEXINIT order, most preferred first. */
export const DEFAULT_CIPHERS: readonly string[] = Object.freeze([
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'chacha20-poly1305@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
]);

/** SHA-1 MACs stay available for old peers but are not offered unless asked for. */
export const DEFAULT_MACS: readonly string[] = Object.freeze([
  'hmac-sha2-256-etm@openssh.com',
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256',
  'hmac-sha2-512',
]);

export interface CompressionSpec {
  readonly name: string;
  readonly zlib: boolean;
  /**
   * `zlib@openssh.com` starts only after the server's USERAUTH_SUCCESS (both directions), so nothing
   * unauthenticated is ever inflated (OpenSSH, draft-miller-secsh-compression-delayed §2).
   */
  readonly delayed: boolean;
}

export const COMPRESSIONS: Readonly<Record<string, CompressionSpec>> = table<CompressionSpec>(
  [
    { name: 'none', zlib: false, delayed: false },
    { name: 'zlib@openssh.com', zlib: true, delayed: true },
    // RFC 4253 §6.2: starts right at NEWKEYS. Supported when asked for, never offered by default.
    { name: 'zlib', zlib: true, delayed: false },
  ],
  (c) => c.name,
);

export const DEFAULT_COMPRESSION: readonly string[] = Object.freeze(['none', 'zlib@openssh.com']);

/** For negotiation: an AEAD cipher makes the MAC list irrelevant for its direction. */
export function isAeadCipher(name: string): boolean {
  return CIPHERS[name]?.aead === true;
}
