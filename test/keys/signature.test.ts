/**
 * Structurally bad signatures never verify and never throw: wrong algorithm names, ECDSA r/s outside
 * [1, n-1] or badly encoded (RFC 5656 §3.1.2), wrong Ed25519 lengths (RFC 8709 §6), RSA lengths
 * (RFC 8332 §3), keys with points off the curve, and random bytes.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { bigIntToBytes, bytesToBigInt, concatBytes, fromHex, utf8 } from '../../src/crypto/bytes.js';
import { type CryptoBackend, nobleCrypto, nodeCrypto } from '../../src/crypto/index.js';
import { UsageError } from '../../src/errors.js';
import { CURVE_PARAMS } from '../../src/keys/ec-point.js';
import {
  type EcdsaPublicKey,
  encodeSignature,
  generateKey,
  type PrivateKey,
  type PublicKey,
  parseSignature,
  verifySignature,
} from '../../src/keys/index.js';
import { SshReader } from '../../src/wire/reader.js';
import { SshWriter } from '../../src/wire/writer.js';

const backends: CryptoBackend[] = [nodeCrypto!, nobleCrypto];
const DATA = utf8('exchange hash H');
const { n: N256 } = CURVE_PARAMS.p256;

const sigBlob = (alg: string, inner: Uint8Array) => new SshWriter().string(alg).string(inner).bytes();
/** An ECDSA inner signature from raw mpint byte strings (so non-minimal and negative encodings can be built). */
const ecdsaInner = (r: Uint8Array, s: Uint8Array) => new SshWriter().string(r).string(s).bytes();
const mpintBytes = (v: bigint) => new SshWriter().mpint(v).bytes().subarray(4);

let ecKey: PrivateKey;
let edKey: PrivateKey;
let rsaKey: PrivateKey;
let ecR: bigint;
let ecS: bigint;
beforeAll(() => {
  ecKey = generateKey(nodeCrypto!, 'ecdsa-sha2-nistp256');
  edKey = generateKey(nodeCrypto!, 'ssh-ed25519');
  rsaKey = generateKey(nodeCrypto!, 'ssh-rsa', { bits: 2048 });
  const inner = new SshReader(parseSignature(ecKey.sign(nodeCrypto!, DATA)).signature);
  ecR = inner.mpint();
  ecS = inner.mpint();
});

