/**
 * Incoming half of the binary packet protocol (RFC 4253 §6): bytes in, payloads out, sans-I/O.
 *
 *   uint32    packet_length      5 ≤ packet_length ≤ maxPacketLength
 *   byte      padding_length     4 ≤ padding_length < packet_length
 *   byte[n1]  payload            n1 = packet_length - padding_length - 1
 *   byte[n2]  padding
 *   byte[m]   mac or AEAD tag
 *
 * `next()` decodes at most one packet and never touches the bytes after it, so keys installed with
 * `setKeys` after NEWKEYS apply exactly from the following packet (RFC 4253 §7.3). Errors are sticky: after
 * the first one, `next()` throws it again and pushed bytes are dropped, so nothing more reaches the caller.
 */

import { createOpener } from '../cipher/protection.js';
import type { DirectionKeys, PacketOpener } from '../cipher/types.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { DisconnectReason, ProtocolError, SshError, UsageError } from '../errors.js';
import { type PayloadDecompressor, ZlibDecompressor } from './compression.js';

/** OpenSSH's PACKET_MAX_SIZE (packet.c); RFC 4253 §6.1 only requires 35 000. */
export const DEFAULT_MAX_PACKET_LENGTH = 256 * 1024;

/** RFC 4253 §6: at least 4 bytes of padding, and packet_length covers padding_length ‖ payload ‖ padding. */
const MIN_PADDING = 4;
const MIN_PACKET_LENGTH = 1 + MIN_PADDING;

export interface PacketDecoderOptions {
  /** Largest packet_length accepted; also the cap on one inflated payload. Default 256 KiB. */
  maxPacketLength?: number;
}

/**
 * @example
 * const decoder = new PacketDecoder(defaultCrypto());
 * socket.on('data', (bytes) => {
 *   decoder.push(bytes);
 *   for (let payload = decoder.next(); payload; payload = decoder.next()) {
 *     handle(payload); // on SSH_MSG_NEWKEYS, call decoder.setKeys(serverToClientKeys) here, before next()
 *   }
 * });
 */
export class PacketDecoder {
  readonly maxPacketLength: number;
  private readonly queue = new ChunkQueue();
  private opener: PacketOpener;
  private decompressor: PayloadDecompressor | undefined;
  private sequence = 0;
  /** packet_length of the packet being received, once its head has been read. */
  private pendingLength: number | undefined;
  /**
   * Where a packet that arrived in several chunks is gathered, reused from packet to packet, when the opener
   * returns its plaintext in memory of its own (nothing returned can then point into it). Grows to the largest
   * such packet; a fresh buffer per packet costs an allocation and, in bulk, garbage-collector time.
   */
  private staging = new Uint8Array(0);
  private failure: SshError | undefined;

  constructor(
    private readonly crypto: CryptoBackend,
    opts: PacketDecoderOptions = {},
  ) {
    const max = opts.maxPacketLength ?? DEFAULT_MAX_PACKET_LENGTH;
    if (!Number.isInteger(max) || max < 35_000 || max > 0xffff_ffff) {
      // RFC 4253 §6.1: every implementation MUST accept packets of 35 000 bytes.
      throw new UsageError(`maxPacketLength must be an integer in [35000, 2^32 - 1], got ${max}`);
    }
    this.maxPacketLength = max;
    this.opener = createOpener(crypto, undefined);
  }

  /** Sequence number of the next packet to decode (RFC 4253 §6.4). */
  get seq(): number {
    return this.sequence;
  }

  /** Bytes pushed and not yet returned as part of a packet. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Queues received bytes. The decoder keeps and may return views of `bytes`: do not modify them afterwards. */
  push(bytes: Uint8Array): void {
    if (this.failure) return;
    this.queue.push(bytes);
  }

  /** Switches protection; call right after `next()` returned NEWKEYS (RFC 4253 §7.3). */
  setKeys(keys: DirectionKeys | undefined): void {
    if (this.pendingLength !== undefined) throw new UsageError('keys can only change at a packet boundary');
    const next = createOpener(this.crypto, keys);
    this.opener.dispose();
    this.opener = next;
  }

  /** Strict kex resets the sequence number after each NEWKEYS (OpenSSH PROTOCOL §1.9). */
  resetSequence(): void {
    this.sequence = 0;
  }

