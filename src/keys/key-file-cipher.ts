/**
 * Encryption of the openssh-key-v1 private section (OpenSSH PROTOCOL.key): a cipher from OpenSSH's list
 * keyed by bcrypt_pbkdf(passphrase, salt, rounds), which yields key ‖ IV in one output. Uses @noble/ciphers
 * directly rather than a CryptoBackend: key files are read once, off the packet path, and this keeps
 * `parsePrivateKeyFile(text, passphrase)` free of a backend argument.
 *
 *     kdfoptions for "bcrypt":  string salt ‖ uint32 rounds
 */
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { ctr, gcm } from '@noble/ciphers/aes.js';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { equalBytes, utf8, wipe } from '../crypto/bytes.js';
import { DecodeError, UsageError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';
import { bcryptPbkdf } from './bcrypt-pbkdf.js';

export interface KeyFileCipher {
  keyLength: number;
  ivLength: number;
  blockSize: number;
  /** AEAD tag bytes stored after the private section string (0 for CTR). */
  tagLength: number;
  /** Returns null when an AEAD tag does not verify. */
  decrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array, tag: Uint8Array): Uint8Array | null;
  /** Returns ciphertext ‖ tag. */
  encrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array;
}

const aesCtr = (keyLength: number): KeyFileCipher => ({
  keyLength,
  ivLength: 16,
  blockSize: 16,
  tagLength: 0,
  decrypt: (key, iv, data) => ctr(key, iv).decrypt(data),
  encrypt: (key, iv, data) => ctr(key, iv).encrypt(data),
});

/** AES-GCM as OpenSSH's cipher.c uses it for key files: 12-byte IV from the KDF, no AAD, 16-byte tag. */
const aesGcm = (keyLength: number): KeyFileCipher => ({
  keyLength,
  ivLength: 12,
  blockSize: 16,
  tagLength: 16,
  decrypt: (key, iv, data, tag) => {
    const both = new Uint8Array(data.length + tag.length);
    both.set(data);
    both.set(tag, data.length);
    try {
      return gcm(key, iv).decrypt(both);
    } catch {
      return null; // tag mismatch
    }
  },
  encrypt: (key, iv, data) => gcm(key, iv).encrypt(data),
});

/**
 * chacha20-poly1305@openssh.com as OpenSSH's cipher-chachapoly.c applies it to a key file: the transport
 * construction (PROTOCOL.chacha20poly1305) with sequence number 0 and no encrypted length field (sshkey.c
 * calls cipher_crypt with aadlen 0). cipher.c gives it a 64-byte key, no IV, 8-byte blocks, 16-byte tag.
 *
 *     K_main = key[0..32]  (key[32..64] keys only the packet length, which a key file does not have)
 *     nonce  = uint64 0, big-endian
 *     ciphertext = ChaCha20(K_main, nonce, counter 1) ⊕ private section
 *     tag        = Poly1305(key = ChaCha20(K_main, nonce, counter 0)[0..32], ciphertext)
 */
const ZERO_NONCE = new Uint8Array(8);
const chachaPolyTag = (key: Uint8Array, ciphertext: Uint8Array): Uint8Array => {
  const polyKey = chacha20orig(key.subarray(0, 32), ZERO_NONCE, new Uint8Array(32), undefined, 0);
  const tag = poly1305(ciphertext, polyKey);
  wipe(polyKey);
  return tag;
};
const chachaPoly: KeyFileCipher = {
  keyLength: 64,
  ivLength: 0,
  blockSize: 8,
  tagLength: 16,
  decrypt: (key, _iv, data, tag) => {
    // Authenticate before decrypting anything, as cipher-chachapoly.c does.
    if (!equalBytes(chachaPolyTag(key, data), tag)) return null;
    return chacha20orig(key.subarray(0, 32), ZERO_NONCE, data, undefined, 1);
  },
  encrypt: (key, _iv, data) => {
    const out = new Uint8Array(data.length + 16);
    chacha20orig(key.subarray(0, 32), ZERO_NONCE, data, out.subarray(0, data.length), 1);
    out.set(chachaPolyTag(key, out.subarray(0, data.length)), data.length);
    return out;
  },
};

/** The ciphers OpenSSH offers for key files that we support (cipher.c; ssh-keygen -Z). */
export const KEY_FILE_CIPHERS: Readonly<Record<string, KeyFileCipher>> = {
  'aes128-ctr': aesCtr(16),
  'aes192-ctr': aesCtr(24),
  'aes256-ctr': aesCtr(32),
  'aes128-gcm@openssh.com': aesGcm(16),
  'aes256-gcm@openssh.com': aesGcm(32),
  'chacha20-poly1305@openssh.com': chachaPoly,
};

/** ssh-keygen's defaults for new encrypted keys (sshkey.c DEFAULT_CIPHERNAME, DEFAULT_ROUNDS). */
export const DEFAULT_KEY_FILE_CIPHER = 'aes256-ctr';
export const DEFAULT_BCRYPT_ROUNDS = 16;
/**
 * A key file names its own work factor; a hostile file could ask for billions of rounds and hang the loader.
 * ssh-keygen's -a help suggests 16 to 100; 10 000 leaves ample room for deliberate hardening.
 */
export const MAX_BCRYPT_ROUNDS = 10_000;

export interface BcryptOptions {
  salt: Uint8Array;
  rounds: number;
}

export function parseBcryptOptions(kdfOptions: Uint8Array): BcryptOptions {
  const r = new SshReader(kdfOptions, 'bcrypt kdfoptions');
  const salt = r.string('salt', 1024);
  const rounds = r.uint32('rounds');
  r.end();
  if (salt.length === 0 || rounds === 0)
    throw new DecodeError('bcrypt kdfoptions: empty salt or zero rounds');
  if (rounds > MAX_BCRYPT_ROUNDS)
    throw new DecodeError(`bcrypt kdfoptions: ${rounds} rounds is over the limit of ${MAX_BCRYPT_ROUNDS}`);
  return { salt, rounds };
}

export function encodeBcryptOptions(o: BcryptOptions): Uint8Array {
  return new SshWriter(32).string(o.salt).uint32(o.rounds).bytes();
}

/** bcrypt_pbkdf → key ‖ IV for `cipher`. The caller wipes both. */
export function deriveKeyFileKey(
  passphrase: string,
  o: BcryptOptions,
  cipher: KeyFileCipher,
): { key: Uint8Array; iv: Uint8Array } {
  const pass = utf8(passphrase);
  if (pass.length === 0) throw new UsageError('an empty passphrase cannot encrypt or decrypt a key file');
  const out = bcryptPbkdf(pass, o.salt, cipher.keyLength + cipher.ivLength, o.rounds);
  wipe(pass);
  return { key: out.subarray(0, cipher.keyLength), iv: out.subarray(cipher.keyLength) };
}
