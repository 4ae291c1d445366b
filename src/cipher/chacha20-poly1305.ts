/**
 * chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305). ChaCha20 here is the original
 * construction with a 64-bit nonce and a 64-bit block counter, not RFC 8439's.
 *
 *   key (64 bytes)  K_2 (bytes 0..32: payload and Poly1305 key) ‖ K_1 (bytes 32..64: packet_length only)
 *   nonce           uint64 sequence number, big-endian
 *   wire packet     ChaCha20(K_1, nonce, counter 0) ⊕ uint32 packet_length
 *                   ChaCha20(K_2, nonce, counter 1) ⊕ (byte padding_length ‖ payload ‖ padding)
 *                   tag = Poly1305(key = ChaCha20(K_2, nonce, counter 0)[0..32], all bytes above)
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { equalBytes, wipe } from '../crypto/bytes.js';
import { MacError, UsageError } from '../errors.js';
import type { PacketOpener, PacketSealer } from './types.js';
import { readUint32, writeUint32 } from './uint32.js';

const TAG_LENGTH = 16;
const POLY_KEY_ZEROS = new Uint8Array(32);

class ChaChaPolyKeys {
  /** K_2: payload keystream and the per-packet Poly1305 key. */
  readonly main: Uint8Array;
  /** K_1: packet_length only, so the length can be read before the packet is complete. */
  readonly header: Uint8Array;
  readonly nonce = new Uint8Array(8);

  constructor(
    readonly crypto: CryptoBackend,
    key: Uint8Array,
  ) {
    if (key.length !== 64)
      throw new UsageError(`chacha20-poly1305@openssh.com needs a 64-byte key, got ${key.length}`);
    this.main = key.slice(0, 32);
    this.header = key.slice(32, 64);
  }

  /** The nonce is the sequence number as uint64; seq is a uint32, so the high half stays zero. */
  setNonce(seq: number): Uint8Array {
    writeUint32(this.nonce, 4, seq);
    return this.nonce;
  }

  tag(nonce: Uint8Array, authenticated: Uint8Array): Uint8Array {
    const polyKey = this.crypto.chacha20(this.main, nonce, 0, POLY_KEY_ZEROS);
    const tag = this.crypto.poly1305(polyKey, authenticated);
    wipe(polyKey);
    return tag;
  }

  dispose(): void {
    wipe(this.main, this.header);
  }
}

abstract class ChaChaPolyBase {
  readonly blockSize = 8;
  readonly alignFrom = 4;
  readonly trailerLength = TAG_LENGTH;
  protected readonly keys: ChaChaPolyKeys;

  constructor(crypto: CryptoBackend, key: Uint8Array) {
    this.keys = new ChaChaPolyKeys(crypto, key);
  }

  dispose(): void {
    this.keys.dispose();
  }
}

export class ChaChaPolySealer extends ChaChaPolyBase implements PacketSealer {
  seal(seq: number, packet: Uint8Array): void {
    const k = this.keys;
    const nonce = k.setNonce(seq);
    const end = packet.length - TAG_LENGTH;
    packet.set(k.crypto.chacha20(k.header, nonce, 0, packet.subarray(0, 4)), 0);
    packet.set(k.crypto.chacha20(k.main, nonce, 1, packet.subarray(4, end)), 4);
    packet.set(k.tag(nonce, packet.subarray(0, end)), end);
  }
}

export class ChaChaPolyOpener extends ChaChaPolyBase implements PacketOpener {
  readonly headLength = 4;

  readLength(seq: number, head: Uint8Array): number {
    const k = this.keys;
    return readUint32(k.crypto.chacha20(k.header, k.setNonce(seq), 0, head.subarray(0, 4)), 0);
  }

  open(seq: number, packet: Uint8Array): Uint8Array {
    const k = this.keys;
    const nonce = k.setNonce(seq);
    const end = packet.length - TAG_LENGTH;
    // PROTOCOL.chacha20poly1305: the tag is checked over the ciphertext before anything is decrypted.
    if (!equalBytes(k.tag(nonce, packet.subarray(0, end)), packet.subarray(end))) throw new MacError();
    return k.crypto.chacha20(k.main, nonce, 1, packet.subarray(4, end));
  }
}
