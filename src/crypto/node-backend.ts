/**
 * The CryptoBackend on node:crypto (OpenSSL): native speed, and ECDSA nonces drawn inside OpenSSL.
 *
 * This file only *types* node:crypto; the module itself is handed in by `createNodeBackend`, so a browser
 * bundle that never calls it never has to resolve `node:crypto` (see index.ts). Signatures live in
 * node-signatures.ts. Node 20 exposes no Poly1305: both backends use the WebAssembly one (wasm/poly1305.ts),
 * or noble's where WebAssembly is unavailable. Short ChaCha20 inputs also go to WebAssembly (see below).
 */

import { KexError } from '../errors.js';
import type { AeadCipher, CryptoBackend, HashAlg, HashContext, Mac, NistCurve } from './backend.js';
import {
  assertBytes,
  assertChaCha20Args,
  assertNonZeroSecret,
  assertPeerPoint,
  assertX25519Peer,
} from './backend-checks.js';
import { bigIntToBytes, bytesToBigInt, concatBytes } from './bytes.js';
import { assertModPowArgs, modPowBigInt } from './mod-pow.js';
import {
  importOkpPrivate,
  importOkpPublic,
  type NodeCrypto,
  nodeEcdh,
  okpPublicBytes,
  u8,
} from './node-key-objects.js';
import { createNodeSigners } from './node-signatures.js';
import { sharedWasmChaCha20 } from './wasm/chacha20.js';
import { poly1305Tag, sharedWasmPoly1305 } from './wasm/poly1305.js';

/** Below this size bigint square-and-multiply is as fast as a round trip through OpenSSL. */
const NATIVE_MODPOW_MIN_BITS = 1024;

/**
 * Each createCipheriv costs about 2.5 µs before the first byte; up to this many bytes the WebAssembly ChaCha20
 * (wasm/chacha20.ts, 1.3 GB/s) is done sooner than OpenSSL (measured: 3.2 against 4.2 µs at 4 KiB, 6.3
 * against 5.3 at 8 KiB). chacha20-poly1305@openssh.com's packet length and Poly1305 key always go that way.
 */
const WASM_CHACHA_MAX_BYTES = 4096;

