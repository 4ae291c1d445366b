/** Big-endian uint32 access without a DataView per packet (RFC 4251 §5 `uint32`). */

export function readUint32(b: Uint8Array, offset: number): number {
  return ((b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]) >>> 0;
}

export function writeUint32(b: Uint8Array, offset: number, v: number): void {
  b[offset] = v >>> 24;
  b[offset + 1] = v >>> 16;
  b[offset + 2] = v >>> 8;
  b[offset + 3] = v;
}
