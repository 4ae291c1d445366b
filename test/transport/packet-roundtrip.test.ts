/**
 * Every cipher × MAC pairing, both backends: payloads of many sizes survive encode → decode whether the
 * bytes arrive whole, one at a time or in random pieces (RFC 4253 §6, §6.1 sizes).
 */
import { describe, expect, it } from 'vitest';
import { createSealer } from '../../src/cipher/protection.js';
import { concatBytes } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/index.js';
import { UsageError } from '../../src/errors.js';
import { PacketDecoder } from '../../src/transport/packet-decoder.js';
import { MAX_PAYLOAD_LENGTH, PacketEncoder } from '../../src/transport/packet-encoder.js';
import {
  BACKENDS,
  byteChunks,
  COMBOS,
  comboName,
  hexList,
  keysFor,
  randomChunks,
  testRandom,
} from '../cipher/helpers.js';

// RFC 4253 §6.1: payloads up to 32 768 and whole packets up to 35 000 bytes MUST be handled.
const SIZES = [0, 1, 15, 16, 17, 255, 1000, 32768, 34900];

function payloads(): Uint8Array[] {
  const rng = seededRandom('payloads');
  const fixed = SIZES.map((n) => rng(n));
  const mix = Array.from({ length: 40 }, () => rng(rng(2)[0] * 4 + (rng(1)[0] % 4)));
  return [...fixed, ...mix];
}

function decodeAll(decoder: PacketDecoder, chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of chunks) {
    decoder.push(c);
    for (let p = decoder.next(); p; p = decoder.next()) out.push(p);
  }
  return out;
}

describe.each(BACKENDS)('packet round trip (%s backend)', (_n, crypto) => {
  it('pads the clear state to 8 bytes with 4..11 padding bytes (RFC 4253 §6)', () => {
    const encoder = new PacketEncoder(crypto, testRandom());
    for (let n = 0; n < 40; n++) {
      const wire = encoder.encode(new Uint8Array(n));
      const length = new DataView(wire.buffer, wire.byteOffset).getUint32(0);
      expect(wire.length).toBe(4 + length);
      expect(wire.length % 8).toBe(0);
      expect(wire[4]).toBeGreaterThanOrEqual(4);
      expect(wire[4]).toBeLessThan(12);
      expect(length - 1 - wire[4]).toBe(n);
    }
  });

  it('takes padding bytes from the injected random source', () => {
    const wire = new PacketEncoder(crypto, (n) => new Uint8Array(n).fill(0xa5)).encode(
      new Uint8Array([1, 2, 3]),
    );
    expect(wire.subarray(8)).toEqual(new Uint8Array(wire[4]).fill(0xa5));
  });

  describe.each(COMBOS.map((c) => [comboName(c), c] as const))('%s', (_name, [cipher, mac]) => {
    const keys = keysFor(cipher, mac);
    const inputs = payloads();
    const encoder = new PacketEncoder(crypto, testRandom());
    encoder.setKeys(keys);
    const packets = inputs.map((p) => encoder.encode(p));
    const wire = concatBytes(...packets);

    it('aligns every packet to the block size, length field excluded for AEAD/-etm', () => {
      const { blockSize, alignFrom, trailerLength } = createSealer(crypto, keys);
      for (const p of packets) {
        expect((p.length - trailerLength - alignFrom) % blockSize).toBe(0);
        expect(p.length - trailerLength).toBeGreaterThanOrEqual(4 + 1 + 4);
      }
      expect(encoder.seq).toBe(inputs.length);
    });

    it.each([
      ['whole', () => [wire]],
      ['one packet per push', () => packets],
      ['one byte per push', () => byteChunks(wire)],
      ['random chunks', () => randomChunks(wire, seededRandom(`chunks:${cipher}:${mac}`))],
    ])('decodes when fed %s', (_how, chunks) => {
      const decoder = new PacketDecoder(crypto);
      decoder.setKeys(keys);
      expect(hexList(decodeAll(decoder, chunks()))).toEqual(hexList(inputs));
      expect(decoder.seq).toBe(inputs.length);
      expect(decoder.buffered).toBe(0);
    });
  });
});

describe.each(BACKENDS)('packet encoder limits (%s backend)', (_n, crypto) => {
  it('refuses a payload its peer would refuse, and stays usable', () => {
    const encoder = new PacketEncoder(crypto, testRandom());
    encoder.enableCompression();
    expect(() => encoder.encode(new Uint8Array(MAX_PAYLOAD_LENGTH + 1))).toThrow(UsageError);
    const biggest = seededRandom('incompressible')(MAX_PAYLOAD_LENGTH);
    const decoder = new PacketDecoder(crypto);
    decoder.enableDecompression();
    decoder.push(encoder.encode(biggest));
    decoder.push(encoder.encode(new Uint8Array([1])));
    expect(hexList([decoder.next()!, decoder.next()!])).toEqual(hexList([biggest, new Uint8Array([1])]));
  });
});
