/**
 * The CryptoBackend on the audited pure-JS noble libraries: runs in browsers and workers, imports nothing
 * from Node. Slower than node:crypto and not constant-time where bigint is involved (RSA, modPow).
 * ChaCha20 and Poly1305 run in WebAssembly from this repository (wasm/) where it loads, about 5× and 9×
 * noble's speed; `createNobleBackend({ webAssembly: false })` keeps to noble's audited code alone.
 */

import { gcm } from '@noble/ciphers/aes.js';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { KexError, UsageError } from '../errors.js';
import type { AeadCipher, CryptoBackend, HashAlg, HashContext, Mac, NistCurve, RsaKey } from './backend.js';
import {
  assertBytes,
  assertChaCha20Args,
  assertNonZeroSecret,
  assertPeerPoint,
  assertX25519Peer,
  CURVE_SIZE,
  isUncompressedPoint,
} from './backend-checks.js';
import { modPowBigInt } from './mod-pow.js';
import { NobleAesCtr } from './noble-aes-ctr.js';
import { completeRsaCrt, rsaPkcs1Sign, rsaPkcs1Verify } from './rsa-pkcs1.js';
import { sharedWasmChaCha20, type WasmChaCha20 } from './wasm/chacha20.js';
import { poly1305Tag, sharedWasmPoly1305, type WasmPoly1305 } from './wasm/poly1305.js';

const HASHES = { sha1, sha256, sha384, sha512 } as const;

/** noble's curve objects already hash with the RFC 5656 §6.2.1 hash (p256→sha256, p384→sha384, p521→sha512). */
const CURVES = { p256, p384, p521 } as const;

/** noble's ChaCha counter argument stops below 2^32 − 1 (its MAX_COUNTER); SSH only ever uses blocks 0 and 1. */
const NOBLE_CHACHA_BLOCK_LIMIT = 2 ** 32 - 1;

function hash(alg: HashAlg, data: Uint8Array): Uint8Array {
  return HASHES[alg](data);
}

function createHash(alg: HashAlg): HashContext {
  const h = HASHES[alg].create();
  const ctx: HashContext = {
    update(data) {
      h.update(data);
      return ctx;
    },
    digest: () => h.digest(),
  };
  return ctx;
}

function createMac(alg: HashAlg, key: Uint8Array): Mac {
  // Hash the padded key once (RFC 2104 §2) and clone that state for every packet.
  const keyed = hmac.create(HASHES[alg], key);
  return {
    length: HASHES[alg].outputLen,
    compute(...parts) {
      const h = keyed.clone();
      for (const p of parts) h.update(p);
      return h.digest();
    },
  };
}

function aesGcm(key: Uint8Array): AeadCipher {
  assertBytes(key, [16, 32], 'AES-GCM key');
  const k = Uint8Array.from(key);
  return {
    seal(iv, aad, plaintext) {
      assertBytes(iv, [12], 'AES-GCM IV');
      return gcm(k, iv, aad).encrypt(plaintext);
    },
    open(iv, aad, ciphertextAndTag) {
      assertBytes(iv, [12], 'AES-GCM IV');
      if (ciphertextAndTag.length < 16) return null;
      try {
        return gcm(k, iv, aad).decrypt(ciphertextAndTag);
      } catch {
        return null; // the only failure left after the checks above is a tag mismatch
      }
    },
  };
}

function chacha20With(
  wasm: WasmChaCha20 | undefined,
  key: Uint8Array,
  nonce8: Uint8Array,
  counter: number,
  data: Uint8Array,
  out?: Uint8Array,
): Uint8Array {
  assertChaCha20Args(key, nonce8, counter, data, out);
  if (wasm) return wasm.xor(key, nonce8, counter, data, out);
  if (counter + Math.ceil(data.length / 64) > NOBLE_CHACHA_BLOCK_LIMIT) {
    throw new UsageError('chacha20 (noble): block counter beyond 2^32 - 2 is not supported');
  }
  // chacha20orig is Bernstein's layout: 64-bit counter in state words 12-13, 64-bit nonce in 14-15.
  const result = chacha20orig(key, nonce8, data, undefined, counter);
  if (out === undefined) return result;
  out.set(result); // noble refuses some overlaps of input and output; `out` may be `data` itself
  return out;
}

function x25519Shared(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  assertBytes(privateKey, [32], 'X25519 private key');
  assertX25519Peer(peerPublic);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(privateKey, peerPublic);
  } catch (cause) {
    // noble refuses the known low-order u-coordinates itself, before the ladder (RFC 7748 §6.1).
    throw new KexError('X25519 public value is of low order', 'peer', { cause });
  }
  return assertNonZeroSecret(shared);
}

