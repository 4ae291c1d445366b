/**
 * The decoder on hostile input: length and padding limits (RFC 4253 §6, OpenSSH packet.c limits, the
 * libssh2 CVE-2019-3855 lengths), integrity (every byte flipped → MAC or length error, nothing released),
 * keys switching exactly at the packet boundary (RFC 4253 §7.3), sequence numbers (§6.4, strict kex).
 */
import { describe, expect, it } from 'vitest';
import { createSealer } from '../../src/cipher/protection.js';
import type { DirectionKeys } from '../../src/cipher/types.js';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { concatBytes } from '../../src/crypto/bytes.js';
import { MacError, ProtocolError, type SshError, UsageError } from '../../src/errors.js';
import { DEFAULT_MAX_PACKET_LENGTH, PacketDecoder } from '../../src/transport/packet-decoder.js';
import { PacketEncoder } from '../../src/transport/packet-encoder.js';
import { BACKENDS, COMBOS, comboName, hexList, keysFor, testRandom } from '../cipher/helpers.js';

/** Any packet as plaintext, laid out by hand (no padding rules enforced), for the given field values. */
function rawPacket(packetLength: number, padding: number, bodyLength = packetLength - 1): Uint8Array {
  const p = new Uint8Array(4 + 1 + bodyLength);
  new DataView(p.buffer).setUint32(0, packetLength);
  p[4] = padding;
  return p;
}

/** Seals a hand-made plaintext packet with real keys, so only the field under test is wrong. */
function sealRaw(crypto: CryptoBackend, keys: DirectionKeys, plain: Uint8Array, seq = 0): Uint8Array {
  const sealer = createSealer(crypto, keys);
  const packet = new Uint8Array(plain.length + sealer.trailerLength);
  packet.set(plain);
  sealer.seal(seq, packet);
  return packet;
}

/** Drains the decoder; returns the payloads released and the error that stopped it, if any. */
function drain(decoder: PacketDecoder): { payloads: Uint8Array[]; error: unknown } {
  const payloads: Uint8Array[] = [];
  try {
    for (let p = decoder.next(); p; p = decoder.next()) payloads.push(p);
  } catch (error) {
    return { payloads, error };
  }
  return { payloads, error: undefined };
}

function setSeq(coder: PacketEncoder | PacketDecoder, seq: number): void {
  // Reaching 2^32 - 1 by sending 4 billion packets is not practical in a unit test.
  (coder as unknown as { sequence: number }).sequence = seq;
}