describe.each(backends)('$name backend', (crypto) => {
  it('accepts the well-formed ECDSA signature and its high-S twin (OpenSSH does not require low S)', () => {
    const ok = sigBlob('ecdsa-sha2-nistp256', ecdsaInner(mpintBytes(ecR), mpintBytes(ecS)));
    const twin = sigBlob('ecdsa-sha2-nistp256', ecdsaInner(mpintBytes(ecR), mpintBytes(N256 - ecS)));
    expect(verifySignature(crypto, ecKey.publicKey, ok, DATA)).toBe(true);
    expect(verifySignature(crypto, ecKey.publicKey, twin, DATA)).toBe(true);
  });

  it.each([
    ['r = 0', () => ecdsaInner(mpintBytes(0n), mpintBytes(ecS))],
    ['s = 0', () => ecdsaInner(mpintBytes(ecR), mpintBytes(0n))],
    ['r = n', () => ecdsaInner(mpintBytes(N256), mpintBytes(ecS))],
    ['s = n', () => ecdsaInner(mpintBytes(ecR), mpintBytes(N256))],
    ['r + n (same value mod n)', () => ecdsaInner(mpintBytes(ecR + N256), mpintBytes(ecS))],
    ['r of 34 bytes', () => ecdsaInner(mpintBytes((1n << 264n) | ecR), mpintBytes(ecS))],
    [
      'negative r',
      () => ecdsaInner(concatBytes(new Uint8Array([0x80]), bigIntToBytes(ecR, 32)), mpintBytes(ecS)),
    ],
    [
      'non-minimal s',
      () => ecdsaInner(mpintBytes(ecR), concatBytes(new Uint8Array([0, 0]), bigIntToBytes(ecS, 32))),
    ],
    ['trailing mpint', () => concatBytes(ecdsaInner(mpintBytes(ecR), mpintBytes(ecS)), mpintBytes(1n))],
    ['raw r ‖ s instead of mpints', () => concatBytes(bigIntToBytes(ecR, 32), bigIntToBytes(ecS, 32))],
  ])('ECDSA: %s → false', (_, inner) => {
    expect(verifySignature(crypto, ecKey.publicKey, sigBlob('ecdsa-sha2-nistp256', inner()), DATA)).toBe(
      false,
    );
  });

  it('returns false for algorithm names that do not belong to the key', () => {
    const ecInner = parseSignature(ecKey.sign(crypto, DATA)).signature;
    expect(verifySignature(crypto, ecKey.publicKey, sigBlob('ecdsa-sha2-nistp384', ecInner), DATA)).toBe(
      false,
    );
    expect(verifySignature(crypto, ecKey.publicKey, sigBlob('ssh-dss', ecInner), DATA)).toBe(false);
    const edInner = parseSignature(edKey.sign(crypto, DATA)).signature;
    expect(verifySignature(crypto, edKey.publicKey, sigBlob('ssh-ed25519', edInner), DATA)).toBe(true);
    expect(verifySignature(crypto, edKey.publicKey, sigBlob('rsa-sha2-256', edInner), DATA)).toBe(false);
    const rsaInner = parseSignature(rsaKey.sign(crypto, DATA, 'rsa-sha2-256')).signature;
    // The algorithm name decides the hash: the same bytes under another rsa name must fail.
    expect(verifySignature(crypto, rsaKey.publicKey, sigBlob('rsa-sha2-512', rsaInner), DATA)).toBe(false);
    expect(verifySignature(crypto, rsaKey.publicKey, sigBlob('ssh-rsa', rsaInner), DATA)).toBe(false);
  });

  it('Ed25519: signatures of 63 and 65 bytes → false', () => {
    const inner = parseSignature(edKey.sign(crypto, DATA)).signature;
    expect(
      verifySignature(crypto, edKey.publicKey, sigBlob('ssh-ed25519', inner.subarray(0, 63)), DATA),
    ).toBe(false);
    expect(
      verifySignature(
        crypto,
        edKey.publicKey,
        sigBlob('ssh-ed25519', concatBytes(inner, new Uint8Array(1))),
        DATA,
      ),
    ).toBe(false);
  });

  it('RSA: longer than the modulus, equal to n, or empty → false', () => {
    const inner = parseSignature(rsaKey.sign(crypto, DATA)).signature;
    expect(inner.length).toBe(256);
    const n = rsaKey.type === 'ssh-rsa' ? rsaKey.rsa.n : 0n;
    for (const bad of [concatBytes(new Uint8Array(1), inner), bigIntToBytes(n, 256), new Uint8Array(0)]) {
      expect(verifySignature(crypto, rsaKey.publicKey, sigBlob('rsa-sha2-512', bad), DATA)).toBe(false);
    }
  });

  it('RSA: a signature with its leading zero byte dropped is left-padded and verifies (as OpenSSH tolerates)', () => {
    // About 1 in 256 signatures starts with 0x00: search deterministic messages for one (node signs fast).
    let message: Uint8Array = new Uint8Array(0);
    let inner: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 5000; i++) {
      message = utf8(`message ${i}`);
      inner = parseSignature(rsaKey.sign(nodeCrypto!, message, 'rsa-sha2-256')).signature;
      if (inner[0] === 0) break;
    }
    expect(inner[0]).toBe(0);
    const stripped = sigBlob('rsa-sha2-256', inner.subarray(1));
    expect(verifySignature(crypto, rsaKey.publicKey, stripped, message)).toBe(true);
    expect(verifySignature(crypto, rsaKey.publicKey, stripped, DATA)).toBe(false);
  });

  it('a key whose ECDSA point is off the curve verifies nothing and does not throw', () => {
    const good = ecKey.publicKey as EcdsaPublicKey;
    const point = good.point.slice();
    point[64] ^= 1;
    const forged: PublicKey = { ...good, point };
    expect(verifySignature(crypto, forged, ecKey.sign(crypto, DATA), DATA)).toBe(false);
    const infinity: PublicKey = { ...good, point: concatBytes(new Uint8Array([4]), new Uint8Array(64)) };
    expect(verifySignature(crypto, infinity, ecKey.sign(crypto, DATA), DATA)).toBe(false);
  });

  it('random signature blobs never verify and never throw (fast-check)', () => {
    const keys = [ecKey, edKey, rsaKey];
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1, 2),
        fc.constantFrom('ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512', 'x'),
        fc.uint8Array({ maxLength: 300 }),
        (k, alg, inner) => verifySignature(crypto, keys[k].publicKey, sigBlob(alg, inner), DATA) === false,
      ),
      { numRuns: 300, seed: 8332 },
    );
  });
});

describe('encodeSignature', () => {
  it('writes ECDSA r and s as minimal mpints (RFC 5656 §3.1.2)', () => {
    const raw = concatBytes(bigIntToBytes(1n, 32), bigIntToBytes(0x80n, 32));
    const blob = encodeSignature('ecdsa-sha2-nistp256', raw);
    expect(parseSignature(blob).signature).toEqual(fromHex('00000001' + '01' + '00000002' + '0080'));
  });

  it('refuses an ECDSA raw signature of the wrong size', () => {
    expect(() => encodeSignature('ecdsa-sha2-nistp384', new Uint8Array(64))).toThrow(UsageError);
  });

  it('wraps other algorithms unchanged', () => {
    const raw = fromHex('0102');
    expect(bytesToBigInt(parseSignature(encodeSignature('rsa-sha2-256', raw)).signature)).toBe(0x0102n);
  });
});
