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
    const length = payload.length + (tail ? tail.length : 0);
    // Checked before compressing, so a refused payload never enters (and desynchronises) the zlib stream.
    if (length > MAX_PAYLOAD_LENGTH) {
      throw new UsageError(`payload of ${length} bytes is over the ${MAX_PAYLOAD_LENGTH}-byte limit`);
    }
    let head = payload;
    let rest = tail;
    if (this.compressor) {
      head = this.compressor.compress(tail ? joinParts(payload, tail) : payload);
      rest = undefined;
    }
    const bodyLength = head.length + (rest ? rest.length : 0);
    const { blockSize, alignFrom, trailerLength } = this.sealer;
    const unpadded = 4 + 1 + bodyLength - alignFrom;
    let padding = blockSize - (unpadded % blockSize);
    if (padding < MIN_PADDING) padding += blockSize;
    const packetLength = 1 + bodyLength + padding;

    const packet = new Uint8Array(4 + packetLength + trailerLength);
    packet[0] = packetLength >>> 24;
    packet[1] = packetLength >>> 16;
    packet[2] = packetLength >>> 8;
    packet[3] = packetLength;
    packet[4] = padding;
    packet.set(head, 5);
    if (rest) packet.set(rest, 5 + head.length);
    // RFC 4253 §6: "The padding SHOULD consist of random bytes."
    packet.set(this.randomPadding(padding), 5 + bodyLength);

    this.sealer.seal(this.sequence, packet);
    this.sequence = (this.sequence + 1) >>> 0;
    return packet;
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
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
