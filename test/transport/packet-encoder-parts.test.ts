// The encoder takes a payload in two parts (a channel header and its data) so the data is copied once; the
// bytes on the wire must be exactly those of the joined payload, compressed or not.
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/crypto/bytes.js';
import { defaultCrypto, seededRandom } from '../../src/crypto/index.js';
import { PacketEncoder } from '../../src/transport/packet-encoder.js';

const crypto = defaultCrypto();

function pair(compress: boolean): [PacketEncoder, PacketEncoder] {
  const a = new PacketEncoder(crypto, seededRandom('parts'));
  const b = new PacketEncoder(crypto, seededRandom('parts'));
  if (compress) {
    a.enableCompression();
    b.enableCompression();
  }
  return [a, b];
}

describe('PacketEncoder.encode(head, tail)', () => {
  for (const compress of [false, true]) {
    it(`equals encode(head ‖ tail)${compress ? ' with compression' : ''}`, () => {
      const [split, joined] = pair(compress);
      const head = Uint8Array.of(94, 0, 0, 0, 7, 0, 0, 0, 5);
      for (const size of [0, 1, 5, 1000, 32768]) {
        const tail = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff);
        expect(split.encode(head, tail)).toEqual(joined.encode(concatBytes(head, tail)));
      }
    });
  }
});
