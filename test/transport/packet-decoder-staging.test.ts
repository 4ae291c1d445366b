/**
 * A packet that arrives in several chunks is gathered into a buffer the decoder reuses from packet to packet
 * (when the opener's plaintext is memory of its own). Payloads already returned must keep their bytes while
 * later packets are gathered: kept here until every packet is decoded, then compared. Packets of up to
 * 34 900 bytes (RFC 4253 §6.1) arrive in pieces that straddle packet boundaries.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/index.js';
import { PacketDecoder } from '../../src/transport/packet-decoder.js';
import { PacketEncoder } from '../../src/transport/packet-encoder.js';
import { BACKENDS, hexList, keysFor, randomChunks, testRandom } from '../cipher/helpers.js';

const rng = seededRandom('staging payloads');
const PAYLOADS = [34_900, 7, 32_768, 100, 20_000, 33_000, 1, 5000].map((n) => rng(n));

/** Every payload, decoded from `chunks`, kept as returned (no copies) until the end. */
function decodeKeeping(decoder: PacketDecoder, chunks: Uint8Array[]): Uint8Array[] {
  const kept: Uint8Array[] = [];
  for (const c of chunks) {
    decoder.push(c);
    for (let p = decoder.next(); p; p = decoder.next()) kept.push(p);
  }
  return kept;
}

describe.each(BACKENDS)('payloads of packets gathered from chunks (%s backend)', (_n, crypto) => {
  it.each([
    ['the clear state (payloads are views of the pushed bytes)', undefined],
    ['aes128-gcm@openssh.com (payloads are the cipher output)', 'aes128-gcm@openssh.com'],
    ['aes256-ctr + hmac-sha2-256-etm@openssh.com', 'aes256-ctr'],
  ])('keep their bytes after later packets: %s', (_name, cipher) => {
    const mac = cipher === 'aes256-ctr' ? 'hmac-sha2-256-etm@openssh.com' : undefined;
    const keys = cipher ? keysFor(cipher, mac) : undefined;
    const encoder = new PacketEncoder(crypto, testRandom());
    encoder.setKeys(keys);
    const wire = concatBytes(...PAYLOADS.map((p) => encoder.encode(p)));
    // Pieces of up to 24 KiB: most packets span two or three of them.
    const chunks = randomChunks(wire, seededRandom(`staging chunks ${cipher}`), 24 * 1024);
    const decoder = new PacketDecoder(crypto);
    decoder.setKeys(keys);
    expect(hexList(decodeKeeping(decoder, chunks))).toEqual(hexList(PAYLOADS));
  });
});
