/**
 * Decoder for the SSH data types of RFC 4251 §5. Every read checks the remaining length first, so a
 * truncated or oversized field is a DecodeError, never a RangeError from deep inside or a silent default,
 * and nothing is allocated from an untrusted length before that length is checked against the input.
 */
import { bytesToBigInt, fromUtf8 } from '../crypto/bytes.js';
import { DecodeError } from '../errors.js';

/** Limits applied to peer-controlled sizes. RFC 4251 §6: algorithm names are at most 64 characters. */
export const WireLimits = {
  maxNameLength: 64,
  maxNameListBytes: 64 * 1024,
  maxMpintBytes: 2048, // 16384-bit values, like OpenSSH's SSHBUF_MAX_BIGNUM
} as const;

export class SshReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    private readonly what = 'message',
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, field: string): void {
    if (n > this.buf.length - this.pos) {
      throw new DecodeError(`${this.what}: truncated ${field} (need ${n} bytes, have ${this.remaining})`);
    }
  }

  byte(field = 'byte'): number {
    this.need(1, field);
    return this.buf[this.pos++];
  }

  /** RFC 4251 §5: any non-zero value is TRUE. */
  boolean(field = 'boolean'): boolean {
    return this.byte(field) !== 0;
  }

  uint32(field = 'uint32'): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  uint64(field = 'uint64'): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Raw fixed-size bytes (a view, not a copy). */
  raw(n: number, field = 'bytes'): Uint8Array {
    this.need(n, field);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** `string`: uint32 length + bytes. Returns a view into the input. */
  string(field = 'string', maxLength = Number.MAX_SAFE_INTEGER): Uint8Array {
    const n = this.uint32(`${field} length`);
    if (n > maxLength)
      throw new DecodeError(`${this.what}: ${field} is ${n} bytes, over the limit of ${maxLength}`);
    return this.raw(n, field);
  }

  /** `string` holding UTF-8 text (RFC 4251 §5: ISO-10646 UTF-8). */
  utf8(field = 'string', maxLength?: number): string {
    const b = this.string(field, maxLength);
    try {
      return fromUtf8(b);
    } catch {
      throw new DecodeError(`${this.what}: ${field} is not valid UTF-8`);
    }
  }

  /** `string` holding US-ASCII (names, language tags): bytes ≥ 0x80 or control characters are refused. */
  ascii(field = 'string', maxLength?: number): string {
    const b = this.string(field, maxLength);
    let s = '';
    for (const c of b) {
      if (c < 0x20 || c > 0x7e) throw new DecodeError(`${this.what}: ${field} has a non-printable byte`);
      s += String.fromCharCode(c);
    }
    return s;
  }

  /**
   * `name-list`: comma-separated US-ASCII names, RFC 4251 §5. Empty names and names over 64 characters are
   * refused; the whole list is capped before anything is split.
   */
  nameList(field = 'name-list', maxBytes: number = WireLimits.maxNameListBytes): string[] {
    const s = this.ascii(field, maxBytes);
    if (s.length === 0) return [];
    const names = s.split(',');
    for (const n of names) {
      if (n.length === 0) throw new DecodeError(`${this.what}: ${field} has an empty name`);
      if (n.length > WireLimits.maxNameLength)
        throw new DecodeError(`${this.what}: ${field} has a name over 64 characters`);
    }
    return names;
  }

  /**
   * `mpint`, RFC 4251 §5: two's complement, big-endian, minimal. Negative values are never valid in SSH's
   * uses here, so they are refused, as are non-minimal encodings (a redundant leading zero byte).
   */
  mpint(field = 'mpint', maxBytes: number = WireLimits.maxMpintBytes): bigint {
    const b = this.string(field, maxBytes + 1);
    if (b.length === 0) return 0n;
    if (b[0] & 0x80) throw new DecodeError(`${this.what}: ${field} is negative`);
    if (b[0] === 0 && (b.length === 1 || !(b[1] & 0x80))) {
      throw new DecodeError(`${this.what}: ${field} has a non-minimal encoding`);
    }
    return bytesToBigInt(b);
  }

  /** Like mpint, but returns the magnitude bytes without the sign byte (for keys handed to crypto libraries). */
  mpintBytes(field = 'mpint', maxBytes: number = WireLimits.maxMpintBytes): Uint8Array {
    const b = this.string(field, maxBytes + 1);
    if (b.length === 0) return b;
    if (b[0] & 0x80) throw new DecodeError(`${this.what}: ${field} is negative`);
    if (b[0] === 0 && (b.length === 1 || !(b[1] & 0x80))) {
      throw new DecodeError(`${this.what}: ${field} has a non-minimal encoding`);
    }
    return b[0] === 0 ? b.subarray(1) : b;
  }

  /** The rest of the input (a view). */
  rest(): Uint8Array {
    const v = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return v;
  }

  /** Messages must be consumed exactly; trailing bytes mean a malformed or mis-typed message. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new DecodeError(`${this.what}: ${this.remaining} unexpected trailing bytes`);
    }
  }
}
