/**
 * The first message of an X11 connection (X Window System Protocol, X Consortium Standard, "Connection Setup"
 * and its encoding in Appendix B), read by the client side of X11 forwarding. RFC 4254 §6.3.1 has the client
 * hand the server a fake cookie; like ssh(1) (channels.c, x11_open_helper) we check that each forwarded X
 * connection presents exactly that cookie and replace it with the real one before the local X server sees it,
 * so the real cookie never leaves this machine. Pure and synchronous: bytes in, a verdict out.
 *
 * Wire layout of the client's setup message (byte order chosen by its first byte):
 *   1  byte-order: 0x42 'B' (MSB first) or 0x6C 'l' (LSB first)
 *   1  unused
 *   2  CARD16 protocol-major-version
 *   2  CARD16 protocol-minor-version
 *   2  n: length of authorization-protocol-name
 *   2  d: length of authorization-protocol-data
 *   2  unused
 *   n  STRING8 authorization-protocol-name, then pad(n) unused bytes
 *   d  STRING8 authorization-protocol-data, then pad(d) unused bytes
 */
import { equalBytes, utf8 } from '../src/crypto/bytes.js';
import { DecodeError, ProtocolError, UsageError } from '../src/errors.js';

export const X11_SETUP_HEADER_LENGTH = 12;
const MSB_FIRST = 0x42;
const LSB_FIRST = 0x6c;

export interface X11SetupHeader {
  bigEndian: boolean;
  majorVersion: number;
  minorVersion: number;
  nameLength: number;
  dataLength: number;
  /** Bytes of the whole setup message, padding included. */
  length: number;
}

/** Rounds up to a multiple of 4: STRING8 fields are padded to 32-bit boundaries (Appendix B, pad(E)). */
const padded = (n: number) => (n + 3) & ~3;

/**
 * Reads the fixed 12-byte part; undefined until that much has arrived.
 * @throws DecodeError when the byte-order byte is neither 'B' nor 'l'
 */
export function parseX11SetupHeader(bytes: Uint8Array): X11SetupHeader | undefined {
  if (bytes.length < X11_SETUP_HEADER_LENGTH) return undefined;
  const order = bytes[0];
  if (order !== MSB_FIRST && order !== LSB_FIRST)
    throw new DecodeError(`X11 setup: bad byte-order byte 0x${order.toString(16).padStart(2, '0')}`);
  const bigEndian = order === MSB_FIRST;
  const view = new DataView(bytes.buffer, bytes.byteOffset, X11_SETUP_HEADER_LENGTH);
  const card16 = (offset: number) => view.getUint16(offset, !bigEndian);
  const nameLength = card16(6);
  const dataLength = card16(8);
  return {
    bigEndian,
    majorVersion: card16(2),
    minorVersion: card16(4),
    nameLength,
    dataLength,
    length: X11_SETUP_HEADER_LENGTH + padded(nameLength) + padded(dataLength),
  };
}

/** The forwarding's authorization: the protocol name, the fake cookie we gave out and the real one. */
export interface X11CookieSwap {
  protocol: string;
  fake: Uint8Array;
  real: Uint8Array;
}

export type X11SetupVerdict =
  /** More bytes are needed; never more than the header plus the expected name and cookie. */
  | { done: false }
  /** The setup message, with the real cookie in place of the fake one, and how many input bytes it took. */
  | { done: true; setup: Uint8Array; length: number };

/**
 * Checks the start of a forwarded X connection against the fake cookie and swaps in the real one. Lengths
 * are checked as soon as the header is in, so a hostile peer can make us hold at most header + name + cookie.
 * @throws DecodeError for a malformed header, ProtocolError when the protocol or cookie is not ours,
 *   UsageError when the two cookies differ in length
 */
export function swapX11Cookie(buffered: Uint8Array, swap: X11CookieSwap): X11SetupVerdict {
  // As in ssh's x11_open_helper, the cookies are the same length, so the message keeps its layout.
  if (swap.real.length !== swap.fake.length)
    throw new UsageError('X11 forwarding: the real cookie must be as long as the fake one');
  const header = parseX11SetupHeader(buffered);
  if (!header) return { done: false };
  const name = utf8(swap.protocol);
  if (header.nameLength !== name.length)
    throw new ProtocolError('X11 connection uses a different authentication protocol');
  if (header.dataLength !== swap.fake.length)
    throw new ProtocolError('X11 connection: authentication data does not match the forwarding cookie');
  if (buffered.length < header.length) return { done: false };
  const nameAt = X11_SETUP_HEADER_LENGTH;
  const dataAt = nameAt + padded(header.nameLength);
  if (!equalBytes(buffered.subarray(nameAt, nameAt + name.length), name))
    throw new ProtocolError('X11 connection uses a different authentication protocol');
  if (!equalBytes(buffered.subarray(dataAt, dataAt + swap.fake.length), swap.fake))
    throw new ProtocolError('X11 connection: authentication data does not match the forwarding cookie');
  const setup = buffered.slice(0, header.length);
  setup.set(swap.real, dataAt);
  return { done: true, setup, length: header.length };
}
