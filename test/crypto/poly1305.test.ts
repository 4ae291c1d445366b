import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { cryptoBackends } from '../../src/crypto/index.js';
import { createNobleBackend } from '../../src/crypto/noble-backend.js';
import { loadWasmPoly1305, type WasmPoly1305 } from '../../src/crypto/wasm/poly1305.js';

const simd = loadWasmPoly1305(true);
const scalar = loadWasmPoly1305(false);
if (!simd?.simd || !scalar || scalar.simd) throw new Error('Node 20 has WebAssembly with SIMD');
const WASM: [string, WasmPoly1305][] = [
  ['SIMD', simd],
  ['scalar', scalar],
];

// RFC 8439 Appendix A.3, test vectors #2 and #3: the IETF contribution notice, 375 bytes.
const IETF_NOTICE = utf8(
  'Any submission to the IETF intended by the Contributor for publication as all or part of an IETF ' +
    'Internet-Draft or RFC and any statement made within the context of an IETF activity is considered an ' +
    '"IETF Contribution". Such statements include oral statements in IETF sessions, as well as written and ' +
    'electronic communications made at any time or place, which are addressed to',
);
// RFC 8439 Appendix A.3, test vector #4: from Lewis Carroll's Jabberwocky, 127 bytes.
const JABBERWOCKY = utf8(
  "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\n" +
    'All mimsy were the borogoves,\nAnd the mome raths outgrabe.',
);

/**
 * RFC 8439 §2.5.2 (the worked example) and every Poly1305 vector of Appendix A.3 (#1–#11). #5–#11 are the
 * edge cases around p = 2^130 − 5: h reaching p exactly, wrapping past 2^130, and a 5·H + L reduction
 * that makes a 131-bit value.
 */
const VECTORS: { name: string; key: string; message: Uint8Array; tag: string }[] = [
  {
    name: '§2.5.2',
    key: '85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b',
    message: utf8('Cryptographic Forum Research Group'),
    tag: 'a8061dc1305136c6c22b8baf0c0127a9',
  },
  { name: 'A.3 #1', key: '00'.repeat(32), message: new Uint8Array(64), tag: '00'.repeat(16) },
  {
    name: 'A.3 #2',
    key: `${'00'.repeat(16)}36e5f6b5c5e06070f0efca96227a863e`,
    message: IETF_NOTICE,
    tag: '36e5f6b5c5e06070f0efca96227a863e',
  },
  {
    name: 'A.3 #3',
    key: `36e5f6b5c5e06070f0efca96227a863e${'00'.repeat(16)}`,
    message: IETF_NOTICE,
    tag: 'f3477e7cd95417af89a6b8794c310cf0',
  },
  {
    name: 'A.3 #4',
    key: '1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0',
    message: JABBERWOCKY,
    tag: '4541669a7eaaee61e708dc7cbcc5eb62',
  },
  {
    name: 'A.3 #5 (h reaches p)',
    key: `02${'00'.repeat(31)}`,
    message: fromHex('ff'.repeat(16)),
    tag: `03${'00'.repeat(15)}`,
  },
  {
    name: 'A.3 #6 (h + s wraps 2^128)',
    key: `02${'00'.repeat(15)}${'ff'.repeat(16)}`,
    message: fromHex(`02${'00'.repeat(15)}`),
    tag: `03${'00'.repeat(15)}`,
  },
  {
    name: 'A.3 #7 (carry across limbs)',
    key: `01${'00'.repeat(31)}`,
    message: fromHex(`${'ff'.repeat(16)}f0${'ff'.repeat(15)}11${'00'.repeat(15)}`),
    tag: `05${'00'.repeat(15)}`,
  },
  {
    name: 'A.3 #8 (h = p exactly)',
    key: `01${'00'.repeat(31)}`,
    message: fromHex(`${'ff'.repeat(16)}fb${'fe'.repeat(15)}${'01'.repeat(16)}`),
    tag: '00'.repeat(16),
  },
  {
    name: 'A.3 #9 (h = p − 1 + 2^128 bits)',
    key: `02${'00'.repeat(31)}`,
    message: fromHex(`fd${'ff'.repeat(15)}`),
    tag: `fa${'ff'.repeat(15)}`,
  },
  {
    name: 'A.3 #10 (5·H + L overflows 130 bits)',
    key: `0100000000000000040000000000000000${'00'.repeat(15)}`,
    message: fromHex(
      'e33594d7505e43b90000000000000000' +
        '3394d7505e4379cd0100000000000000' +
        '00000000000000000000000000000000' +
        '01000000000000000000000000000000',
    ),
    tag: '14000000000000005500000000000000',
  },
  {
    name: 'A.3 #11 (5·H + L makes a 131-bit result)',
    key: `0100000000000000040000000000000000${'00'.repeat(15)}`,
    message: fromHex(
      'e33594d7505e43b90000000000000000' +
        '3394d7505e4379cd0100000000000000' +
        '00000000000000000000000000000000',
    ),
    tag: '13000000000000000000000000000000',
  },
];

