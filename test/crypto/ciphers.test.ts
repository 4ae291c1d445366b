import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { createNobleBackend, cryptoBackends } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { UsageError } from '../../src/errors.js';

// NIST SP 800-38A, Appendix F.5.1 (CTR-AES128.Encrypt) and F.5.5 (CTR-AES256.Encrypt).
const SP800_38A_PLAINTEXT = fromHex(
  '6bc1bee22e409f96e93d7e117393172a' +
    'ae2d8a571e03ac9c9eb76fac45af8e51' +
    '30c81c46a35ce411e5fbc1191a0a52ef' +
    'f69f2445df4f9b17ad2b417be66c3710',
);
const SP800_38A_COUNTER = fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
const CTR_VECTORS = [
  {
    name: 'F.5.1 AES-128',
    key: fromHex('2b7e151628aed2a6abf7158809cf4f3c'),
    ciphertext:
      '874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff' +
      '5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee',
  },
  {
    name: 'F.5.5 AES-256',
    key: fromHex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4'),
    ciphertext:
      '601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5' +
      '2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6',
  },
];

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005, test cases 4 (AES-128) and
// 16 (AES-256): 60-byte plaintext, 20-byte AAD, 96-bit IV.
const GCM_PLAINTEXT = fromHex(
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72' +
    '1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
);
const GCM_AAD = fromHex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
const GCM_IV = fromHex('cafebabefacedbaddecaf888');
const GCM_VECTORS = [
  {
    name: 'test case 4 (AES-128)',
    key: fromHex('feffe9928665731c6d6a8f9467308308'),
    ciphertext:
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e' +
      '21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47',
  },
  {
    name: 'test case 16 (AES-256)',
    key: fromHex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'),
    ciphertext:
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa' +
      '8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

// RFC 8439 Appendix A.1, ChaCha20 block function test vectors #1 (counter 0) and #2 (counter 1): all-zero
// key and nonce. With the nonce all zero, the IETF layout (32-bit counter ‖ 96-bit nonce) and Bernstein's
// (64-bit counter ‖ 64-bit nonce) put the same words in the state for any counter below 2^32.
const CHACHA_ZERO_KEYSTREAM = {
  0:
    '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7' +
    'da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586',
  1:
    '9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed' +
    '29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f',
};

// RFC 8439 §2.4.2: key 00..1f, nonce 00:00:00:00:00:00:00:4a:00:00:00:00, initial counter 1. The IETF nonce
// starts with four zero bytes, so in Bernstein's layout this is nonce8 = 00:00:00:4a:00:00:00:00 with the
// 64-bit counter 1 (state words 13-15 are the same either way).
const SUNSCREEN = utf8(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
);
const SUNSCREEN_CIPHERTEXT =
  '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b' +
  'f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8' +
  '07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736' +
  '5af90bbf74a35be6b40b8eedf2785e42874d';

/** Splits `data` into chunks of pseudo-random sizes 0..40 (zero-length updates included on purpose). */
function randomChunks(data: Uint8Array, seed: string): Uint8Array[] {
  const rng = seededRandom(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; ) {
    const n = rng(1)[0] % 41;
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe.each(cryptoBackends)('$name backend: ciphers', (c) => {
  describe.each(CTR_VECTORS)('AES-CTR, SP 800-38A $name', (v) => {
    it('encrypts the four blocks in one call', () => {
      expect(toHex(c.aesCtr(v.key, SP800_38A_COUNTER).update(SP800_38A_PLAINTEXT))).toBe(v.ciphertext);
    });

    it('keeps counter state across updates of arbitrary lengths', () => {
      for (const seed of ['a', 'b', 'c']) {
        const s = c.aesCtr(v.key, SP800_38A_COUNTER);
        const parts = randomChunks(SP800_38A_PLAINTEXT, seed).map((p) => s.update(p));
        expect(toHex(concatBytes(...parts))).toBe(v.ciphertext);
      }
    });

    it('works byte by byte and decrypts with a fresh stream', () => {
      const s = c.aesCtr(v.key, SP800_38A_COUNTER);
      const bytes = [...SP800_38A_PLAINTEXT].map((b) => s.update(Uint8Array.of(b)));
      const ct = concatBytes(...bytes);
      expect(toHex(ct)).toBe(v.ciphertext);
      expect(c.aesCtr(v.key, SP800_38A_COUNTER).update(ct)).toEqual(SP800_38A_PLAINTEXT);
    });
  });

  it('AES-CTR counter wraps mod 2^128 (RFC 4344 §4)', () => {
    const key = CTR_VECTORS[0].key;
    const fromTop = c.aesCtr(key, fromHex('ff'.repeat(16))).update(new Uint8Array(32));
    const fromZero = c.aesCtr(key, new Uint8Array(16)).update(new Uint8Array(16));
    expect(fromTop.subarray(16)).toEqual(fromZero);
  });

  it('AES-CTR accepts AES-192 and refuses bad key/IV sizes', () => {
    expect(c.aesCtr(new Uint8Array(24), new Uint8Array(16)).update(new Uint8Array(5))).toHaveLength(5);
    expect(() => c.aesCtr(new Uint8Array(15), new Uint8Array(16))).toThrow(UsageError);
    expect(() => c.aesCtr(new Uint8Array(16), new Uint8Array(12))).toThrow(UsageError);
  });

  describe.each(GCM_VECTORS)('AES-GCM, $name', (v) => {
    const sealed = fromHex(v.ciphertext + v.tag);

    it('seal gives ciphertext ‖ tag', () => {
      expect(toHex(c.aesGcm(v.key).seal(GCM_IV, GCM_AAD, GCM_PLAINTEXT))).toBe(v.ciphertext + v.tag);
    });

    it('open recovers the plaintext', () => {
      expect(c.aesGcm(v.key).open(GCM_IV, GCM_AAD, sealed)).toEqual(GCM_PLAINTEXT);
    });

    it('open returns null on a tampered tag, ciphertext or AAD', () => {
      const gcm = c.aesGcm(v.key);
      for (const index of [sealed.length - 1, sealed.length - 16, 0, 30]) {
        const bad = Uint8Array.from(sealed);
        bad[index] ^= 0x01;
        expect(gcm.open(GCM_IV, GCM_AAD, bad)).toBeNull();
      }
      const badAad = Uint8Array.from(GCM_AAD);
      badAad[0] ^= 0x80;
      expect(gcm.open(GCM_IV, badAad, sealed)).toBeNull();
    });

    it('open returns null for input shorter than a tag', () => {
      const gcm = c.aesGcm(v.key);
      for (let n = 0; n < 16; n++) expect(gcm.open(GCM_IV, GCM_AAD, sealed.subarray(0, n))).toBeNull();
    });
  });

  it('AES-GCM: empty plaintext seals to a bare tag and opens back', () => {
    const gcm = c.aesGcm(GCM_VECTORS[0].key);
    const tagOnly = gcm.seal(GCM_IV, GCM_AAD, new Uint8Array(0));
    expect(tagOnly).toHaveLength(16);
    expect(gcm.open(GCM_IV, GCM_AAD, tagOnly)).toEqual(new Uint8Array(0));
  });

  it('AES-GCM refuses a 24-byte key and a non-12-byte IV', () => {
    expect(() => c.aesGcm(new Uint8Array(24))).toThrow(UsageError);
    const gcm = c.aesGcm(new Uint8Array(16));
    expect(() => gcm.seal(new Uint8Array(16), new Uint8Array(0), new Uint8Array(1))).toThrow(UsageError);
  });

  it.each([0, 1] as const)('ChaCha20 (DJB) RFC 8439 A.1 keystream, counter %i', (counter) => {
    const out = c.chacha20(new Uint8Array(32), new Uint8Array(8), counter, new Uint8Array(64));
    expect(toHex(out)).toBe(CHACHA_ZERO_KEYSTREAM[counter]);
  });

  it('ChaCha20 (DJB) RFC 8439 §2.4.2 with the nonce mapped to the 64-bit layout', () => {
    const key = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const nonce8 = fromHex('0000004a00000000');
    expect(toHex(c.chacha20(key, nonce8, 1, SUNSCREEN))).toBe(SUNSCREEN_CIPHERTEXT);
    expect(c.chacha20(key, nonce8, 1, fromHex(SUNSCREEN_CIPHERTEXT))).toEqual(SUNSCREEN);
  });

  it('ChaCha20 counter n starts at block n of the keystream', () => {
    const key = fromHex('11'.repeat(32));
    const nonce8 = fromHex('0102030405060708');
    const long = c.chacha20(key, nonce8, 0, new Uint8Array(64 * 3 + 10));
    expect(c.chacha20(key, nonce8, 2, new Uint8Array(74))).toEqual(long.subarray(128));
  });

  it('ChaCha20 refuses bad sizes and counters', () => {
    expect(() => c.chacha20(new Uint8Array(16), new Uint8Array(8), 0, new Uint8Array(1))).toThrow(UsageError);
    expect(() => c.chacha20(new Uint8Array(32), new Uint8Array(12), 0, new Uint8Array(1))).toThrow(
      UsageError,
    );
    expect(() => c.chacha20(new Uint8Array(32), new Uint8Array(8), -1, new Uint8Array(1))).toThrow(
      UsageError,
    );
    expect(() => c.chacha20(new Uint8Array(32), new Uint8Array(8), 0.5, new Uint8Array(1))).toThrow(
      UsageError,
    );
  });

  it('Poly1305 RFC 8439 §2.5.2', () => {
    const key = fromHex('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
    const tag = c.poly1305(key, utf8('Cryptographic Forum Research Group'));
    expect(toHex(tag)).toBe('a8061dc1305136c6c22b8baf0c0127a9');
  });
});

describe('ChaCha20 beyond 2^32 blocks', () => {
  it.each(cryptoBackends.map((c) => [c.name, c] as const))(
    '%s carries the 64-bit counter: block 2^32 follows block 2^32 - 1',
    (_name, c) => {
      const key = fromHex('22'.repeat(32));
      const nonce8 = fromHex('0807060504030201');
      // Both sizes: short inputs take the WebAssembly ChaCha20 in the node backend, long ones OpenSSL.
      for (const blocks of [2, 200]) {
        const across = c.chacha20(key, nonce8, 2 ** 32 - 1, new Uint8Array(64 * blocks));
        const after = c.chacha20(key, nonce8, 2 ** 32, new Uint8Array(64 * (blocks - 1)));
        expect(toHex(across.subarray(64))).toBe(toHex(after));
        expect(toHex(after)).not.toBe(toHex(c.chacha20(key, nonce8, 0, new Uint8Array(64 * (blocks - 1)))));
      }
    },
  );

  it("noble's own ChaCha20 (no WebAssembly) refuses counters it cannot represent instead of wrapping", () => {
    const noble = createNobleBackend({ webAssembly: false });
    expect(() => noble.chacha20(new Uint8Array(32), new Uint8Array(8), 2 ** 32, new Uint8Array(1))).toThrow(
      UsageError,
    );
  });
});
