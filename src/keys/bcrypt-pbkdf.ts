/**
 * bcrypt_pbkdf, the KDF of encrypted openssh-key-v1 files (OpenSSH PROTOCOL.key, kdfname "bcrypt"; from
 * OpenBSD's bcrypt_pbkdf(3)). PBKDF2-like, but each block is a bcrypt-style hash of SHA-512 digests and
 * output bytes are interleaved across blocks ("stride") rather than concatenated.
 */
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, wipe } from '../crypto/bytes.js';
import { UsageError } from '../errors.js';
import { Blowfish } from './blowfish.js';

const HASH_BYTES = 32; // 8 words of "OxychromaticBlowfishSwatDynamite"
const MAGIC = new TextEncoder().encode('OxychromaticBlowfishSwatDynamite');

/** One block: EksBlowfish keyed by SHA-512(password) and SHA-512(salt ‖ …), 64 expansions, then 64 encryptions. */
function bcryptHash(sha2pass: Uint8Array, sha2salt: Uint8Array): Uint8Array {
  const bf = new Blowfish();
  bf.expand(sha2pass, sha2salt);
  for (let i = 0; i < 64; i++) {
    bf.expand(sha2salt);
    bf.expand(sha2pass);
  }
  const view = new DataView(MAGIC.buffer, MAGIC.byteOffset, MAGIC.byteLength);
  const words = new Uint32Array(HASH_BYTES / 4);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(4 * i); // big-endian in
  for (let i = 0; i < 64; i++) bf.encryptWords(words);
  const out = new Uint8Array(HASH_BYTES);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) outView.setUint32(4 * i, words[i], true); // little-endian out
  bf.p.fill(0);
  bf.s.fill(0);
  return out;
}

/**
 * Derives `keyLength` bytes from a password and salt with `rounds` iterations.
 * @throws UsageError for an empty password or salt, zero rounds, or an oversized request (as bcrypt_pbkdf(3))
 */
export function bcryptPbkdf(
  password: Uint8Array,
  salt: Uint8Array,
  keyLength: number,
  rounds: number,
): Uint8Array {
  if (
    password.length === 0 ||
    salt.length === 0 ||
    rounds < 1 ||
    keyLength < 1 ||
    keyLength > HASH_BYTES * HASH_BYTES
  ) {
    throw new UsageError('bcrypt_pbkdf: empty password or salt, zero rounds, or bad key length');
  }
  const stride = Math.ceil(keyLength / HASH_BYTES);
  const perBlock = Math.ceil(keyLength / stride);
  const sha2pass = sha512(password);
  const key = new Uint8Array(keyLength);
  for (let block = 1; block - 1 < stride; block++) {
    const counter = new Uint8Array(4);
    new DataView(counter.buffer).setUint32(0, block);
    let tmp = bcryptHash(sha2pass, sha512(concatBytes(salt, counter)));
    const out = tmp.slice();
    for (let i = 1; i < rounds; i++) {
      tmp = bcryptHash(sha2pass, sha512(tmp));
      for (let j = 0; j < HASH_BYTES; j++) out[j] ^= tmp[j];
    }
    // Output byte i of block b goes to position i·stride + (b − 1): bytes are interleaved across blocks.
    for (let i = 0; i < perBlock; i++) {
      const dest = i * stride + (block - 1);
      if (dest >= keyLength) break;
      key[dest] = out[i];
    }
    wipe(out, tmp);
  }
  wipe(sha2pass);
  return key;
}
