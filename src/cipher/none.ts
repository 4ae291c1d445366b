/**
 * The unprotected state before the first NEWKEYS (RFC 4253 §6: no cipher, no MAC, 8-byte alignment
 * counted over the whole packet including packet_length).
 */
import type { PacketOpener, PacketSealer } from './types.js';
import { readUint32 } from './uint32.js';

export class NoneSealer implements PacketSealer {
  readonly blockSize = 8;
  readonly alignFrom = 0;
  readonly trailerLength = 0;
  seal(): void {}
  dispose(): void {}
}

export class NoneOpener implements PacketOpener {
  readonly blockSize = 8;
  readonly alignFrom = 0;
  readonly trailerLength = 0;
  readonly headLength = 4;

  readLength(_seq: number, head: Uint8Array): number {
    return readUint32(head, 0);
  }

  open(_seq: number, packet: Uint8Array): Uint8Array {
    return packet.subarray(4);
  }

  dispose(): void {}
}