function assertScalar(curve: NistCurve, privateKey: Uint8Array): void {
  assertBytes(privateKey, [CURVE_SIZE[curve]], `${curve} private key`);
  if (!CURVES[curve].utils.isValidSecretKey(privateKey)) {
    throw new UsageError(`${curve} private key is not in [1, n-1]`);
  }
}

function ecdhPublicKey(curve: NistCurve, privateKey: Uint8Array): Uint8Array {
  assertScalar(curve, privateKey);
  return CURVES[curve].getPublicKey(privateKey, false);
}

function ecdh(curve: NistCurve, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  assertScalar(curve, privateKey);
  assertPeerPoint(curve, peerPublic);
  let shared: Uint8Array;
  try {
    shared = CURVES[curve].getSharedSecret(privateKey, peerPublic, true);
  } catch (cause) {
    throw new KexError(`ECDH ${curve}: public value is not a point on the curve`, 'peer', { cause });
  }
  // RFC 5656 §4: the shared secret is the x-coordinate; drop the compressed-point prefix byte.
  return shared.subarray(1);
}

function ecdsaSign(curve: NistCurve, privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  assertScalar(curve, privateKey);
  // RFC 6979 deterministic k (no nonce drawn in JS from a random source). lowS off: plain ECDSA, as OpenSSH.
  return CURVES[curve].sign(message, privateKey, { lowS: false, prehash: true, format: 'compact' });
}

function ecdsaVerify(
  curve: NistCurve,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!isUncompressedPoint(curve, publicKey) || signature.length !== 2 * CURVE_SIZE[curve]) return false;
  try {
    // lowS off: peers (OpenSSH, OpenSSL) produce high-S signatures half the time and they are valid.
    return CURVES[curve].verify(signature, message, publicKey, {
      lowS: false,
      prehash: true,
      format: 'compact',
    });
  } catch {
    return false; // malformed point or r, s out of range
  }
}

function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    // zip215 off: RFC 8032 §5.1.7 checks (canonical S and A), matching OpenSSL's verifier.
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

function rsaSign(alg: HashAlg, key: RsaKey, message: Uint8Array): Uint8Array {
  return rsaPkcs1Sign(alg, hash(alg, message), completeRsaCrt(key) ?? key);
}

function rsaVerify(alg: HashAlg, key: RsaKey, message: Uint8Array, signature: Uint8Array): boolean {
  return rsaPkcs1Verify(alg, hash(alg, message), key, signature);
}

export interface NobleBackendOptions {
  /**
   * Run ChaCha20 and Poly1305 in this library's WebAssembly (default true; noble's code where WebAssembly is
   * unavailable). False keeps every primitive to noble's audited JavaScript.
   */
  webAssembly?: boolean;
}

export function createNobleBackend(options: NobleBackendOptions = {}): CryptoBackend {
  const useWasm = options.webAssembly !== false;
  // Looked up per call: each module is compiled on first use, and only when this backend is asked for it.
  const wasmChaCha20 = () => (useWasm ? sharedWasmChaCha20() : undefined);
  const wasmPoly1305 = (): WasmPoly1305 | undefined => (useWasm ? sharedWasmPoly1305() : undefined);
  return {
    ...nobleBase,
    chacha20: (key, nonce8, counter, data, out) =>
      chacha20With(wasmChaCha20(), key, nonce8, counter, data, out),
    poly1305: (key, message, out) => poly1305Tag(wasmPoly1305(), key, message, out),
  };
}

const nobleBase: Omit<CryptoBackend, 'chacha20' | 'poly1305'> = {
  name: 'noble',
  hash,
  createHash,
  hmac: (alg, key, ...parts) => createMac(alg, key).compute(...parts),
  createMac,
  aesCtr(key, iv) {
    assertBytes(key, [16, 24, 32], 'AES-CTR key');
    assertBytes(iv, [16], 'AES-CTR IV');
    return new NobleAesCtr(key, iv);
  },
  aesGcm,
  x25519PublicKey(privateKey) {
    assertBytes(privateKey, [32], 'X25519 private key');
    return x25519.getPublicKey(privateKey);
  },
  x25519: x25519Shared,
  ecdhPublicKey,
  ecdh,
  modPow: modPowBigInt,
  ed25519PublicKey(seed) {
    assertBytes(seed, [32], 'Ed25519 seed');
    return ed25519.getPublicKey(seed);
  },
  ed25519Sign(seed, message) {
    assertBytes(seed, [32], 'Ed25519 seed');
    return ed25519.sign(message, seed);
  },
  ed25519Verify,
  ecdsaSign,
  ecdsaVerify,
  rsaSign,
  rsaVerify,
};

/** The noble backend with ChaCha20 and Poly1305 in WebAssembly where it loads. */
export const nobleCrypto: CryptoBackend = createNobleBackend();
