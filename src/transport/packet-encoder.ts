/**
 * Outgoing half of the binary packet protocol (RFC 4253 §6): payload in, one wire-ready buffer out.
 *
 *   uint32    packet_length      = 1 + n1 + n2 (excludes itself and the MAC)
 *   byte      padding_length     = n2, at least 4
 *   byte[n1]  payload            (compressed when enabled, RFC 4253 §6.2)
 *   byte[n2]  random padding
 *   byte[m]   mac or AEAD tag
 *
 * The padded packet is a multiple of max(8, cipher block size); for AEAD and -etm modes the clear length
 * field is left out of that sum, as OpenSSH does (packet.c, `aadlen`).
 */

import { createSealer } from '../cipher/protection.js';
import type { DirectionKeys, PacketSealer } from '../cipher/types.js';
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { concatBytes } from '../crypto/bytes.js';
import { UsageError } from '../errors.js';
import { type PayloadCompressor, ZlibCompressor } from './compression.js';
import { DEFAULT_MAX_PACKET_LENGTH } from './packet-decoder.js';

/** RFC 4253 §6: "There MUST be at least four bytes of padding." */
const MIN_PADDING = 4;

/**
 * Padding is drawn from a pool this large, refilled from the RandomSource, instead of one draw per packet
 * (a draw costs about as much as sealing a small packet). Padding is not secret, each byte is used once.
 */
const PADDING_POOL_SIZE = 4096;

/**
 * Largest payload we send: peers (OpenSSH, our decoder) refuse packets over 256 KiB. The margin covers
 * padding, and deflate's worst-case growth on incompressible data (a few bytes per 16 KiB block).
 */
export const MAX_PAYLOAD_LENGTH = DEFAULT_MAX_PACKET_LENGTH - 1024;

/**
 * @example
 * const encoder = new PacketEncoder(defaultCrypto(), systemRandom);
 * socket.write(encoder.encode(kexInitPayload));
 * socket.write(encoder.encode(new Uint8Array([21]))); // SSH_MSG_NEWKEYS
 * encoder.setKeys(clientToServerKeys);
 */
export class PacketEncoder {
  private sealer: PacketSealer;
  private compressor: PayloadCompressor | undefined;
  private sequence = 0;
  private paddingPool: Uint8Array = new Uint8Array(0);
  private paddingUsed = 0;
  /** Where `encodeParts` lays out plaintext for a sealer that returns fresh parts; grows to the largest packet. */
  private staging = new Uint8Array(0);

  constructor(
    private readonly crypto: CryptoBackend,
    private readonly random: RandomSource,
  ) {
    this.sealer = createSealer(crypto, undefined);
  }

  /** Sequence number of the next packet (RFC 4253 §6.4: uint32, wraps to 0 after 2^32 - 1). */
  get seq(): number {
    return this.sequence;
  }

  /** Switches protection; call right after sending NEWKEYS (RFC 4253 §7.3). `undefined` = unprotected. */
  setKeys(keys: DirectionKeys | undefined): void {
    const next = createSealer(this.crypto, keys);
    this.sealer.dispose();
    this.sealer = next;
  }

  /** Strict kex resets the sequence number after each NEWKEYS (OpenSSH PROTOCOL §1.9). */
  resetSequence(): void {
    this.sequence = 0;
  }

  /**
   * Compression from the next packet on (`zlib` at NEWKEYS, `zlib@openssh.com` after auth), or none. Each call
   * starts a fresh stream: OpenSSH restarts zlib at every NEWKEYS.
   */
  setCompression(compressor: PayloadCompressor | undefined): void {
    this.compressor = compressor;
  }

  /** Starts compressing payloads from the next packet on, unless already compressing. */
  enableCompression(compressor: PayloadCompressor = new ZlibCompressor()): void {
    this.compressor ??= compressor;
  }

  /**
   * Frames, pads and protects one payload, `payload ‖ tail` when a tail is given (channel data, copied once,
   * straight into the packet); the result is the whole packet for a single write.
   */
  encode(payload: Uint8Array, tail?: Uint8Array): Uint8Array {
    const [head, rest] = this.compress(payload, tail);
    const bodyLength = head.length + (rest ? rest.length : 0);
    const packetLength = this.packetLengthFor(bodyLength);
    const packet = new Uint8Array(4 + packetLength + this.sealer.trailerLength);
    this.lay(packet, packetLength, head, rest);
    this.sealer.seal(this.sequence, packet);
    this.sequence = (this.sequence + 1) >>> 0;
    return packet;
  }

