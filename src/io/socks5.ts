/**
 * SOCKS version 5 (RFC 1928) as the server of `ssh -D` speaks it: no authentication, CONNECT only, IPv4,
 * IPv6 and domain-name targets. Pure codecs over bytes: each reader returns undefined while the message is
 * incomplete and throws SocksError on input no SOCKS5 client sends. Every message is bounded (a greeting is at
 * most 257 bytes, a request at most 262), so a caller never buffers more than one message.
 */
import { SshError } from '../errors.js';

export const SOCKS_VERSION = 5;
/** RFC 1928 §3: X'00' NO AUTHENTICATION REQUIRED, X'FF' NO ACCEPTABLE METHODS. */
export const SocksMethod = { NO_AUTH: 0x00, NO_ACCEPTABLE: 0xff } as const;
/** RFC 1928 §4 CMD: CONNECT (BIND and UDP ASSOCIATE are refused). */
export const SOCKS_CONNECT = 0x01;
/** RFC 1928 §6 REP field. */
export const SocksReply = {
  SUCCEEDED: 0x00,
  GENERAL_FAILURE: 0x01,
  NOT_ALLOWED: 0x02,
  NETWORK_UNREACHABLE: 0x03,
  HOST_UNREACHABLE: 0x04,
  CONNECTION_REFUSED: 0x05,
  TTL_EXPIRED: 0x06,
  COMMAND_NOT_SUPPORTED: 0x07,
  ADDRESS_TYPE_NOT_SUPPORTED: 0x08,
} as const;
const ATYP = { IPV4: 0x01, DOMAIN: 0x03, IPV6: 0x04 } as const;

/** Largest message a SOCKS5 client sends before the reply: a request with a 255-byte domain name. */
export const MAX_SOCKS5_MESSAGE = 4 + 1 + 255 + 2;

/** The SOCKS client sent something malformed; `reply` is the REP code to answer with before closing. */
export class SocksError extends SshError {
  override name = 'SocksError';
  constructor(
    message: string,
    readonly reply: number = SocksReply.GENERAL_FAILURE,
  ) {
    super(`SOCKS5: ${message}`, 11, 'peer');
  }
}

export interface SocksGreeting {
  methods: number[];
  /** Bytes the greeting took. */
  length: number;
}

// RFC 1928 §3:
//   byte VER (5), byte NMETHODS (1-255), byte[NMETHODS] METHODS
export function readSocksGreeting(buf: Uint8Array): SocksGreeting | undefined {
  if (buf.length >= 1 && buf[0] !== SOCKS_VERSION) throw new SocksError(`version ${buf[0]} is not 5`);
  if (buf.length < 2) return undefined;
  const n = buf[1];
  if (n === 0) throw new SocksError('greeting offers no methods');
  if (buf.length < 2 + n) return undefined;
  return { methods: [...buf.subarray(2, 2 + n)], length: 2 + n };
}

// RFC 1928 §3: byte VER (5), byte METHOD
export function encodeSocksMethod(method: number): Uint8Array {
  return Uint8Array.of(SOCKS_VERSION, method);
}

export interface SocksRequest {
  command: number;
  host: string;
  port: number;
  length: number;
}

// RFC 1928 §4:
//   byte VER (5), byte CMD, byte RSV (0), byte ATYP,
//   ATYP 1: byte[4] IPv4 | ATYP 3: byte len, byte[len] domain name | ATYP 4: byte[16] IPv6,
//   uint16 DST.PORT (network order)
export function readSocksRequest(buf: Uint8Array): SocksRequest | undefined {
  if (buf.length >= 1 && buf[0] !== SOCKS_VERSION) throw new SocksError(`version ${buf[0]} is not 5`);
  if (buf.length < 5) return undefined;
  const command = buf[1];
  let host: string;
  let at: number;
  switch (buf[3]) {
    case ATYP.IPV4:
      if (buf.length < 4 + 4 + 2) return undefined;
      host = [...buf.subarray(4, 8)].join('.');
      at = 8;
      break;
    case ATYP.IPV6:
      if (buf.length < 4 + 16 + 2) return undefined;
      host = formatIpv6(buf.subarray(4, 20));
      at = 20;
      break;
    case ATYP.DOMAIN: {
      const n = buf[4];
      if (n === 0) throw new SocksError('empty domain name', SocksReply.HOST_UNREACHABLE);
      if (buf.length < 5 + n + 2) return undefined;
      const name = buf.subarray(5, 5 + n);
      // A host name is printable ASCII; anything else (NUL, controls, spaces) is refused, not passed on.
      if (name.some((b) => b <= 0x20 || b >= 0x7f))
        throw new SocksError('domain name is not printable ASCII', SocksReply.HOST_UNREACHABLE);
      host = String.fromCharCode(...name);
      at = 5 + n;
      break;
    }
    default:
      throw new SocksError(`address type ${buf[3]}`, SocksReply.ADDRESS_TYPE_NOT_SUPPORTED);
  }
  const port = (buf[at] << 8) | buf[at + 1];
  return { command, host, port, length: at + 2 };
}

// RFC 1928 §6:
//   byte VER (5), byte REP, byte RSV (0), byte ATYP, BND.ADDR, uint16 BND.PORT
// The bound address is the server's business; like OpenSSH we answer 0.0.0.0:0.
export function encodeSocksReply(reply: number): Uint8Array {
  return Uint8Array.of(SOCKS_VERSION, reply, 0, ATYP.IPV4, 0, 0, 0, 0, 0, 0);
}

/** RFC 5952 §4 text form: lower-case hex, no leading zeros, the longest run of 2+ zero groups as `::`. */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}
