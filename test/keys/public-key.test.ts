/**
 * Public key blob parsing: valid keys from the real ssh-keygen, hand-built invalid ones, and exhaustive
 * mutations (truncation at every length, trailing bytes, byte flips at every position) that must either
 * parse or raise DecodeError, never another exception type (OpenSSH regress unittests/sshkey fuzz set).
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigIntToBytes, concatBytes, fromBase64, fromHex } from '../../src/crypto/bytes.js';
import { DecodeError } from '../../src/errors.js';
import { CURVE_PARAMS } from '../../src/keys/ec-point.js';
import {
  DEFAULT_MIN_RSA_BITS,
  encodePublicKey,
  invalidPointReason,
  meetsMinRsaBits,
  type PublicKey,
  parsePublicKey,
  publicKeyFrom,
} from '../../src/keys/index.js';
import { SshWriter } from '../../src/wire/writer.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, tempDir } from './ssh-keygen.js';

/** Parses or throws DecodeError; any other exception fails the test. */
function parseOrDecodeError(blob: Uint8Array): PublicKey | DecodeError {
  try {
    return parsePublicKey(blob);
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
}

// RFC 8032 §7.1 TEST 1 public key.
const ED25519_PUB = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const ed25519Blob = (pub: Uint8Array) => new SshWriter().string('ssh-ed25519').string(pub).bytes();

/** The P-256 base point G (FIPS 186-4 D.1.2.3) as an uncompressed SEC1 point: a valid public point. */
const P256_G = p256.Point.BASE.toBytes(false);
const ecdsaBlob = (type: string, id: string, q: Uint8Array) =>
  new SshWriter().string(type).string(id).string(q).bytes();

const rsaBlob = (e: bigint, n: bigint) => new SshWriter().string('ssh-rsa').mpint(e).mpint(n).bytes();
/** An odd modulus of exactly `bits` bits (parsing checks size and parity, not primality). */
const oddModulus = (bits: number) => (1n << BigInt(bits - 1)) | 0x1234567n | 1n;

const tmp = tempDir();
const realBlobs: Record<string, Uint8Array> = {};
beforeAll(() => {
  for (const f of KEYGEN_FIXTURES) {
    const gen = generateWithSshKeygen(tmp.dir, `k_${f.t}${f.bits ?? ''}`, f);
    realBlobs[f.type] = fromBase64(gen.publicLine.split(' ')[1]);
  }
});
afterAll(() => tmp.cleanup());

describe('curve constants', () => {
  it('match @noble/curves (independent source) for p, b, n', () => {
    for (const [name, noble] of [
      ['p256', p256],
      ['p384', p384],
      ['p521', p521],
    ] as const) {
      const c = noble.Point.CURVE();
      expect(CURVE_PARAMS[name].p).toBe(c.p);
      expect(CURVE_PARAMS[name].b).toBe(c.b);
      expect(CURVE_PARAMS[name].n).toBe(c.n);
      expect(invalidPointReason(name, noble.Point.BASE.toBytes(false))).toBeNull();
    }
  });
});

describe('parsePublicKey: valid keys', () => {
  it('parses each ssh-keygen key type and re-encodes it to the same blob', () => {
    for (const f of KEYGEN_FIXTURES) {
      const key = parsePublicKey(realBlobs[f.type]);
      expect(key.type).toBe(f.type);
      expect(encodePublicKey(key)).toEqual(realBlobs[f.type]);
      if (key.type === 'ssh-rsa') expect(key.bits).toBe(2048);
    }
  });

  it('exposes the parsed fields', () => {
    const ed = parsePublicKey(ed25519Blob(ED25519_PUB));
    expect(ed.type === 'ssh-ed25519' && ed.publicKey).toEqual(ED25519_PUB);
    const ec = parsePublicKey(ecdsaBlob('ecdsa-sha2-nistp256', 'nistp256', P256_G));
    expect(ec.type === 'ecdsa-sha2-nistp256' && ec.curve).toBe('p256');
    expect(ec.type === 'ecdsa-sha2-nistp256' && ec.point).toEqual(P256_G);
  });

  it('accepts 1024-bit RSA at parse but meetsMinRsaBits refuses it by default', () => {
    const k1024 = parsePublicKey(rsaBlob(65537n, oddModulus(1024)));
    expect(k1024.type === 'ssh-rsa' && k1024.bits).toBe(1024);
    expect(DEFAULT_MIN_RSA_BITS).toBe(2048);
    expect(meetsMinRsaBits(k1024)).toBe(false);
    expect(meetsMinRsaBits(k1024, 1024)).toBe(true);
    expect(meetsMinRsaBits(parsePublicKey(rsaBlob(65537n, oddModulus(2048))))).toBe(true);
    expect(meetsMinRsaBits(parsePublicKey(ed25519Blob(ED25519_PUB)))).toBe(true);
  });

  it('publicKeyFrom builds and validates from fields', () => {
    expect(publicKeyFrom({ type: 'ssh-ed25519', publicKey: ED25519_PUB }).blob).toEqual(
      ed25519Blob(ED25519_PUB),
    );
    expect(() => publicKeyFrom({ type: 'ssh-ed25519', publicKey: new Uint8Array(31) })).toThrow(DecodeError);
  });
});

describe('parsePublicKey: invalid keys are DecodeErrors', () => {
  const offCurve = P256_G.slice();
  offCurve[64] ^= 1;
  const compressed = concatBytes(new Uint8Array([0x02]), P256_G.subarray(1, 33));
  const zeroPoint = concatBytes(new Uint8Array([4]), new Uint8Array(64));
  const nonMinimalE = new SshWriter()
    .string('ssh-rsa')
    .string(fromHex('00010001'))
    .mpint(oddModulus(2048))
    .bytes();
  const negativeE = new SshWriter()
    .string('ssh-rsa')
    .string(fromHex('810001'))
    .mpint(oddModulus(2048))
    .bytes();
  const xTooBig = concatBytes(
    new Uint8Array([0x04]),
    bigIntToBytes(CURVE_PARAMS.p256.p, 32),
    P256_G.subarray(33),
  );
  const cases: [string, Uint8Array, RegExp][] = [
    // CVE-2020-9283 (Go x/crypto): wrong-length ed25519 keys must be parse errors, not crashes.
    ['ed25519 key of 0 bytes', ed25519Blob(new Uint8Array(0)), /0 bytes, expected 32/],
    ['ed25519 key of 31 bytes', ed25519Blob(new Uint8Array(31)), /31 bytes, expected 32/],
    ['ed25519 key of 33 bytes', ed25519Blob(new Uint8Array(33)), /over the limit/],
    ['ed25519 key of 64 bytes', ed25519Blob(new Uint8Array(64)), /over the limit/],
    [
      'curve name disagrees with the type',
      ecdsaBlob('ecdsa-sha2-nistp256', 'nistp384', P256_G),
      /does not match/,
    ],
    [
      'p256 point under the p384 type',
      ecdsaBlob('ecdsa-sha2-nistp384', 'nistp384', P256_G),
      /65 bytes, expected 97/,
    ],
    ['point not on the curve', ecdsaBlob('ecdsa-sha2-nistp256', 'nistp256', offCurve), /not on the curve/],
    ['compressed point', ecdsaBlob('ecdsa-sha2-nistp256', 'nistp256', compressed), /33 bytes/],
    ['coordinate not reduced mod p', ecdsaBlob('ecdsa-sha2-nistp256', 'nistp256', xTooBig), /not reduced/],
    ['all-zero point', ecdsaBlob('ecdsa-sha2-nistp256', 'nistp256', zeroPoint), /not on the curve/],
    ['RSA modulus of 1023 bits', rsaBlob(65537n, oddModulus(1023)), /1023 bits is under 1024/],
    ['RSA modulus of 16392 bits', rsaBlob(65537n, oddModulus(16392)), /over the limit/],
    ['RSA even modulus', rsaBlob(65537n, oddModulus(2048) - 1n), /modulus is even/],
    ['RSA exponent 1', rsaBlob(1n, oddModulus(2048)), /exponent/],
    ['RSA even exponent', rsaBlob(65536n, oddModulus(2048)), /exponent/],
    ['RSA non-minimal mpint', nonMinimalE, /non-minimal/],
    ['RSA negative mpint', negativeE, /negative/],
    [
      'unknown type',
      new SshWriter().string('ssh-dss').string(new Uint8Array(20)).bytes(),
      /unknown key type 'ssh-dss'/,
    ],
    [
      'certificate type',
      new SshWriter().string('ssh-ed25519-cert-v01@openssh.com').bytes(),
      /unknown key type/,
    ],
    ['empty blob', new Uint8Array(0), /truncated/],
  ];
  it.each(cases)('%s', (_, blob, message) => {
    expect(() => parsePublicKey(blob)).toThrow(DecodeError);
    expect(() => parsePublicKey(blob)).toThrow(message);
  });

  it('refuses every truncation and a trailing byte of each real key type', () => {
    for (const blob of Object.values(realBlobs)) {
      for (let n = 0; n < blob.length; n++)
        expect(parseOrDecodeError(blob.subarray(0, n))).toBeInstanceOf(DecodeError);
      expect(parseOrDecodeError(concatBytes(blob, new Uint8Array([0])))).toBeInstanceOf(DecodeError);
    }
  });

  it('never throws anything but DecodeError for a flipped byte at any position', () => {
    for (const blob of Object.values(realBlobs)) {
      for (let i = 0; i < blob.length; i++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const m = blob.slice();
          m[i] ^= mask;
          parseOrDecodeError(m);
        }
      }
    }
  });

  it('never throws anything but DecodeError on random input (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        parseOrDecodeError(bytes);
      }),
      { numRuns: 2000, seed: 4253 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...KEYGEN_FIXTURES.map((f) => f.type)),
        fc.uint8Array({ maxLength: 300 }),
        (type, tail) => {
          parseOrDecodeError(concatBytes(new SshWriter().string(type).bytes(), tail));
        },
      ),
      { numRuns: 2000, seed: 6656 },
    );
  });
});