  /**
   * The same packet as `encode`, possibly in parts to be written in order and back to back. With a sealer
   * that hands back the cipher's own output (node:crypto AES-GCM: `packet_length`, ciphertext, tag), the
   * plaintext is laid out in a buffer reused from packet to packet, so a packet costs one allocation (the
   * cipher's) instead of two and its data is copied once; otherwise the one part is `encode`'s packet.
   */
  encodeParts(payload: Uint8Array, tail?: Uint8Array): Uint8Array[] {
    const sealer = this.sealer;
    if (!sealer.sealsToParts || !sealer.sealToParts) return [this.encode(payload, tail)];
    const [head, rest] = this.compress(payload, tail);
    const bodyLength = head.length + (rest ? rest.length : 0);
    const packetLength = this.packetLengthFor(bodyLength);
    if (this.staging.length < 4 + packetLength) this.staging = new Uint8Array(4 + packetLength);
    const plain = this.staging.subarray(0, 4 + packetLength);
    this.lay(plain, packetLength, head, rest);
    const parts = sealer.sealToParts(this.sequence, plain);
    this.sequence = (this.sequence + 1) >>> 0;
    return parts;
  }

  /** The payload as it goes into the packet: compressed into one piece, or the two pieces as given. */
  private compress(payload: Uint8Array, tail: Uint8Array | undefined): [Uint8Array, Uint8Array | undefined] {
    const length = payload.length + (tail ? tail.length : 0);
    // Checked before compressing, so a refused payload never enters (and desynchronises) the zlib stream.
    if (length > MAX_PAYLOAD_LENGTH) {
      throw new UsageError(`payload of ${length} bytes is over the ${MAX_PAYLOAD_LENGTH}-byte limit`);
    }
    if (!this.compressor) return [payload, tail];
    return [this.compressor.compress(tail ? joinParts(payload, tail) : payload), undefined];
  }

  /** packet_length for a payload of `bodyLength` bytes, padded to the sealer's block size. */
  private packetLengthFor(bodyLength: number): number {
    const { blockSize, alignFrom } = this.sealer;
    const unpadded = 4 + 1 + bodyLength - alignFrom;
    let padding = blockSize - (unpadded % blockSize);
    if (padding < MIN_PADDING) padding += blockSize;
    return 1 + bodyLength + padding;
  }

  /** Writes `packet_length ‖ padding_length ‖ head ‖ rest ‖ padding` at the start of `packet`. */
  private lay(
    packet: Uint8Array,
    packetLength: number,
    head: Uint8Array,
    rest: Uint8Array | undefined,
  ): void {
    const bodyLength = head.length + (rest ? rest.length : 0);
    const padding = packetLength - 1 - bodyLength;
    packet[0] = packetLength >>> 24;
    packet[1] = packetLength >>> 16;
    packet[2] = packetLength >>> 8;
    packet[3] = packetLength;
    packet[4] = padding;
    packet.set(head, 5);
    if (rest) packet.set(rest, 5 + head.length);
    // RFC 4253 §6: "The padding SHOULD consist of random bytes."
    packet.set(this.randomPadding(padding), 5 + bodyLength);
  }

  /** `n` unused bytes of the padding pool (n is under two cipher blocks, far below the pool size). */
  private randomPadding(n: number): Uint8Array {
    if (this.paddingUsed + n > this.paddingPool.length) {
      this.paddingPool = this.random(PADDING_POOL_SIZE);
      this.paddingUsed = 0;
    }
    const bytes = this.paddingPool.subarray(this.paddingUsed, this.paddingUsed + n);
    this.paddingUsed += n;
    return bytes;
  }
}

/** `head ‖ tail` in one new buffer (a payload given in two parts, where one piece is needed). */
export function joinParts(head: Uint8Array, tail: Uint8Array): Uint8Array {
  return concatBytes(head, tail);
}
