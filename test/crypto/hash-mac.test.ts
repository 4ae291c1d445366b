import { describe, expect, it } from 'vitest';
import type { HashAlg } from '../../src/crypto/backend.js';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { cryptoBackends } from '../../src/crypto/index.js';

// FIPS 180-2, Appendix A.1 / B.1 / C.1 / D.1 ("One-Block Message" "abc"); SHA-1 from FIPS 180-1 Appendix A.
const ABC_DIGESTS: Record<HashAlg, string> = {
  sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
  sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  sha384: 'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
  sha512:
    'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
    '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
};

// RFC 4231 §4.2, §4.3 and §4.7: test cases 1, 2 and 6 (key longer than the block size).
const RFC4231 = [
  {
    name: 'test case 1',
    key: fromHex('0b'.repeat(20)),
    data: utf8('Hi There'),
    sha256: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    sha512:
      '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde' +
      'daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854',
  },
  {
    name: 'test case 2',
    key: utf8('Jefe'),
    data: utf8('what do ya want for nothing?'),
    sha256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    sha512:
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554' +
      '9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  },
  {
    name: 'test case 6',
    key: fromHex('aa'.repeat(131)),
    data: utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
    sha256: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    sha512:
      '80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352' +
      '6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598',
  },
];

const ALGS: HashAlg[] = ['sha1', 'sha256', 'sha384', 'sha512'];

describe.each(cryptoBackends)('$name backend: hashes and HMAC', (c) => {
  it.each(ALGS)('%s("abc") matches FIPS 180', (alg) => {
    expect(toHex(c.hash(alg, utf8('abc')))).toBe(ABC_DIGESTS[alg]);
  });

  it.each(ALGS)('%s incremental context gives the one-shot digest', (alg) => {
    const ctx = c.createHash(alg);
    expect(ctx.update(utf8('a')).update(new Uint8Array(0)).update(utf8('bc'))).toBe(ctx);
    expect(toHex(ctx.digest())).toBe(ABC_DIGESTS[alg]);
  });

  it('returns plain Uint8Arrays', () => {
    expect(Object.getPrototypeOf(c.hash('sha256', utf8('abc')))).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(c.hmac('sha256', utf8('k'), utf8('abc')))).toBe(Uint8Array.prototype);
  });

  describe.each(RFC4231)('RFC 4231 $name', (v) => {
    it.each(['sha256', 'sha512'] as const)('HMAC-%s', (alg) => {
      expect(toHex(c.hmac(alg, v.key, v.data))).toBe(v[alg]);
    });

    it.each(['sha256', 'sha512'] as const)('createMac(%s) over parts equals the whole', (alg) => {
      const mac = c.createMac(alg, v.key);
      expect(mac.length).toBe(alg === 'sha256' ? 32 : 64);
      const cut = 3;
      expect(toHex(mac.compute(v.data.subarray(0, cut), v.data.subarray(cut)))).toBe(v[alg]);
      // The keyed state must be reusable: a second packet gets a fresh MAC, not a continuation.
      expect(toHex(mac.compute(v.data))).toBe(v[alg]);
    });
  });

  it('createMac copies the key (later changes to the caller array do not apply)', () => {
    const key = utf8('Jefe');
    const mac = c.createMac('sha256', key);
    key.fill(0);
    expect(toHex(mac.compute(utf8('what do ya want for nothing?')))).toBe(RFC4231[1].sha256);
  });

  it('HMAC lengths for sha1/sha384', () => {
    expect(c.createMac('sha1', utf8('k')).length).toBe(20);
    expect(c.createMac('sha384', utf8('k')).length).toBe(48);
    expect(c.hmac('sha1', utf8('k'), utf8('m'))).toHaveLength(20);
    expect(c.hmac('sha384', utf8('k'), utf8('m'))).toHaveLength(48);
  });
});
