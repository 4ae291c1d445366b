/**
 * PacketEncoder.encodeParts: a packet may come back as the parts the cipher produced (AES-GCM: packet_length,
 * ciphertext, tag), laid out from a plaintext buffer the encoder reuses. Written back to back, the parts must
 * be exactly the bytes `encode` gives for the same payload, sequence number and padding (RFC 4253 §6,
 * RFC 5647 §7), and parts already returned must keep their bytes while later packets are encoded.
 */
import { describe, expect, it } from 'vitest';
import type { AeadCipher, CryptoBackend } from '../../src/crypto/backend.js';
import { concatBytes } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/index.js';
import { PacketDecoder } from '../../src/transport/packet-decoder.js';
import { PacketEncoder } from '../../src/transport/packet-encoder.js';
import { BACKENDS, hexList, keysFor } from '../cipher/helpers.js';

/** A backend whose AES-GCM also hands back ciphertext and tag apart (the shape node:crypto can give). */
function withSealParts(crypto: CryptoBackend): CryptoBackend {
  return {
    ...crypto,
    aesGcm(key: Uint8Array) {
      const inner = crypto.aesGcm(key);
      const sealParts = (iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => {
        const sealed = inner.seal(iv, aad, plaintext);
        return [sealed.slice(0, -16), sealed.slice(-16)] as const;
      };
      return { seal: inner.seal, open: inner.open, sealParts } as AeadCipher;
    },
  };
}

const BACKEND_SHAPES: [string, CryptoBackend][] = BACKENDS.flatMap(
  ([name, crypto]): [string, CryptoBackend][] => [
    [name, crypto],
    [`${name} with sealParts`, withSealParts(crypto)],
  ],
);

const CIPHERS: [string, string | undefined][] = [
  ['aes128-gcm@openssh.com', undefined],
  ['aes256-gcm@openssh.com', undefined],
  ['chacha20-poly1305@openssh.com', undefined],
  ['aes128-ctr', 'hmac-sha2-256-etm@openssh.com'],
];

const rng = seededRandom('encode parts');
const SIZES = [0, 1, 15, 16, 17, 1000, 32_768, 34_900, 9];
const HEAD = Uint8Array.of(94, 0, 0, 0, 7, 0, 0, 0, 5);

function twins(crypto: CryptoBackend, cipher: string, mac: string | undefined, compress: boolean) {
  const keys = keysFor(cipher, mac);
  const make = () => {
    const e = new PacketEncoder(crypto, seededRandom('twin padding'));
    e.setKeys(keys);
    if (compress) e.enableCompression();
    return e;
  };
  return { parts: make(), whole: make(), keys };
}

describe.each(BACKEND_SHAPES)('PacketEncoder.encodeParts (%s backend)', (backend, crypto) => {
  describe.each(CIPHERS)('%s', (cipher, mac) => {
    for (const compress of [false, true]) {
      it(`gives encode()'s bytes, payload whole or as head + tail${compress ? ', compressed' : ''}`, () => {
        const { parts, whole } = twins(crypto, cipher, mac, compress);
        for (const size of SIZES) {
          const data = rng(size);
          expect(concatBytes(...parts.encodeParts(data))).toEqual(whole.encode(data));
          expect(concatBytes(...parts.encodeParts(HEAD, data))).toEqual(whole.encode(HEAD, data));
        }
        expect(parts.seq).toBe(whole.seq);
      });
    }

    it('returns parts that keep their bytes while later packets are encoded', () => {
      const { parts, keys } = twins(crypto, cipher, mac, false);
      const payloads = SIZES.map((n) => rng(n));
      const kept = payloads.map((p) => parts.encodeParts(p));
      const decoder = new PacketDecoder(crypto);
      decoder.setKeys(keys);
      decoder.push(concatBytes(...kept.flat()));
      const out: Uint8Array[] = [];
      for (let p = decoder.next(); p; p = decoder.next()) out.push(p);
      expect(hexList(out)).toEqual(hexList(payloads));
    });
  });

  it('returns AES-GCM packets as packet_length, ciphertext and tag only when the backend has sealParts', () => {
    const { parts } = twins(crypto, 'aes128-gcm@openssh.com', undefined, false);
    const lengths = parts.encodeParts(HEAD, rng(1000)).map((p) => p.length);
    // padding_length ‖ 1009-byte payload ‖ 14 bytes of padding = 1024 (a multiple of 16 after packet_length,
    // RFC 5647 §7.2), then the 16-byte tag.
    // node:crypto's backend has sealParts itself; noble's only through the wrapper above.
    const hasParts =
      typeof (crypto.aesGcm(new Uint8Array(16)) as { sealParts?: unknown }).sealParts === 'function';
    expect(hasParts).toBe(backend.endsWith('sealParts') || backend.startsWith('node'));
    expect(lengths).toEqual(hasParts ? [4, 1024, 16] : [4 + 1024 + 16]);
  });

  it('gives the one packet of encode() before keys are set (clear state)', () => {
    const a = new PacketEncoder(crypto, seededRandom('clear'));
    const b = new PacketEncoder(crypto, seededRandom('clear'));
    const data = rng(100);
    expect(a.encodeParts(HEAD, data)).toEqual([b.encode(HEAD, data)]);
  });
});