  /** Decompression from the next packet on, or none; each call starts a fresh stream (as at every NEWKEYS). */
  setDecompression(decompressor: PayloadDecompressor | undefined): void {
    this.decompressor = decompressor;
  }

  /** Inflates payloads from the next packet on (`zlib` at NEWKEYS, `zlib@openssh.com` after auth). */
  enableDecompression(decompressor: PayloadDecompressor = new ZlibDecompressor(this.maxPacketLength)): void {
    this.decompressor ??= decompressor;
  }

  /** The next payload, or `undefined` until a whole packet is buffered. Throws ProtocolError / MacError. */
  next(): Uint8Array | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.decodeOne();
    } catch (err) {
      this.failure =
        err instanceof SshError
          ? err
          : new SshError('packet decoding failed', DisconnectReason.PROTOCOL_ERROR, 'local', { cause: err });
      this.queue.clear();
      this.opener.dispose();
      throw this.failure;
    }
  }

  private decodeOne(): Uint8Array | undefined {
    const opener = this.opener;
    if (this.pendingLength === undefined) {
      if (this.queue.length < opener.headLength) return undefined;
      const length = opener.readLength(this.sequence, this.queue.read(opener.headLength, false));
      this.checkLength(length);
      this.pendingLength = length;
    }
    const length = this.pendingLength;
    const total = 4 + length + opener.trailerLength;
    if (this.queue.length < total) return undefined;

    const plain = opener.open(this.sequence, this.queue.read(total, true, this.stagingFor(total)));
    this.pendingLength = undefined;
    const padding = plain[0];
    if (padding < MIN_PADDING || padding >= length) {
      throw new ProtocolError(`bad padding_length ${padding} for packet_length ${length}`);
    }
    let payload = plain.subarray(1, length - padding);
    if (this.decompressor) payload = this.decompressor.decompress(payload);
    this.sequence = (this.sequence + 1) >>> 0;
    return payload;
  }

  /** The reusable gathering buffer for a packet of `total` bytes, or undefined when the opener may alias it. */
  private stagingFor(total: number): Uint8Array | undefined {
    if (this.opener.opensIntoOwnMemory !== true) return undefined;
    if (this.staging.length < total) this.staging = new Uint8Array(total);
    return this.staging;
  }

  /** Bounds an unauthenticated length before waiting for (or allocating) that many bytes. */
  private checkLength(length: number): void {
    if (length < MIN_PACKET_LENGTH || length > this.maxPacketLength) {
      throw new ProtocolError(`bad packet_length ${length}`);
    }
    const { blockSize, alignFrom } = this.opener;
    // RFC 4253 §6: the padded packet is a multiple of max(8, block size); AEAD/-etm count from packet_length's end.
    if ((4 + length - alignFrom) % blockSize !== 0) {
      throw new ProtocolError(
        `packet_length ${length} is not a multiple of the ${blockSize}-byte block size`,
      );
    }
  }
}

const CONSUMED = new Uint8Array(0);

/**
 * Pushed chunks, read from the front; a read inside one chunk is a view, a read across chunks a copy (into
 * `into` when given, valid until the next such read).
 */
class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private first = 0;
  private offset = 0;
  length = 0;

  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** The next `n` bytes (n ≤ length), consumed or left in place. */
  read(n: number, consume: boolean, into?: Uint8Array): Uint8Array {
    const head = this.chunks[this.first];
    if (head.length - this.offset >= n) {
      const view = head.subarray(this.offset, this.offset + n);
      if (consume) this.skip(n);
      return view;
    }
    const out = into ? into.subarray(0, n) : new Uint8Array(n);
    let filled = 0;
    for (let i = this.first, off = this.offset; filled < n; i++, off = 0) {
      const part = this.chunks[i].subarray(off, off + (n - filled));
      out.set(part, filled);
      filled += part.length;
    }
    if (consume) this.skip(n);
    return out;
  }

  private skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const left = this.chunks[this.first].length - this.offset;
      if (n < left) {
        this.offset += n;
        return;
      }
      n -= left;
      // Let go of a consumed chunk now: kept in the array until it is compacted, dead socket reads would
      // outlive young-generation collections and reach the old generation (full collections to free them).
      this.chunks[this.first++] = CONSUMED;
      this.offset = 0;
    }
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first >= 64 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }

  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.offset = 0;
    this.length = 0;
  }
}
