/**
 * zlib payload compression (RFC 4253 §6.2), used by `zlib` (from NEWKEYS) and `zlib@openssh.com` (the same
 * stream, started after USERAUTH_SUCCESS). Each direction is one continuous zlib stream (RFC 1950 framing)
 * for the life of the connection; every packet's payload is flushed with Z_SYNC_FLUSH so the peer can
 * inflate it without waiting for more.
 *
 * pako is used rather than node:zlib: node's synchronous path closes the stream after one call, and pako
 * also runs in browsers. Inflated output is capped per packet, so a small packet cannot expand without
 * bound (a decompression bomb ends the connection with COMPRESSION_ERROR).
 */
import { Deflate, Inflate, Z_SYNC_FLUSH } from 'pako';
import { concatBytes } from '../crypto/bytes.js';
import { DisconnectReason, ProtocolError, SshError } from '../errors.js';

export interface PayloadCompressor {
  compress(payload: Uint8Array): Uint8Array;
}

export interface PayloadDecompressor {
  /** Throws ProtocolError (COMPRESSION_ERROR) on corrupt input or output over the per-packet cap. */
  decompress(data: Uint8Array): Uint8Array;
}

function join(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? chunks[0] : concatBytes(...chunks);
}

export class ZlibCompressor implements PayloadCompressor {
  private readonly deflate = new Deflate();
  private chunks: Uint8Array[] = [];

  constructor() {
    this.deflate.onData = (chunk) => {
      this.chunks.push(chunk);
    };
  }

  compress(payload: Uint8Array): Uint8Array {
    this.chunks = [];
    if (!this.deflate.push(payload, Z_SYNC_FLUSH)) {
      // Only bad options or a bug get here: our own failure, not the peer's.
      throw new SshError(`deflate failed: ${this.deflate.msg}`, DisconnectReason.COMPRESSION_ERROR, 'local');
    }
    const out = join(this.chunks);
    this.chunks = [];
    return out;
  }
}

export class ZlibDecompressor implements PayloadDecompressor {
  private readonly inflate = new Inflate();
  private chunks: Uint8Array[] = [];
  private produced = 0;

  /** `maxOutput`: the most bytes one packet may inflate to (OpenSSH bounds it by its packet size). */
  constructor(private readonly maxOutput: number) {
    this.inflate.onData = (chunk) => {
      this.produced += chunk.length;
      // Thrown from inside pako's loop, so inflating stops within one output chunk of the cap.
      if (this.produced > this.maxOutput) {
        throw new ProtocolError(
          `compressed payload inflates past ${this.maxOutput} bytes`,
          DisconnectReason.COMPRESSION_ERROR,
        );
      }
      this.chunks.push(chunk);
    };
  }

  decompress(data: Uint8Array): Uint8Array {
    this.chunks = [];
    this.produced = 0;
    const ok = this.inflate.push(data, Z_SYNC_FLUSH);
    // A stream that ends (Z_STREAM_END) cannot carry the next packet: SSH never finishes it.
    if (!ok || this.inflate.ended) {
      throw new ProtocolError(
        `corrupt compressed payload: ${this.inflate.msg || 'stream ended'}`,
        DisconnectReason.COMPRESSION_ERROR,
      );
    }
    const out = this.chunks.length === 0 ? new Uint8Array(0) : join(this.chunks);
    this.chunks = [];
    return out;
  }
}