const IMPLEMENTATIONS: [string, (key: Uint8Array, message: Uint8Array) => Uint8Array][] = [
  ['WebAssembly SIMD', (key, message) => simd.mac(key, message)],
  ['WebAssembly scalar', (key, message) => scalar.mac(key, message)],
  [
    'noble without WebAssembly',
    (key, message) => createNobleBackend({ webAssembly: false }).poly1305(key, message),
  ],
  ...cryptoBackends.map((c): [string, (key: Uint8Array, message: Uint8Array) => Uint8Array] => [
    `${c.name} backend`,
    (key, message) => c.poly1305(key, message),
  ]),
];

describe.each(IMPLEMENTATIONS)('Poly1305 (%s)', (_name, mac) => {
  it('transcribes the RFC texts at their lengths', () => {
    expect([IETF_NOTICE.length, JABBERWOCKY.length]).toEqual([375, 127]);
  });

  it.each(VECTORS)('RFC 8439 $name', ({ key, message, tag }) => {
    expect(toHex(mac(fromHex(key), message))).toBe(tag);
  });
});

describe.each(cryptoBackends.concat(createNobleBackend({ webAssembly: false })))(
  'Poly1305 ($name backend)',
  (c) => {
    it('authenticates a message given in parts as their concatenation', () => {
      const key = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
      const whole = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) & 0xff);
      const expected = toHex(noblePoly1305(whole, key));
      // Cut points: empty parts, parts shorter than a block, a 4-byte head as the sealer gives.
      for (const cuts of [[], [0], [4], [4, 4], [15, 17, 4999], [5000]]) {
        const bounds = [0, ...cuts, whole.length];
        const parts = bounds.slice(1).map((end, i) => whole.subarray(bounds[i], end));
        expect(toHex(c.poly1305(key, parts)), `cut at ${cuts}`).toBe(expected);
      }
      expect(toHex(c.poly1305(key, []))).toBe(toHex(noblePoly1305(new Uint8Array(0), key)));
    });
  },
);

describe.each(WASM)('Poly1305 in WebAssembly (%s)', (_name, wasm) => {
  it('agrees with noble on random keys and messages of 0..70000 bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.oneof(
          fc.uint8Array({ maxLength: 70 }),
          fc.uint8Array({ maxLength: 70000, size: 'max' }),
          fc.integer({ min: 0, max: 70000 }).map((n) => new Uint8Array(n).fill(0xff)),
        ),
        (key, message) => {
          expect(toHex(wasm.mac(key, message))).toBe(toHex(noblePoly1305(message, key)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with noble with all-ones keys and messages, whose sums sit nearest to 2^130 − 5', () => {
    const key = new Uint8Array(32).fill(0xff);
    // Every length up to five 64-byte chunks: the SIMD module's chunks, blocks left over and partial blocks.
    for (let n = 0; n <= 330; n++) {
      const message = new Uint8Array(n).fill(0xff);
      expect(toHex(wasm.mac(key, message)), `${n} bytes`).toBe(toHex(noblePoly1305(message, key)));
    }
  });

  it('writes into a caller buffer, grows its memory, and zeroes the key and its powers of r', () => {
    const own = loadWasmPoly1305(wasm.simd)!;
    const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const big = new Uint8Array(3 * 65536 + 5).fill(7);
    const out = new Uint8Array(16);
    expect(own.mac(key, big, out)).toBe(out);
    expect(toHex(out)).toBe(toHex(noblePoly1305(big, key)));
    expect(toHex(own.mac(key, new Uint8Array(3)))).toBe(toHex(noblePoly1305(new Uint8Array(3), key)));
    const memory = (own as unknown as { bytes: Uint8Array }).bytes;
    expect(memory.subarray(0, 32)).toEqual(new Uint8Array(32));
    expect(memory.subarray(48, 320)).toEqual(new Uint8Array(272));
  });
});
