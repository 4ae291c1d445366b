/** Encoder for the SSH data types of RFC 4251 §5, into one growable buffer. */
import { utf8 } from '../crypto/bytes.js';

export class SshWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos: number;

  /** `reserve` leaves room at the front (e.g. for a packet header) so the payload needs no copy later. */
  constructor(initial = 256, reserve = 0) {
    this.buf = new Uint8Array(Math.max(initial, reserve + 16));
    this.view = new DataView(this.buf.buffer);
    this.pos = reserve;
  }

  get length(): number {
    return this.pos;
  }

  private grow(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(v: number): this {
    this.grow(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  boolean(v: boolean): this {
    return this.byte(v ? 1 : 0);
  }

  uint32(v: number): this {
    this.grow(4);
    this.view.setUint32(this.pos, v >>> 0);
    this.pos += 4;
    return this;
  }

  uint64(v: bigint): this {
    this.grow(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
    return this;
  }

  raw(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** `string`: uint32 length + bytes; a JS string is written as UTF-8. */
  string(v: Uint8Array | string): this {
    const b = typeof v === 'string' ? utf8(v) : v;
    this.uint32(b.length);
    return this.raw(b);
  }

  nameList(names: readonly string[]): this {
    return this.string(names.join(','));
  }

  /** `mpint` from a non-negative bigint: minimal, with a leading zero byte when the top bit is set. */
  mpint(v: bigint): this {
    if (v < 0n) throw new RangeError('negative mpint');
    if (v === 0n) return this.uint32(0);
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    const lead = Number.parseInt(hex.slice(0, 2), 16) & 0x80 ? 1 : 0;
    const n = hex.length / 2;
    this.uint32(n + lead);
    this.grow(n + lead);
    if (lead) this.buf[this.pos++] = 0;
    for (let i = 0; i < n; i++) this.buf[this.pos++] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return this;
  }

  /** `mpint` from unsigned big-endian magnitude bytes (leading zeros stripped, sign byte added). */
  mpintBytes(mag: Uint8Array): this {
    let i = 0;
    while (i < mag.length && mag[i] === 0) i++;
    const m = mag.subarray(i);
    const lead = m.length > 0 && m[0] & 0x80 ? 1 : 0;
    this.uint32(m.length + lead);
    if (lead) this.byte(0);
    return this.raw(m);
  }

  /** A view of what was written (from `from`, default 0). Valid until the next write. */
  peek(from = 0): Uint8Array {
    return this.buf.subarray(from, this.pos);
  }

  /** A copy of what was written. */
  bytes(from = 0): Uint8Array {
    return this.buf.slice(from, this.pos);
  }
}
