import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChaChaPolyCore, ChaChaPolyOpener, ChaChaPolySealer } from '../../src/cipher/chacha20-poly1305.js';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { concatBytes, fromHex, toHex } from '../../src/crypto/bytes.js';
import { createNobleBackend } from '../../src/crypto/index.js';
import { MacError } from '../../src/errors.js';
import { BACKENDS } from './helpers.js';

/** The backends, plus noble's own ChaCha20 and Poly1305 (the path where WebAssembly is unavailable). */
const ALL: [string, CryptoBackend][] = [
  ...BACKENDS,
  ['noble without WebAssembly', createNobleBackend({ webAssembly: false })],
];

/**
 * Known answer for chacha20-poly1305@openssh.com from libssh's test suite
 * (libssh, tests/unittests/torture_crypto.c, `torture_crypto_chacha20poly1305`): key bytes 0x00..0x3f,
 * sequence number 1234567890 × 98765431 as a uint64, input = uint32 144 ‖ the 144-byte cleartext.
 * The 64-bit sequence number exercises the nonce's high half, which SSH's uint32 counter never reaches,
 * so the test drives ChaChaPolyCore with the nonce bytes directly.
 */
const KEY = Uint8Array.from({ length: 64 }, (_, i) => i);
const SEQ = 1234567890n * 98765431n;
const CLEARTEXT = fromHex(`
  b4fc5dc2498d2c294ac99ab01bf829ee856d8c04347c65f48997c57170419140
  1960e1f18f4d8c1751d6bc696ef22187186cefc4f4d9e61b94f7d8b2e924b9e7
  e619f5ec55809ac87d70a350f8031035499b5358d74cfc5f02d628eacc43ee5e
  2b8a7a66f700ee0918301b47a21669c46e443fbdec52cee541f2e0044f5a5558
  37ba458d1553f63191138c51ed0807db`);
const SEALED = fromHex(`
  ac2e4c54f69775b43b8fb08eb00a8eb390210d7ab6d303f6bc6e3a3267e11365
  433b349dcb627e0a80b045870785498d235fac9c8ba8d50112fe52c699b4f2de
  127879ea1c5f45cdf7e4a066157fe3f4733be052ac2a0073d0d795a9b93ae050
  13f4dcfc2a64b5cf2988ef4c56103028bb59b82358ab01a2ab6bddee2043e1ec
  7ae1aa8b6019de3ad1d680497d5c81b896ad6232e52572e96396a1442591e1dc
  01c75ca9`);

function nonce(seq: bigint): Uint8Array {
  const n = new Uint8Array(8);
  new DataView(n.buffer).setBigUint64(0, seq);
  return n;
}

