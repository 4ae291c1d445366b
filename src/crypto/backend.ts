/**
 * The one crypto interface. Two backends implement it: `node:crypto` (native, fast) and the noble libraries
 * (browsers, workers). Everything is synchronous (the packet path must not await) and stateless from the
 * caller's view; key material is passed as plain data (`Uint8Array`, `bigint`), and a backend may cache its
 * own imported key objects keyed by those arrays. Randomness is never drawn inside: callers pass bytes from an
 * injected `RandomSource`, except where a platform signature primitive draws its own nonce (node ECDSA).
 */

export type HashAlg = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type NistCurve = 'p256' | 'p384' | 'p521';

/** Returns `n` cryptographically random bytes (or deterministic ones in tests). */
export type RandomSource = (n: number) => Uint8Array;

export interface HashContext {
  update(data: Uint8Array): HashContext;
  digest(): Uint8Array;
}

/** A keyed stream cipher whose state advances with each call (AES-CTR). Output has the input's length. */
export interface StreamCipher {
  update(data: Uint8Array): Uint8Array;
}

/** AES-GCM bound to one key. `seal` returns ciphertext ‖ 16-byte tag; `open` returns null on a bad tag. */
export interface AeadCipher {
  seal(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  open(iv: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
  /**
   * Optional: `seal` writing ciphertext ‖ tag into `out` at `at` (`plaintext` may be a view of `out`), so the
   * AES-GCM sealer (cipher/aes-gcm.ts) seals a packet with one copy of its bytes instead of three.
   */
  sealInto?(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, at: number): void;
  /**
   * Optional: ciphertext and tag as the two buffers the cipher produced (node:crypto's `update()` and
   * `getAuthTag()`), so a packet sent in parts costs no copy after encryption.
   */
  sealParts?(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): readonly [Uint8Array, Uint8Array];
}

/** A keyed MAC computed over several parts (e.g. sequence number ‖ packet). */
export interface Mac {
  readonly length: number;
  compute(...parts: Uint8Array[]): Uint8Array;
}

/** RSA key material as integers (PKCS#1 / RFC 8017 §3). Private fields are present for private keys. */
export interface RsaKey {
  n: bigint;
  e: bigint;
  d?: bigint;
  p?: bigint;
  q?: bigint;
  dp?: bigint;
  dq?: bigint;
  qi?: bigint;
}

export interface KeyPair {
  /** Private scalar or seed (X25519: 32 bytes; NIST: big-endian scalar of the curve's size). */
  privateKey: Uint8Array;
  /** Public value (X25519: 32 bytes; NIST: uncompressed SEC1 point 0x04 ‖ X ‖ Y). */
  publicKey: Uint8Array;
}

export interface CryptoBackend {
  readonly name: 'node' | 'noble';

  hash(alg: HashAlg, data: Uint8Array): Uint8Array;
  createHash(alg: HashAlg): HashContext;
  hmac(alg: HashAlg, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array;
  createMac(alg: HashAlg, key: Uint8Array): Mac;

  /** AES in CTR mode (RFC 4344 §4), 16/24/32-byte key selects AES-128/192/256; `iv` is the 16-byte counter block. */
  aesCtr(key: Uint8Array, iv: Uint8Array): StreamCipher;
  /** AES-GCM (NIST SP 800-38D) with a 12-byte IV and 16-byte tag; 16- or 32-byte key. */
  aesGcm(key: Uint8Array): AeadCipher;
  /**
   * ChaCha20 as D. J. Bernstein first defined it: 64-bit nonce, 64-bit block counter (the variant that
   * OpenSSH's chacha20-poly1305@openssh.com uses, PROTOCOL.chacha20poly1305). XORs `data` with the keystream
   * from block `counter` on. The result goes into `out` when given (as long as `data`; it may be `data` itself,
   * to encrypt in place), sparing the packet path an allocation and a copy; else into a new array.
   */
  chacha20(
    key: Uint8Array,
    nonce8: Uint8Array,
    counter: number,
    data: Uint8Array,
    out?: Uint8Array,
  ): Uint8Array;
  /**
   * Poly1305 one-time authenticator (RFC 8439 §2.5), 32-byte key, 16-byte tag (into `out` when given). The
   * message may come in parts, authenticated as their concatenation, so a caller need not join them first.
   */
  poly1305(key: Uint8Array, message: Uint8Array | readonly Uint8Array[], out?: Uint8Array): Uint8Array;

  /** X25519 (RFC 7748). `privateKey` is 32 random bytes, clamped inside. */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** Throws when the result is all zero (RFC 7748 §6.1, RFC 8731 §3): low-order or zero public values. */
  x25519(privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array;

  /** ECDH on a NIST curve. `privateKey` is a scalar in [1, n-1]; throws on a point not on the curve. */
  ecdhPublicKey(curve: NistCurve, privateKey: Uint8Array): Uint8Array;
  ecdh(curve: NistCurve, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array;

  /** Finite-field Diffie-Hellman: g^x mod p, and peer^x mod p. */
  modPow(base: bigint, exponent: bigint, modulus: bigint): bigint;

  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;

  /** ECDSA with the curve's SSH hash (RFC 5656 §6.2.1: p256→sha256, p384→sha384, p521→sha512). Signature is r ‖ s, each the curve's size. */
  ecdsaSign(curve: NistCurve, privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  ecdsaVerify(curve: NistCurve, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;

  /** RSASSA-PKCS1-v1_5 (RFC 8017 §8.2). Signature is the modulus's size in bytes. */
  rsaSign(hash: HashAlg, key: RsaKey, message: Uint8Array): Uint8Array;
  rsaVerify(hash: HashAlg, key: RsaKey, message: Uint8Array, signature: Uint8Array): boolean;
}