describe.each(BACKENDS)('packet decoder (%s backend)', (_n, crypto) => {
  describe('length limits in the clear state', () => {
    it.each([0, 1, 4, 5, 262_145, 2 ** 31, 2 ** 32 - 1])('refuses packet_length %d at once', (length) => {
      const decoder = new PacketDecoder(crypto);
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, length);
      decoder.push(head);
      expect(() => decoder.next()).toThrow(ProtocolError);
    });

    it('waits for a large but legal packet instead of refusing it', () => {
      const decoder = new PacketDecoder(crypto);
      decoder.push(rawPacket(DEFAULT_MAX_PACKET_LENGTH - 4, 4, 100)); // 4 + length is a multiple of 8
      expect(decoder.next()).toBeUndefined();
    });

    it('refuses a packet that is not a multiple of 8 bytes', () => {
      const decoder = new PacketDecoder(crypto);
      decoder.push(rawPacket(13, 4));
      expect(() => decoder.next()).toThrow(/block size/);
    });

    it('honours a smaller configured maximum and refuses one below RFC 4253 §6.1', () => {
      const decoder = new PacketDecoder(crypto, { maxPacketLength: 35_000 });
      decoder.push(rawPacket(35_004, 4, 10));
      expect(() => decoder.next()).toThrow(ProtocolError);
      expect(() => new PacketDecoder(crypto, { maxPacketLength: 1000 })).toThrow(UsageError);
    });
  });

  describe('padding in the clear state', () => {
    it.each([0, 1, 2, 3])('refuses padding_length %d (< 4)', (padding) => {
      const decoder = new PacketDecoder(crypto);
      decoder.push(rawPacket(12, padding));
      expect(() => decoder.next()).toThrow(/padding/);
    });

    it.each([12, 13, 255])('refuses padding_length %d ≥ packet_length 12', (padding) => {
      const decoder = new PacketDecoder(crypto);
      decoder.push(rawPacket(12, padding));
      expect(() => decoder.next()).toThrow(/padding/);
    });

    it('accepts padding_length = packet_length - 1 as an empty payload', () => {
      const decoder = new PacketDecoder(crypto);
      decoder.push(rawPacket(12, 11));
      expect(decoder.next()).toEqual(new Uint8Array(0));
    });
  });

  it.each([
    ['aes128-gcm@openssh.com', undefined],
    ['chacha20-poly1305@openssh.com', undefined],
    ['aes128-ctr', 'hmac-sha2-256'],
    ['aes256-ctr', 'hmac-sha2-256-etm@openssh.com'],
  ])('refuses padding < 4 that passes the MAC (%s %s)', (cipher, mac) => {
    const keys = keysFor(cipher, mac);
    const decoder = new PacketDecoder(crypto);
    decoder.setKeys(keys);
    const aligned = createSealer(crypto, keys).alignFrom === 4 ? 16 : 12; // 16 or 4 + 12 bytes, both aligned
    decoder.push(sealRaw(crypto, keys, rawPacket(aligned, 3)));
    const { payloads, error } = drain(decoder);
    expect(payloads).toEqual([]);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).not.toBeInstanceOf(MacError);
  });

  describe.each(COMBOS.map((c) => [comboName(c), c] as const))('integrity: %s', (_name, [cipher, mac]) => {
    const keys = keysFor(cipher, mac);
    const encoder = new PacketEncoder(crypto, testRandom());
    encoder.setKeys(keys);
    const sealed = encoder.encode(Uint8Array.from('a small packet body'));
    // Enough extra bytes to complete any length a flipped bit could produce up to the maximum.
    const filler = new Uint8Array(40_000);

    it('refuses the packet with any single byte flipped, releasing nothing', () => {
      for (let i = 0; i < sealed.length; i++) {
        const bad = sealed.slice();
        bad[i] ^= 1 << (i % 8);
        const decoder = new PacketDecoder(crypto, { maxPacketLength: 35_000 });
        decoder.setKeys(keys);
        decoder.push(bad);
        decoder.push(filler);
        const { payloads, error } = drain(decoder);
        expect(payloads, `byte ${i}`).toEqual([]);
        expect(error, `byte ${i}`).toBeInstanceOf(ProtocolError);
      }
    });

    it('refuses the packet under a different sequence number or with a truncated trailer', () => {
      const decoder = new PacketDecoder(crypto);
      decoder.setKeys(keys);
      decoder.resetSequence();
      setSeq(decoder, 1);
      decoder.push(sealed);
      const { payloads, error } = drain(decoder);
      // AES-GCM does not use the sequence number: its own IV counter must match instead (RFC 5647 §7.1).
      // chacha20-poly1305 derives the length key stream from it, so a wrong one garbles the length first.
      if (keys.cipher.mode !== 'aes-gcm') {
        expect(payloads).toEqual([]);
        expect(error).toBeInstanceOf(ProtocolError);
      }

      const short = new PacketDecoder(crypto);
      short.setKeys(keys);
      short.push(sealed.subarray(0, sealed.length - 1));
      expect(short.next()).toBeUndefined();
      expect(short.buffered).toBe(sealed.length - 1);
    });
  });

  it('keeps failing once failed, and drops what is pushed afterwards', () => {
    const decoder = new PacketDecoder(crypto);
    decoder.push(rawPacket(12, 2));
    let first: unknown;
    try {
      decoder.next();
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(ProtocolError);
    decoder.push(rawPacket(12, 4));
    expect(decoder.buffered).toBe(0);
    expect(() => decoder.next()).toThrow(first as Error);
  });

  describe.each(COMBOS.map((c) => [comboName(c), c] as const))(
    'key switch at NEWKEYS: %s',
    (_name, [cipher, mac]) => {
      it('decodes the clear NEWKEYS and the protected packet after it from one chunk', () => {
        const keys = keysFor(cipher, mac);
        const encoder = new PacketEncoder(crypto, testRandom());
        const newKeys = encoder.encode(new Uint8Array([21]));
        encoder.setKeys(keys);
        const next = encoder.encode(new Uint8Array([5, 0, 0, 0, 12]));
        const decoder = new PacketDecoder(crypto);
        decoder.push(concatBytes(newKeys, next));
        expect(decoder.next()).toEqual(new Uint8Array([21]));
        // The following packet's bytes are still raw: nothing of it was read with the old (clear) state.
        expect(decoder.buffered).toBe(next.length);
        decoder.setKeys(keys);
        expect(decoder.next()).toEqual(new Uint8Array([5, 0, 0, 0, 12]));
        expect(decoder.seq).toBe(2);
      });
    },
  );

  it('refuses to change keys in the middle of a packet', () => {
    const decoder = new PacketDecoder(crypto);
    decoder.push(rawPacket(12, 4).subarray(0, 6));
    expect(decoder.next()).toBeUndefined();
    expect(() => decoder.setKeys(keysFor('aes128-ctr', 'hmac-sha2-256'))).toThrow(UsageError);
  });

  it.each([
    ['chacha20-poly1305@openssh.com', undefined],
    ['aes128-ctr', 'hmac-sha2-512'],
    ['aes128-gcm@openssh.com', undefined],
  ])('wraps sequence numbers at 2^32 on both sides (%s %s)', (cipher, mac) => {
    const keys = keysFor(cipher, mac);
    const encoder = new PacketEncoder(crypto, testRandom());
    const decoder = new PacketDecoder(crypto);
    encoder.setKeys(keys);
    decoder.setKeys(keys);
    setSeq(encoder, 0xfffffffe);
    setSeq(decoder, 0xfffffffe);
    const inputs = [1, 2, 3, 4].map((n) => new Uint8Array(n).fill(n));
    for (const p of inputs) decoder.push(encoder.encode(p));
    expect(encoder.seq).toBe(2);
    expect(hexList(drain(decoder).payloads)).toEqual(hexList(inputs));
    expect(decoder.seq).toBe(2);
  });

  it('strict kex: both sides reset to 0 after NEWKEYS; a one-sided reset breaks the MAC', () => {
    const keys = keysFor('aes128-ctr', 'hmac-sha2-256-etm@openssh.com');
    const encoder = new PacketEncoder(crypto, testRandom());
    const decoder = new PacketDecoder(crypto);
    for (let i = 0; i < 3; i++) decoder.push(encoder.encode(new Uint8Array([20 + i])));
    expect(drain(decoder).payloads).toHaveLength(3);
    encoder.setKeys(keys);
    encoder.resetSequence();
    decoder.setKeys(keys);
    decoder.resetSequence();
    decoder.push(encoder.encode(new Uint8Array([6])));
    expect(drain(decoder).payloads).toEqual([new Uint8Array([6])]);
    expect([encoder.seq, decoder.seq]).toEqual([1, 1]);

    encoder.resetSequence(); // only one side
    decoder.push(encoder.encode(new Uint8Array([7])));
    expect(drain(decoder).error).toBeInstanceOf(MacError);
  });

  it('reports failures as typed SshErrors with a disconnect reason', () => {
    const keys = keysFor('aes256-gcm@openssh.com', undefined);
    const encoder = new PacketEncoder(crypto, testRandom());
    encoder.setKeys(keys);
    const bad = encoder.encode(new Uint8Array(50));
    bad[30] ^= 0x40;
    const decoder = new PacketDecoder(crypto);
    decoder.setKeys(keys);
    decoder.push(bad);
    const { error } = drain(decoder);
    expect(error).toBeInstanceOf(MacError);
    expect((error as SshError).reason).toBe(5); // RFC 4253 §11.1 SSH_DISCONNECT_MAC_ERROR
  });
});