/** Builds the backend over a loaded `node:crypto` module. */
export function createNodeBackend(nc: NodeCrypto): CryptoBackend {
  function createHash(alg: HashAlg): HashContext {
    const h = nc.createHash(alg);
    const ctx: HashContext = {
      update(data) {
        h.update(data);
        return ctx;
      },
      digest: () => u8(h.digest()),
    };
    return ctx;
  }

  function createMac(alg: HashAlg, key: Uint8Array): Mac {
    const k = Uint8Array.from(key);
    return {
      length: { sha1: 20, sha256: 32, sha384: 48, sha512: 64 }[alg],
      compute(...parts) {
        const h = nc.createHmac(alg, k);
        for (const p of parts) h.update(p);
        return u8(h.digest());
      },
    };
  }

  function aesGcm(key: Uint8Array): AeadCipher {
    assertBytes(key, [16, 32], 'AES-GCM key');
    const k = Uint8Array.from(key);
    const alg = k.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
    function sealParts(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) {
      assertBytes(iv, [12], 'AES-GCM IV');
      const c = nc.createCipheriv(alg, k, iv, { authTagLength: 16 });
      c.setAAD(aad);
      const body = c.update(plaintext);
      c.final(); // GCM is a stream mode: final() emits nothing
      return { body, tag: c.getAuthTag() };
    }
    return {
      seal(iv, aad, plaintext) {
        const { body, tag } = sealParts(iv, aad, plaintext);
        return concatBytes(body, tag);
      },
      // The cipher's own two buffers, for a packet written in parts (no join, no copy).
      sealParts(iv, aad, plaintext) {
        const { body, tag } = sealParts(iv, aad, plaintext);
        return [u8(body), u8(tag)] as const;
      },
      sealInto(iv, aad, plaintext, out, at) {
        // update() returns a fresh buffer, so `plaintext` may be a view of `out` (sealing a packet in place).
        const { body, tag } = sealParts(iv, aad, plaintext);
        out.set(body, at);
        out.set(tag, at + body.length);
      },
      open(iv, aad, ciphertextAndTag) {
        assertBytes(iv, [12], 'AES-GCM IV');
        if (ciphertextAndTag.length < 16) return null;
        const split = ciphertextAndTag.length - 16;
        const d = nc.createDecipheriv(alg, k, iv, { authTagLength: 16 });
        d.setAuthTag(ciphertextAndTag.subarray(split));
        d.setAAD(aad);
        const body = d.update(ciphertextAndTag.subarray(0, split));
        try {
          d.final(); // throws on a tag mismatch; the plaintext is dropped unread
        } catch {
          return null;
        }
        return u8(body);
      },
    };
  }

  // createCipheriv copies the IV, so one buffer serves every call.
  const chachaIv = new Uint8Array(16);
  const chachaIvView = new DataView(chachaIv.buffer);

  function chacha20(
    key: Uint8Array,
    nonce8: Uint8Array,
    counter: number,
    data: Uint8Array,
    out?: Uint8Array,
  ): Uint8Array {
    assertChaCha20Args(key, nonce8, counter, data, out);
    const wasm = data.length <= WASM_CHACHA_MAX_BYTES ? sharedWasmChaCha20() : undefined;
    if (wasm) return wasm.xor(key, nonce8, counter, data, out);
    // OpenSSL's 16-byte IV is state words 12-15 in little-endian order and carries word 12 into word 13.
    // Bernstein's layout puts the 64-bit counter in words 12-13 and the nonce in 14-15, so the IV is
    // LE64(counter) ‖ nonce8.
    chachaIvView.setUint32(0, counter % 2 ** 32, true);
    chachaIvView.setUint32(4, Math.floor(counter / 2 ** 32), true);
    chachaIv.set(nonce8, 8);
    // update() returns a new buffer, so `out` may be `data` itself.
    const result = u8(nc.createCipheriv('chacha20', key, chachaIv).update(data));
    if (out === undefined) return result;
    out.set(result);
    return out;
  }

  function x25519(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
    assertBytes(privateKey, [32], 'X25519 private key');
    assertX25519Peer(peerPublic);
    let shared: Uint8Array;
    try {
      shared = u8(
        nc.diffieHellman({
          privateKey: importOkpPrivate(nc, 'X25519', privateKey),
          publicKey: importOkpPublic(nc, 'X25519', peerPublic),
        }),
      );
    } catch (cause) {
      // OpenSSL refuses an all-zero result itself (ERR_OSSL_FAILED_DURING_DERIVATION), RFC 7748 §6.1.
      throw new KexError('X25519 public value is of low order', 'peer', { cause });
    }
    return assertNonZeroSecret(shared);
  }

  function ecdh(curve: NistCurve, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
    const e = nodeEcdh(nc, curve, privateKey);
    assertPeerPoint(curve, peerPublic);
    try {
      return u8(e.computeSecret(peerPublic)); // the x-coordinate, field-size bytes (RFC 5656 §4)
    } catch (cause) {
      throw new KexError(`ECDH ${curve}: public value is not a point on the curve`, 'peer', { cause });
    }
  }

  /**
   * OpenSSL's modular exponentiation through a DH object: with prime := modulus and private key := exponent,
   * computeSecret(base) is base^exponent mod modulus. Used where it is valid (odd modulus, 1 < base < m − 1,
   * the range DH_check_pub_key allows) and worth it; anything else, or any refusal, takes the bigint path.
   */
  // OpenSSL checks an unknown DH prime for safety when the object is made (about 1.5 s for 3072 bits, with
  // the event loop blocked); for the named groups it skips that. So only those take the native path; primes
  // from a group exchange (the server's moduli file) use bigint arithmetic, which is fast enough there.
  let namedPrimes: Set<string> | undefined;
  const isNamedPrime = (modulus: bigint) => {
    namedPrimes ??= new Set(
      ['modp1', 'modp2', 'modp5', 'modp14', 'modp15', 'modp16', 'modp17', 'modp18'].map((g) =>
        nc.getDiffieHellman(g).getPrime('hex').replace(/^0+/, ''),
      ),
    );
    return namedPrimes.has(modulus.toString(16));
  };

  function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
    assertModPowArgs(exponent, modulus);
    const b = ((base % modulus) + modulus) % modulus;
    const bits = modulus.toString(2).length;
    if (
      bits >= NATIVE_MODPOW_MIN_BITS &&
      isNamedPrime(modulus) &&
      (modulus & 1n) === 1n &&
      b > 1n &&
      b < modulus - 1n &&
      exponent > 0n
    ) {
      try {
        const size = Math.ceil(bits / 8);
        const dh = nc.createDiffieHellman(Buffer.from(bigIntToBytes(modulus, size)), Buffer.from([2]));
        dh.setPrivateKey(Buffer.from(bigIntToBytes(exponent)));
        return bytesToBigInt(dh.computeSecret(Buffer.from(bigIntToBytes(b, size))));
      } catch {
        // fall through: OpenSSL refused (e.g. a modulus above its DH size limit)
      }
    }
    return modPowBigInt(b, exponent, modulus);
  }

  return {
    name: 'node',
    hash: (alg, data) => u8(nc.createHash(alg).update(data).digest()),
    createHash,
    hmac: (alg, key, ...parts) => createMac(alg, key).compute(...parts),
    createMac,
    aesCtr(key, iv) {
      assertBytes(key, [16, 24, 32], 'AES-CTR key');
      assertBytes(iv, [16], 'AES-CTR IV');
      // OpenSSL's CTR mode increments the whole 16-byte block big-endian and keeps the partial-block offset.
      const c = nc.createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
      return { update: (data) => u8(c.update(data)) };
    },
    aesGcm,
    chacha20,
    poly1305: (key, message, out) => poly1305Tag(sharedWasmPoly1305(), key, message, out),
    x25519PublicKey(privateKey) {
      assertBytes(privateKey, [32], 'X25519 private key');
      return okpPublicBytes(nc, importOkpPrivate(nc, 'X25519', privateKey));
    },
    x25519,
    ecdhPublicKey: (curve, privateKey) => u8(nodeEcdh(nc, curve, privateKey).getPublicKey()),
    ecdh,
    modPow,
    ...createNodeSigners(nc),
  };
}
