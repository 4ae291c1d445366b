import { createCipheriv } from 'node:crypto';
import { chacha20orig } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { createNobleBackend, nobleCrypto, nodeCrypto } from '../../src/crypto/index.js';
import { loadWasmChaCha20, type WasmChaCha20 } from '../../src/crypto/wasm/chacha20.js';
import { UsageError } from '../../src/errors.js';

const simd = loadWasmChaCha20(true);
const scalar = loadWasmChaCha20(false);
if (!simd?.simd || !scalar || scalar.simd || !nodeCrypto) {
  throw new Error('Node 20 has WebAssembly with SIMD and node:crypto');
}
const node = nodeCrypto;

/** OpenSSL's ChaCha20 (RFC 8439 layout, its 32-bit counter carrying into word 13) as an independent oracle. */
function openssl(key: Uint8Array, nonce8: Uint8Array, counter: number, data: Uint8Array): string {
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setBigUint64(0, BigInt(counter), true);
  iv.set(nonce8, 8);
  return toHex(createCipheriv('chacha20', key, iv).update(data));
}

type XorFn = (key: Uint8Array, nonce8: Uint8Array, counter: number, data: Uint8Array) => Uint8Array;
const viaWasm =
  (w: WasmChaCha20): XorFn =>
  (key, nonce8, counter, data) =>
    w.xor(key, nonce8, counter, data);

const IMPLEMENTATIONS: [string, XorFn, { counter64: boolean }][] = [
  ['WebAssembly SIMD', viaWasm(simd), { counter64: true }],
  ['WebAssembly scalar', viaWasm(scalar), { counter64: true }],
  ['node backend', (...a) => node.chacha20(...a), { counter64: true }],
  ['noble backend', (...a) => nobleCrypto.chacha20(...a), { counter64: true }],
  [
    'noble without WebAssembly',
    (...a) => createNobleBackend({ webAssembly: false }).chacha20(...a),
    {
      counter64: false,
    },
  ],
];

// RFC 8439 Appendix A.2 test vectors #2 and #3 (plaintexts: the IETF notice and the Jabberwocky lines).
const IETF_NOTICE = new TextEncoder().encode(
  'Any submission to the IETF intended by the Contributor for publication as all or part of an IETF ' +
    'Internet-Draft or RFC and any statement made within the context of an IETF activity is considered an ' +
    '"IETF Contribution". Such statements include oral statements in IETF sessions, as well as written and ' +
    'electronic communications made at any time or place, which are addressed to',
);
const JABBERWOCKY = new TextEncoder().encode(
  "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n" +
    'All mimsy were the borogoves,\nAnd the mome raths outgrabe.',
);

/**
 * RFC 8439 vectors moved to Bernstein's layout. RFC 8439 §2.3 state words 12-15 are a 32-bit counter and a
 * 96-bit nonce; here words 12-13 are a 64-bit counter and 14-15 the 8-byte nonce. So the RFC's nonce bytes
 * 4..12 are our nonce, and its first four bytes (little-endian word 13) are the counter's high half:
 * counter = RFC counter + 2^32 · LE32(RFC nonce[0..4]). That is zero in these vectors (§2.3.2's 0x09000000
 * makes a counter beyond 2^53, which the interface's number cannot carry); the high half is checked against
 * OpenSSL below.
 */
