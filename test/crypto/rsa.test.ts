import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HashAlg, RsaKey } from '../../src/crypto/backend.js';
import { concatBytes, toHex, utf8 } from '../../src/crypto/bytes.js';
import { cryptoBackends } from '../../src/crypto/index.js';
import { completeRsaCrt, emsaPkcs1v15Encode } from '../../src/crypto/rsa-pkcs1.js';
import { UsageError } from '../../src/errors.js';

// No published PKCS#1 v1.5 vector is used here: the oracle is OpenSSL itself. A 2048-bit key is generated
// with node's generateKeyPairSync, and since RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) is deterministic, the noble
// backend's bigint signature must equal OpenSSL's byte for byte, for every hash.

const ALGS: HashAlg[] = ['sha1', 'sha256', 'sha384', 'sha512'];

function jwkInt(s: string | undefined): bigint {
  return BigInt(`0x${Buffer.from(s ?? '', 'base64url').toString('hex')}`);
}

function rsaKeyFromJwk(j: JsonWebKey): Required<RsaKey> {
  return {
    n: jwkInt(j.n),
    e: jwkInt(j.e),
    d: jwkInt(j.d),
    p: jwkInt(j.p),
    q: jwkInt(j.q),
    dp: jwkInt(j.dp),
    dq: jwkInt(j.dq),
    qi: jwkInt(j.qi),
  };
}

let key: Required<RsaKey>;
let pub: RsaKey;

beforeAll(() => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  key = rsaKeyFromJwk(privateKey.export({ format: 'jwk' }));
  pub = { n: key.n, e: key.e };
});

const [first] = cryptoBackends;
const message = utf8('RSASSA-PKCS1-v1_5 cross-check');

describe.each(cryptoBackends)('$name backend: RSA PKCS#1 v1.5', (c) => {
  it.each(ALGS)('%s: same signature as every other backend, verified both ways', (alg) => {
    const sig = c.rsaSign(alg, key, message);
    expect(sig).toHaveLength(256);
    for (const other of cryptoBackends) {
      expect(toHex(other.rsaSign(alg, key, message))).toBe(toHex(sig));
      expect(other.rsaVerify(alg, pub, message, sig)).toBe(true);
    }
  });

  it('a flipped bit, another message or another hash do not verify', () => {
    const sig = c.rsaSign('sha256', key, message);
    const bad = Uint8Array.from(sig);
    bad[100] ^= 0x04;
    expect(c.rsaVerify('sha256', pub, message, bad)).toBe(false);
    expect(c.rsaVerify('sha256', pub, utf8('other'), sig)).toBe(false);
    expect(c.rsaVerify('sha512', pub, message, sig)).toBe(false);
  });

  it('signs with only n, e, d (no CRT values) and with d, p, q (CRT derived)', () => {
    const expected = toHex(first.rsaSign('sha256', key, message));
    expect(toHex(c.rsaSign('sha256', { n: key.n, e: key.e, d: key.d }, message))).toBe(expected);
    expect(toHex(c.rsaSign('sha256', { n: key.n, e: key.e, d: key.d, p: key.p, q: key.q }, message))).toBe(
      expected,
    );
  });

  it('accepts a signature shorter than the modulus (leading zeros stripped, as OpenSSH allows)', () => {
    // About 1 in 256 signatures starts with a zero byte; search deterministic messages for one.
    let sig: Uint8Array = new Uint8Array(0);
    let m: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 5000; i++) {
      m = utf8(`leading zero ${i}`);
      sig = first.rsaSign('sha256', key, m);
      if (sig[0] === 0) break;
    }
    expect(sig[0]).toBe(0);
    expect(c.rsaVerify('sha256', pub, m, sig.subarray(1))).toBe(true);
  });

  it('rejects oversized signatures, s ≥ n and absurd keys without throwing', () => {
    const sig = c.rsaSign('sha256', key, message);
    expect(c.rsaVerify('sha256', pub, message, concatBytes(Uint8Array.of(0), sig))).toBe(false);
    expect(c.rsaVerify('sha256', pub, message, new Uint8Array(256).fill(0xff))).toBe(false);
    expect(c.rsaVerify('sha256', { n: key.n, e: 1n }, message, sig)).toBe(false);
    expect(c.rsaVerify('sha256', { n: 0n, e: key.e }, message, sig)).toBe(false);
  });

  it('does not reuse a cached key after the caller changed the RsaKey object', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const other = rsaKeyFromJwk(privateKey.export({ format: 'jwk' }));
    const mutable: RsaKey = { ...key };
    c.rsaSign('sha256', mutable, message);
    Object.assign(mutable, other);
    const sig = c.rsaSign('sha256', mutable, message);
    expect(sig).toHaveLength(128);
    expect(c.rsaVerify('sha256', { n: other.n, e: other.e }, message, sig)).toBe(true);
  });

  it('signing without d is a UsageError', () => {
    expect(() => c.rsaSign('sha256', pub, message)).toThrow(UsageError);
  });
});

describe('rsa-pkcs1 helpers', () => {
  it('EMSA-PKCS1-v1_5 layout: 00 01 ff…ff 00 DigestInfo digest (RFC 8017 §9.2)', () => {
    const em = emsaPkcs1v15Encode('sha256', new Uint8Array(32).fill(0xab), 64)!;
    expect(toHex(em)).toBe(
      `0001${'ff'.repeat(64 - 3 - 51)}00` + `3031300d060960864801650304020105000420${'ab'.repeat(32)}`,
    );
    expect(emsaPkcs1v15Encode('sha512', new Uint8Array(64), 64 + 19 + 10)).toBeNull(); // PS would be 7 bytes
    expect(() => emsaPkcs1v15Encode('sha256', new Uint8Array(20), 256)).toThrow(UsageError);
  });

  it('completeRsaCrt derives dp, dq and qi from d, p, q', () => {
    expect(completeRsaCrt({ n: key.n, e: key.e, d: key.d, p: key.p, q: key.q })).toEqual(key);
    expect(completeRsaCrt({ n: key.n, e: key.e, d: key.d })).toBeUndefined();
  });

  it('a wrong CRT value still gives the correct signature (fault check, then d alone); a wrong d throws', () => {
    const expected = toHex(first.rsaSign('sha256', key, message));
    for (const c of cryptoBackends) {
      expect(toHex(c.rsaSign('sha256', { ...key, dp: key.dp + 1n }, message))).toBe(expected);
      expect(() => c.rsaSign('sha256', { n: key.n, e: key.e, d: key.d + 2n }, message)).toThrow(UsageError);
    }
  });
});
