/**
 * zlib payload compression (RFC 4253 §6.2; zlib@openssh.com is the same stream started after
 * USERAUTH_SUCCESS): one continuous stream per direction across packets, and a per-packet inflate cap.
 */
import { deflate } from 'pako';
import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/index.js';
import { DisconnectReason, ProtocolError, type SshError } from '../../src/errors.js';
import { ZlibCompressor, ZlibDecompressor } from '../../src/transport/compression.js';
import { PacketDecoder } from '../../src/transport/packet-decoder.js';
import { PacketEncoder } from '../../src/transport/packet-encoder.js';
import { BACKENDS, hexList, keysFor, randomChunks, testRandom } from '../cipher/helpers.js';

/** Mixed traffic: repetitive text, random bytes (incompressible), empty payloads, a full 32 KiB packet. */
function traffic(): Uint8Array[] {
  const rng = seededRandom('traffic');
  const out: Uint8Array[] = [];
  for (let i = 0; i < 150; i++) {
    if (i % 10 === 0) out.push(new Uint8Array(0));
    else if (i % 7 === 0) out.push(rng(1 + (rng(2)[0] << 4)));
    else out.push(utf8(`SSH_MSG_CHANNEL_DATA ${i} ${'the quick brown fox '.repeat(i % 13)}`));
  }
  out.push(rng(32_768));
  return out;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe.each(BACKENDS)('packet compression (%s backend)', (_n, crypto) => {
  it.each([
    ['clear', undefined, undefined],
    ['aes128-gcm@openssh.com', 'aes128-gcm@openssh.com', undefined],
    ['aes256-ctr + hmac-sha2-256-etm', 'aes256-ctr', 'hmac-sha2-256-etm@openssh.com'],
  ])('round-trips many packets through one stream (%s)', (_what, cipher, mac) => {
    const keys = cipher ? keysFor(cipher, mac) : undefined;
    const encoder = new PacketEncoder(crypto, testRandom());
    const decoder = new PacketDecoder(crypto);
    encoder.setKeys(keys);
    decoder.setKeys(keys);
    const before = [utf8('sent before compression starts'), new Uint8Array([52])];
    const after = traffic();
    const wire: Uint8Array[] = before.map((p) => encoder.encode(p));
    // Delayed compression (zlib@openssh.com) switches on between two packets, on both sides.
    encoder.enableCompression();
    wire.push(...after.map((p) => encoder.encode(p)));

    const got: Uint8Array[] = [];
    for (const chunk of randomChunks(concatBytes(...wire), seededRandom('compressed chunks'), 300)) {
      decoder.push(chunk);
      for (let p = decoder.next(); p; p = decoder.next()) {
        got.push(p);
        if (got.length === before.length) decoder.enableDecompression();
      }
    }
    expect(hexList(got)).toEqual(hexList([...before, ...after]));
  });

  it('makes repetitive traffic smaller, using history from earlier packets', () => {
    const line = utf8('drwxr-xr-x  2 user group 4096 Jan  1 00:00 some-directory-name\n');
    const plain = new PacketEncoder(crypto, testRandom());
    const packed = new PacketEncoder(crypto, testRandom());
    packed.enableCompression();
    const first = packed.encode(line);
    const second = packed.encode(line);
    expect(second.length).toBeLessThan(first.length);
    expect(second.length).toBeLessThan(plain.encode(line).length / 2);
  });

  it('ends with COMPRESSION_ERROR on a bomb: 10 MiB of zeros in one packet', () => {
    // Our encoder refuses such a payload, so compress it by hand and send the result as it is.
    const compressed = new ZlibCompressor().compress(new Uint8Array(10 * 1024 * 1024));
    expect(compressed.length).toBeLessThan(20_000);
    const bomb = new PacketEncoder(crypto, testRandom()).encode(compressed);
    const decoder = new PacketDecoder(crypto);
    decoder.enableDecompression();
    decoder.push(bomb);
    const err = caught(() => decoder.next());
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as SshError).reason).toBe(DisconnectReason.COMPRESSION_ERROR);
  });

  it('ends with COMPRESSION_ERROR on a payload that is not zlib data', () => {
    const sender = new PacketEncoder(crypto, testRandom());
    const decoder = new PacketDecoder(crypto);
    decoder.enableDecompression();
    decoder.push(sender.encode(utf8('this was never compressed')));
    const err = caught(() => decoder.next());
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as SshError).reason).toBe(DisconnectReason.COMPRESSION_ERROR);
  });
});

describe('zlib stream codec', () => {
  it('inflates exactly up to the cap and refuses one byte more', () => {
    const atCap = new ZlibCompressor().compress(new Uint8Array(1000).fill(7));
    expect(new ZlibDecompressor(1000).decompress(atCap)).toEqual(new Uint8Array(1000).fill(7));
    const overCap = new ZlibCompressor().compress(new Uint8Array(1001));
    expect(() => new ZlibDecompressor(1000).decompress(overCap)).toThrow(ProtocolError);
  });

  it('applies the cap per packet, not per connection', () => {
    const c = new ZlibCompressor();
    const d = new ZlibDecompressor(1000);
    for (let i = 0; i < 5; i++)
      expect(d.decompress(c.compress(new Uint8Array(900).fill(i)))).toHaveLength(900);
  });

  it('refuses a stream that the peer finished (SSH never ends its zlib stream)', () => {
    const finished = deflate(utf8('final'));
    expect(() => new ZlibDecompressor(1000).decompress(finished)).toThrow(ProtocolError);
  });

  it('emits RFC 1950 zlib framing with a sync flush after each payload', () => {
    const out = new ZlibCompressor().compress(utf8('x'));
    expect(out[0] & 0x0f).toBe(8); // CM = 8, deflate (RFC 1950 §2.2)
    expect(((out[0] << 8) | out[1]) % 31).toBe(0); // FCHECK
    expect(Array.from(out.subarray(-4))).toEqual([0, 0, 0xff, 0xff]); // empty stored block of Z_SYNC_FLUSH
  });
});
