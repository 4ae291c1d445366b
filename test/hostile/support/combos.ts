/** Every cipher × MAC pairing we offer by default (AEAD ciphers ignore the MAC, so they appear once). */
import { CIPHERS, DEFAULT_CIPHERS, DEFAULT_MACS } from '../../../src/cipher/registry.js';
import type { ServerCore } from '../../../src/connection/server-core.js';
import { type Harness, serverUnderTest } from './harness.js';

export interface Combo {
  name: string;
  cipher: string;
  mac: string | undefined;
}

export const OFFERED: readonly Combo[] = DEFAULT_CIPHERS.flatMap((cipher): Combo[] =>
  CIPHERS[cipher].aead
    ? [{ name: cipher, cipher, mac: undefined }]
    : DEFAULT_MACS.map((mac) => ({ name: `${cipher} + ${mac}`, cipher, mac })),
);

/** A server SUT past its key exchange with this pairing in both directions. */
export function keyedServer(combo: Combo, seed = 'keyed'): Harness<ServerCore> {
  const h = serverUnderTest({
    seed: `${seed}/${combo.name}`,
    peer: { cipher: [combo.cipher], mac: combo.mac ? [combo.mac] : undefined },
  });
  h.handshake();
  const n = h.sut.transport.negotiated!;
  if (n.cipherCS !== combo.cipher || n.macCS !== combo.mac)
    throw new Error(`negotiated ${n.cipherCS}/${n.macCS}, wanted ${combo.name}`);
  return h;
}

/** The same bytes with the packet_length field changed from `from` to `to` by XOR: this works whether the
 * field travels in the clear (AEAD, -etm) or under a stream cipher (CTR, chacha's length key), since XOR on
 * a stream-cipher ciphertext is XOR on its plaintext. */
export function forgeLength(wire: Uint8Array, from: number, to: number): Uint8Array {
  const out = wire.slice();
  const x = (from ^ to) >>> 0;
  out[0] ^= x >>> 24;
  out[1] ^= (x >>> 16) & 0xff;
  out[2] ^= (x >>> 8) & 0xff;
  out[3] ^= x & 0xff;
  return out;
}