const VECTORS: {
  name: string;
  key: string;
  nonce8: string;
  counter: number;
  input: Uint8Array;
  output: string;
}[] = [
  {
    name: 'A.1 #3 (key ends in 01, counter 1)',
    key: `${'00'.repeat(31)}01`,
    nonce8: '00'.repeat(8),
    counter: 1,
    input: new Uint8Array(64),
    output:
      '3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a' +
      '8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0',
  },
  {
    name: 'A.1 #4 (key 00ff00…, counter 2)',
    key: `00ff${'00'.repeat(30)}`,
    nonce8: '00'.repeat(8),
    counter: 2,
    input: new Uint8Array(64),
    output:
      '72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca' +
      '13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096',
  },
  {
    name: 'A.1 #5 (RFC nonce …02: nonce 0000000000000002)',
    key: '00'.repeat(32),
    nonce8: '0000000000000002',
    counter: 0,
    input: new Uint8Array(64),
    output:
      'c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7' +
      '8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d',
  },
  {
    name: 'A.2 #2 (375 bytes, counter 1)',
    key: `${'00'.repeat(31)}01`,
    nonce8: '0000000000000002',
    counter: 1,
    input: IETF_NOTICE,
    output:
      'a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec' +
      '2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d' +
      '4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e527950' +
      '42bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a' +
      'd00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259d' +
      'c4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b' +
      '0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6c' +
      'cc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b' +
      'c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f' +
      '5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6' +
      '98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab' +
      '7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221',
  },
  {
    name: 'A.2 #3 (127 bytes, counter 42)',
    key: '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0',
    nonce8: '0000000000000002',
    counter: 42,
    input: JABBERWOCKY,
    output:
      '62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf' +
      '166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb' +
      'f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77' +
      '04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1',
  },
];

describe.each(IMPLEMENTATIONS)('ChaCha20, 64-bit nonce and counter (%s)', (_name, xor, { counter64 }) => {
  it.each(VECTORS.filter((v) => counter64 || v.counter < 2 ** 32))('RFC 8439 $name', (v) => {
    const output = xor(fromHex(v.key), fromHex(v.nonce8), v.counter, v.input);
    expect(toHex(output)).toBe(v.output);
    expect(toHex(xor(fromHex(v.key), fromHex(v.nonce8), v.counter, fromHex(v.output)))).toBe(toHex(v.input));
  });

  it("agrees with noble's chacha20orig on random keys, nonces, counters and 0..70000 bytes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 70000, size: 'max' })),
        (key, nonce8, counter, data) => {
          expect(toHex(xor(key, nonce8, counter, data))).toBe(
            toHex(chacha20orig(key, nonce8, data, undefined, counter)),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it.skipIf(!counter64)('agrees with OpenSSL on counters up to 2^53, across the carry into word 13', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.oneof(
          fc.integer({ min: 0, max: 2 ** 53 - 2 ** 20 }),
          fc.integer({ min: 2 ** 32 - 1200, max: 2 ** 32 + 5 }),
          fc.integer({ min: 3 * 2 ** 32 - 1200, max: 3 * 2 ** 32 }),
        ),
        fc.uint8Array({ maxLength: 70000, size: 'max' }),
        (key, nonce8, counter, data) => {
          expect(toHex(xor(key, nonce8, counter, data))).toBe(openssl(key, nonce8, counter, data));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('ChaCha20 in WebAssembly', () => {
  it.each([
    ['SIMD', simd],
    ['scalar', scalar],
  ] as const)('%s: encrypts in place into its input, grows its memory, zeroes key and keystream', (_n, w) => {
    const key = fromHex('33'.repeat(32));
    const nonce8 = fromHex('0102030405060708');
    const data = Uint8Array.from({ length: 2 * 65536 + 77 }, (_, i) => i & 0xff);
    const expected = toHex(chacha20orig(key, nonce8, data, undefined, 5));
    expect(w.xor(key, nonce8, 5, data, data)).toBe(data);
    expect(toHex(data)).toBe(expected);
    const memory = (w as unknown as { bytes: Uint8Array }).bytes;
    expect(memory.subarray(0, 32)).toEqual(new Uint8Array(32));
    expect(memory.subarray(64, 320)).toEqual(new Uint8Array(256));
  });

  it('keeps the backends’ checks: output length, key and nonce sizes', () => {
    for (const c of [node, nobleCrypto]) {
      const key = new Uint8Array(32);
      const nonce8 = new Uint8Array(8);
      expect(() => c.chacha20(key, nonce8, 0, new Uint8Array(4), new Uint8Array(5))).toThrow(UsageError);
      expect(() => c.chacha20(new Uint8Array(31), nonce8, 0, new Uint8Array(4))).toThrow(UsageError);
      expect(() => c.poly1305(key, new Uint8Array(4), new Uint8Array(15))).toThrow(UsageError);
    }
  });
});
