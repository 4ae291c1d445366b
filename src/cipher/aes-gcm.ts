/**
 * aes128-gcm@openssh.com and aes256-gcm@openssh.com: RFC 5647 §7 framing under OpenSSH's names, where the
 * cipher's tag replaces the negotiated MAC (OpenSSH PROTOCOL §1.7).
 *
 *   IV (12 bytes)   fixed (4 bytes) ‖ invocation_counter (uint64), both from the KDF; the counter adds 1
 *                   per packet, modulo 2^64 (RFC 5647 §7.1)
 *   wire packet     uint32 packet_length                 in clear; the AAD (RFC 5647 §7.3)
 *                   byte[n] AES-GCM(padding_length ‖ payload ‖ padding)
 *                   byte[16] tag
 */
import type { AeadCipher, CryptoBackend } from '../crypto/backend.js';
import { wipe } from '../crypto/bytes.js';
import { MacError, UsageError } from '../errors.js';
import type { PacketOpener, PacketSealer } from './types.js';
import { readUint32 } from './uint32.js';

const TAG_LENGTH = 16;

abstract class AesGcmBase {
  readonly blockSize = 16;
  readonly alignFrom = 4;
  readonly trailerLength = TAG_LENGTH;
  protected readonly aead: AeadCipher;
  protected readonly iv: Uint8Array;
  private readonly key: Uint8Array;

  constructor(crypto: CryptoBackend, key: Uint8Array, iv: Uint8Array) {
    if (key.length !== 16 && key.length !== 32)
      throw new UsageError(`AES-GCM needs a 16- or 32-byte key, got ${key.length}`);
    if (iv.length !== 12) throw new UsageError(`AES-GCM needs a 12-byte IV, got ${iv.length}`);
    this.key = key.slice();
    this.iv = iv.slice();
    this.aead = crypto.aesGcm(this.key);
  }

  /** RFC 5647 §7.1: increment the 64-bit invocation counter (bytes 4..12) as a big-endian integer. */
  protected advance(): void {
    for (let i = 11; i >= 4; i--) {
      this.iv[i] = (this.iv[i] + 1) & 0xff;
      if (this.iv[i] !== 0) return;
    }
  }

  dispose(): void {
    wipe(this.key, this.iv);
  }
}

export class AesGcmSealer extends AesGcmBase implements PacketSealer {
  /**
   * Whether the packet encoder may ask for `sealToParts` (see PacketEncoder.encodeParts): only when the backend
   * hands back the cipher's own buffers. Through `seal()` the node backend would join them (one more
   * allocation and copy per packet), which costs more than sealing in place.
   */
  readonly sealsToParts: boolean;

  constructor(crypto: CryptoBackend, key: Uint8Array, iv: Uint8Array) {
    super(crypto, key, iv);
    this.sealsToParts = this.aead.sealParts !== undefined;
  }

  seal(_seq: number, packet: Uint8Array): void {
    const end = packet.length - TAG_LENGTH;
    const aad = packet.subarray(0, 4);
    if (this.aead.sealInto) this.aead.sealInto(this.iv, aad, packet.subarray(4, end), packet, 4);
    else packet.set(this.aead.seal(this.iv, aad, packet.subarray(4, end)), 4);
    this.advance();
  }

  /**
   * Seals `plain` (the whole plaintext packet, without room for the tag) into the wire parts `packet_length`,
   * ciphertext and tag, in fresh memory: `plain` is not kept and may be reused at once. Only when
   * `sealsToParts`.
   */
  sealToParts(_seq: number, plain: Uint8Array): Uint8Array[] {
    if (!this.aead.sealParts) throw new UsageError('this AES-GCM backend cannot seal to parts');
    const aad = plain.slice(0, 4);
    const [ciphertext, tag] = this.aead.sealParts(this.iv, aad, plain.subarray(4));
    this.advance();
    return [aad, ciphertext, tag];
  }
}

export class AesGcmOpener extends AesGcmBase implements PacketOpener {
  readonly headLength = 4;
  /** The plaintext is the cipher's own output, never a view of the packet (the decoder may reuse the packet). */
  readonly opensIntoOwnMemory = true;

  readLength(_seq: number, head: Uint8Array): number {
    return readUint32(head, 0);
  }

  open(_seq: number, packet: Uint8Array): Uint8Array {
    const plain = this.aead.open(this.iv, packet.subarray(0, 4), packet.subarray(4));
    if (plain === null) throw new MacError();
    this.advance();
    return plain;
  }
}
