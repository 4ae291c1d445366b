/**
 * Property tests on the decoder (security checklist: "any byte string either parses or throws the
 * library's own error type"; Go CVE-2021-43565: short AEAD packets with random tags must be a MAC error).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSealer } from '../../src/cipher/protection.js';
import { MacError, ProtocolError } from '../../src/errors.js';
import { PacketDecoder } from '../../src/transport/packet-decoder.js';
import { BACKENDS, COMBOS, comboName, keysFor } from '../cipher/helpers.js';

function outcome(decoder: PacketDecoder, chunks: Uint8Array[]): { payloads: number; error: unknown } {
  let payloads = 0;
  try {
    for (const c of chunks) {
      decoder.push(c);
      while (decoder.next()) payloads++;
    }
  } catch (error) {
    return { payloads, error };
  }
  return { payloads, error: undefined };
}

const chunked = fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { maxLength: 20 });

describe.each(BACKENDS)('packet decoder properties (%s backend)', (_n, crypto) => {
  it('in the clear state, any input yields payloads or a ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(chunked, (chunks) => {
        const { error } = outcome(new PacketDecoder(crypto), chunks);
        if (error !== undefined) expect(error).toBeInstanceOf(ProtocolError);
      }),
      { seed: 4253, numRuns: 300 },
    );
  });

  it.each(COMBOS.map((c) => [comboName(c), c] as const))(
    '%s: random bytes never release a payload',
    (_name, [cipher, mac]) => {
      const keys = keysFor(cipher, mac);
      fc.assert(
        fc.property(chunked, (chunks) => {
          const decoder = new PacketDecoder(crypto);
          decoder.setKeys(keys);
          const { payloads, error } = outcome(decoder, chunks);
          expect(payloads).toBe(0);
          if (error !== undefined) expect(error).toBeInstanceOf(ProtocolError);
        }),
        { seed: 4344, numRuns: 40 },
      );
    },
  );

  it.each([
    ['aes128-gcm@openssh.com', 16],
    ['aes256-gcm@openssh.com', 16],
    ['chacha20-poly1305@openssh.com', 8],
  ])('%s: every aligned short packet with a random body and tag is a MAC error', (cipher, block) => {
    const keys = keysFor(cipher, undefined);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.uint8Array({ minLength: 80, maxLength: 80 }),
        (blocks, random) => {
          const length = blocks * block;
          // Seal a real packet so the (possibly encrypted) length is valid, then replace everything after it.
          const packet = new Uint8Array(4 + length + 16);
          new DataView(packet.buffer).setUint32(0, length);
          packet[4] = 4;
          createSealer(crypto, keys).seal(0, packet);
          packet.set(random.subarray(0, length + 16), 4);
          const decoder = new PacketDecoder(crypto);
          decoder.setKeys(keys);
          decoder.push(packet);
          expect(() => decoder.next()).toThrow(MacError);
        },
      ),
      { seed: 5647, numRuns: 100 },
    );
  });
});
