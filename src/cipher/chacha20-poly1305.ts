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

/**
 * The construction itself, with the nonce as bytes. SSH only ever uses a uint32 sequence number; taking the
 * nonce lets known-answer tests drive the same code with any 64-bit value.
 *
 * `seal` and `open` make no allocation of their own but the plaintext `open` returns: the cipher writes into
 * the packet or into buffers kept here (the Poly1305 key, the computed tag, the decrypted length).
 */
export class ChaChaPolyCore {
  /** K_2: payload keystream and the per-packet Poly1305 key. */
  private readonly main: Uint8Array;
  /** K_1: packet_length only, so the length can be read before the packet is complete. */
  private readonly header: Uint8Array;
  private readonly polyKey = new Uint8Array(32);
  private readonly tag = new Uint8Array(TAG_LENGTH);
  private readonly length = new Uint8Array(4);

  constructor(
    private readonly crypto: CryptoBackend,
    key: Uint8Array,
  ) {
    if (key.length !== 64)
      throw new UsageError(`chacha20-poly1305@openssh.com needs a 64-byte key, got ${key.length}`);
    this.main = key.slice(0, 32);
    this.header = key.slice(32, 64);
  }

  /** Encrypts `uint32 length ‖ rest` in place and writes the tag into the last 16 bytes. */
  seal(nonce: Uint8Array, packet: Uint8Array): void {
    const end = packet.length - TAG_LENGTH;
    const length = packet.subarray(0, 4);
    const body = packet.subarray(4, end);
    this.crypto.chacha20(this.header, nonce, 0, length, length);
    this.crypto.chacha20(this.main, nonce, 1, body, body);
    this.authenticate(nonce, packet.subarray(0, end), packet.subarray(end));
  }

  /**
   * Seals `plain` (`uint32 length ‖ rest`, no room for the tag) into the wire parts: encrypted length,
   * ciphertext and tag, all fresh memory (the ciphertext is ChaCha20's own output), so `plain` may be reused
   * at once and the packet is neither allocated nor copied whole.
   */
  sealToParts(nonce: Uint8Array, plain: Uint8Array): Uint8Array[] {
    const length = this.crypto.chacha20(this.header, nonce, 0, plain.subarray(0, 4), new Uint8Array(4));
    const body = this.crypto.chacha20(this.main, nonce, 1, plain.subarray(4));
    const tag = new Uint8Array(TAG_LENGTH);
    this.authenticate(nonce, [length, body], tag);
    return [length, body, tag];
  }

  decryptLength(nonce: Uint8Array, head: Uint8Array): number {
    return readUint32(this.crypto.chacha20(this.header, nonce, 0, head.subarray(0, 4), this.length), 0);
  }

  /** Checks the tag over the ciphertext before decrypting anything; returns the bytes after the length. */
  open(nonce: Uint8Array, packet: Uint8Array): Uint8Array {
    const end = packet.length - TAG_LENGTH;
    this.authenticate(nonce, packet.subarray(0, end), this.tag);
    if (!equalBytes(this.tag, packet.subarray(end))) throw new MacError();
    return this.crypto.chacha20(this.main, nonce, 1, packet.subarray(4, end));
  }

  /**
   * tag = Poly1305(ChaCha20(K_2, nonce, counter 0)[0..32], authenticated), into `out`. The one-time key stays
   * in `polyKey` until the next packet overwrites it or dispose wipes it: K_2, which derives it, is held as long.
   */
  private authenticate(nonce: Uint8Array, authenticated: Uint8Array | Uint8Array[], out: Uint8Array): void {
    this.crypto.chacha20(this.main, nonce, 0, POLY_KEY_ZEROS, this.polyKey);
    this.crypto.poly1305(this.polyKey, authenticated, out);
  }

  dispose(): void {
    wipe(this.main, this.header, this.polyKey);
  }
}

abstract class ChaChaPolyBase {
  readonly blockSize = 8;
  readonly alignFrom = 4;
  readonly trailerLength = TAG_LENGTH;
  protected readonly core: ChaChaPolyCore;
  private readonly nonceBytes = new Uint8Array(8);

  constructor(crypto: CryptoBackend, key: Uint8Array) {
    this.core = new ChaChaPolyCore(crypto, key);
  }

  /** The nonce is the sequence number as uint64; seq is a uint32, so the high half stays zero. */
  protected nonce(seq: number): Uint8Array {
    writeUint32(this.nonceBytes, 4, seq);
    return this.nonceBytes;
  }

  dispose(): void {
    this.core.dispose();
  }
}

export class ChaChaPolySealer extends ChaChaPolyBase implements PacketSealer {
  /** The packet encoder may ask for `sealToParts` (see PacketEncoder.encodeParts). */
  readonly sealsToParts = true;

  seal(seq: number, packet: Uint8Array): void {
    this.core.seal(this.nonce(seq), packet);
  }

  /** The wire packet as fresh parts (encrypted length, ciphertext, tag); `plain` is not kept. */
  sealToParts(seq: number, plain: Uint8Array): Uint8Array[] {
    return this.core.sealToParts(this.nonce(seq), plain);
  }
}

export class ChaChaPolyOpener extends ChaChaPolyBase implements PacketOpener {
  readonly headLength = 4;
  /** The plaintext is ChaCha20's fresh output, never a view of the packet (the decoder may reuse the packet). */
  readonly opensIntoOwnMemory = true;

  readLength(seq: number, head: Uint8Array): number {
    return this.core.decryptLength(this.nonce(seq), head);
  }

  open(seq: number, packet: Uint8Array): Uint8Array {
    return this.core.open(this.nonce(seq), packet);
  }
}