describe.each(ALL)('chacha20-poly1305@openssh.com (%s)', (_name, crypto) => {
  it('matches the libssh known answer when sealing', () => {
    const packet = new Uint8Array(4 + CLEARTEXT.length + 16);
    new DataView(packet.buffer).setUint32(0, CLEARTEXT.length);
    packet.set(CLEARTEXT, 4);
    new ChaChaPolyCore(crypto, KEY).seal(nonce(SEQ), packet);
    expect(packet).toEqual(SEALED);
  });

  it('opens the libssh known answer', () => {
    const core = new ChaChaPolyCore(crypto, KEY);
    expect(core.decryptLength(nonce(SEQ), SEALED.subarray(0, 4))).toBe(CLEARTEXT.length);
    expect(core.open(nonce(SEQ), SEALED)).toEqual(CLEARTEXT);
  });

  it.each([
    ['the encrypted length', 1],
    ['the payload', 100],
    ['the tag', SEALED.length - 1],
  ])('refuses the known answer with a bit flipped in %s', (_what, at) => {
    const bad = SEALED.slice();
    bad[at] ^= 1;
    expect(() => new ChaChaPolyCore(crypto, KEY).open(nonce(SEQ), bad)).toThrow(MacError);
  });

  it('opens into fresh memory: overwriting the packet afterwards leaves the plaintext as it was', () => {
    const opener = new ChaChaPolyOpener(crypto, KEY);
    expect(opener.opensIntoOwnMemory).toBe(true);
    for (const size of [12, 5000]) {
      const body = Uint8Array.from({ length: size }, (_, i) => i & 0xff);
      const packet = concatBytes(new Uint8Array(4), body, new Uint8Array(16));
      new DataView(packet.buffer).setUint32(0, size);
      new ChaChaPolySealer(crypto, KEY).seal(9, packet);
      const plain = opener.open(9, packet);
      packet.fill(0xee);
      expect(toHex(plain)).toBe(toHex(body));
    }
  });

  it('seals to fresh parts (length, ciphertext, tag) that join into the packet seal() makes', () => {
    const sealer = new ChaChaPolySealer(crypto, KEY);
    expect(sealer.sealsToParts).toBe(true);
    // Both sides of the node backend's 4 KiB switch between WebAssembly ChaCha20 and OpenSSL.
    for (const size of [12, 4092, 4100, 40000]) {
      const plain = concatBytes(
        new Uint8Array(4),
        Uint8Array.from({ length: size }, (_, i) => (i * 5) & 0xff),
      );
      new DataView(plain.buffer).setUint32(0, size);
      const packet = concatBytes(plain, new Uint8Array(16));
      sealer.seal(77, packet);
      const parts = sealer.sealToParts(77, plain);
      const joined = toHex(concatBytes(...parts));
      plain.fill(0xee);
      expect(parts.map((p) => p.length)).toEqual([4, size, 16]);
      expect(toHex(concatBytes(...parts))).toBe(joined);
      expect(joined).toBe(toHex(packet));
    }
  });

  it('refuses a packet opened under another sequence number', () => {
    expect(() => new ChaChaPolyCore(crypto, KEY).open(nonce(SEQ + 1n), SEALED)).toThrow(MacError);
  });

  it('uses the uint32 sequence number as the low half of the nonce', () => {
    const seq = 0xfedcba98;
    const body = concatBytes(new Uint8Array([4]), new Uint8Array(11));
    const viaSealer = concatBytes(new Uint8Array([0, 0, 0, 12]), body, new Uint8Array(16));
    const viaCore = viaSealer.slice();
    new ChaChaPolySealer(crypto, KEY).seal(seq, viaSealer);
    new ChaChaPolyCore(crypto, KEY).seal(nonce(BigInt(seq)), viaCore);
    expect(viaSealer).toEqual(viaCore);
    const opener = new ChaChaPolyOpener(crypto, KEY);
    expect(opener.readLength(seq, viaSealer)).toBe(12);
    expect(opener.open(seq, viaSealer)).toEqual(body);
  });
});

describe('chacha20-poly1305@openssh.com across backends', () => {
  // Go's CVE-2021-43565: short packets crashed the AEAD decrypt path; here any 0..64 bytes is a MAC error.
  it.each(ALL)('%s: packets of 0..64 random bytes are refused with a MacError only', (_name, crypto) => {
    const opener = new ChaChaPolyOpener(crypto, KEY);
    for (let length = 0; length <= 64; length++) {
      const packet = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      expect(() => opener.open(length, packet), `${length} bytes`).toThrow(MacError);
    }
  });

  // Packets up to 70000 bytes cross the node backend's switch from WebAssembly ChaCha20 to OpenSSL at 4 KiB.
  it('a packet sealed by one backend opens with every other, and a flipped bit is refused', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 70000 })),
        fc.nat(ALL.length - 1),
        fc.nat(),
        (key, seq, bodyLength, sealerIndex, flip) => {
          const body = Uint8Array.from({ length: bodyLength }, (_, i) => (i * 7 + seq) & 0xff);
          const packet = concatBytes(new Uint8Array(4), body, new Uint8Array(16));
          new DataView(packet.buffer).setUint32(0, bodyLength);
          new ChaChaPolySealer(ALL[sealerIndex][1], key).seal(seq, packet);
          for (const [, crypto] of ALL) {
            const opener = new ChaChaPolyOpener(crypto, key);
            expect(opener.readLength(seq, packet)).toBe(bodyLength);
            expect(toHex(opener.open(seq, packet))).toBe(toHex(body));
          }
          const bad = packet.slice();
          bad[flip % bad.length] ^= 1 << (flip % 8);
          expect(() => new ChaChaPolyOpener(ALL[flip % ALL.length][1], key).open(seq, bad)).toThrow(MacError);
        },
      ),
      { numRuns: 40 },
    );
  });
});
