/**
 * Each AES mode checked against a direct construction from node:crypto written from the specs, independent
 * of both backends and of the sealer code: RFC 5647 §7 (GCM, IV counter), RFC 4344 §4 + RFC 4253 §6.4
 * (CTR, encrypt-and-MAC), OpenSSH PROTOCOL §1.6 (-etm).
 */
import { createCipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOpener, createSealer } from '../../src/cipher/protection.js';
import type { DirectionKeys } from '../../src/cipher/types.js';
import { concatBytes } from '../../src/crypto/bytes.js';
import { BACKENDS, keysFor } from './helpers.js';

/** A plaintext packet `uint32 length ‖ padding_length ‖ payload ‖ padding` with the given aligned sizes. */
function plainPacket(payloadLength: number, padding: number, fill: number): Uint8Array {
  const length = 1 + payloadLength + padding;
  const p = new Uint8Array(4 + length);
  new DataView(p.buffer).setUint32(0, length);
  p[4] = padding;
  p.fill(fill, 5);
  return p;
}

function seqBytes(seq: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, seq);
  return b;
}

function sealAll(
  crypto: (typeof BACKENDS)[number][1],
  keys: DirectionKeys,
  seqs: number[],
  plains: Uint8Array[],
) {
  const sealer = createSealer(crypto, keys);
  return plains.map((plain, i) => {
    const packet = new Uint8Array(plain.length + sealer.trailerLength);
    packet.set(plain);
    sealer.seal(seqs[i], packet);
    return packet;
  });
}

function openAll(
  crypto: (typeof BACKENDS)[number][1],
  keys: DirectionKeys,
  seqs: number[],
  wire: Uint8Array[],
) {
  const opener = createOpener(crypto, keys);
  return wire.map((packet, i) => {
    const head = packet.subarray(0, opener.headLength);
    const length = opener.readLength(seqs[i], head);
    expect(4 + length + opener.trailerLength).toBe(packet.length);
    return opener.open(seqs[i], packet);
  });
}

// Three packets whose sequence numbers wrap past 2^32 - 1 (RFC 4253 §6.4).
const SEQS = [0xfffffffe, 0xffffffff, 0];

describe.each(BACKENDS)('AES modes against a direct node:crypto construction (%s backend)', (_n, crypto) => {
  it.each(['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'])(
    '%s: IV counter and AAD (RFC 5647 §7)',
    (name) => {
      const keys = keysFor(name, undefined);
      // Start the 64-bit invocation counter two steps before it wraps; the fixed field must not change.
      keys.iv.fill(0xff, 4);
      const plains = [plainPacket(11, 4, 1), plainPacket(27, 4, 2), plainPacket(10, 5, 3)];
      const algorithm = keys.key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
      const expected = plains.map((plain, i) => {
        const iv = keys.iv.slice();
        const counter = (0xffffffffffffffffn + BigInt(i)) & 0xffffffffffffffffn;
        new DataView(iv.buffer).setBigUint64(4, counter);
        const gcm = createCipheriv(algorithm, keys.key, iv);
        gcm.setAAD(plain.subarray(0, 4));
        const body = concatBytes(gcm.update(plain.subarray(4)), gcm.final());
        return concatBytes(plain.subarray(0, 4), body, gcm.getAuthTag());
      });
      const wire = sealAll(crypto, keys, SEQS, plains);
      expect(wire).toEqual(expected);
      expect(openAll(crypto, keys, SEQS, wire)).toEqual(plains.map((p) => p.subarray(4)));
    },
  );

  it.each(['aes128-ctr', 'aes192-ctr', 'aes256-ctr'])(
    '%s + hmac-sha2-256: one keystream, MAC over seq ‖ plaintext',
    (name) => {
      const keys = keysFor(name, 'hmac-sha2-256');
      const plains = [plainPacket(11, 16, 1), plainPacket(7, 4, 2), plainPacket(40, 11, 3)];
      const ctr = createCipheriv(`aes-${keys.key.length * 8}-ctr`, keys.key, keys.iv);
      const expected = plains.map((plain, i) => {
        const mac = createHmac('sha256', keys.macKey).update(seqBytes(SEQS[i])).update(plain).digest();
        return concatBytes(ctr.update(plain), mac);
      });
      const wire = sealAll(crypto, keys, SEQS, plains);
      expect(wire).toEqual(expected);
      expect(openAll(crypto, keys, SEQS, wire)).toEqual(plains.map((p) => p.subarray(4)));
    },
  );

  it.each([
    ['hmac-sha2-256-etm@openssh.com', 'sha256'],
    ['hmac-sha2-512-etm@openssh.com', 'sha512'],
    ['hmac-sha1-etm@openssh.com', 'sha1'],
  ])('aes128-ctr + %s: clear length, MAC over seq ‖ length ‖ ciphertext', (mac, hash) => {
    const keys = keysFor('aes128-ctr', mac);
    const plains = [plainPacket(10, 5, 1), plainPacket(6, 9, 2), plainPacket(43, 4, 3)];
    const ctr = createCipheriv('aes-128-ctr', keys.key, keys.iv);
    const expected = plains.map((plain, i) => {
      const sent = concatBytes(plain.subarray(0, 4), ctr.update(plain.subarray(4)));
      return concatBytes(sent, createHmac(hash, keys.macKey).update(seqBytes(SEQS[i])).update(sent).digest());
    });
    const wire = sealAll(crypto, keys, SEQS, plains);
    expect(wire).toEqual(expected);
    expect(openAll(crypto, keys, SEQS, wire)).toEqual(plains.map((p) => p.subarray(4)));
  });
});
