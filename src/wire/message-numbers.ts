/**
 * SSH message numbers (RFC 4250 §4.1.2, plus RFC 8308 §2.3 for 7-8, RFC 4252 §7-8 and RFC 4256 §3.2-3.4 for
 * 60-61, and OpenSSH's PING/PONG from its PROTOCOL file) and the ranges that say which layer owns a number
 * (RFC 4250 §4.1.2, RFC 4251 §7), and the few helpers every message codec shares to open a payload.
 */
import { DecodeError } from '../errors.js';
import { SshReader } from './reader.js';

export const MSG = {
  // Transport layer generic (RFC 4253 §10-11, RFC 8308 §2.3)
  DISCONNECT: 1,
  IGNORE: 2,
  UNIMPLEMENTED: 3,
  DEBUG: 4,
  SERVICE_REQUEST: 5,
  SERVICE_ACCEPT: 6,
  EXT_INFO: 7,
  NEWCOMPRESS: 8,
  // Algorithm negotiation (RFC 4253 §7)
  KEXINIT: 20,
  NEWKEYS: 21,
  // 30-49 belong to the negotiated key-exchange method; their codecs live in src/kex.
  // User authentication generic (RFC 4252 §5)
  USERAUTH_REQUEST: 50,
  USERAUTH_FAILURE: 51,
  USERAUTH_SUCCESS: 52,
  USERAUTH_BANNER: 53,
  // User authentication method specific: 60 means a different message in each method.
  USERAUTH_PK_OK: 60, // RFC 4252 §7
  USERAUTH_PASSWD_CHANGEREQ: 60, // RFC 4252 §8
  USERAUTH_INFO_REQUEST: 60, // RFC 4256 §3.2
  USERAUTH_INFO_RESPONSE: 61, // RFC 4256 §3.4
  // Connection protocol (RFC 4254)
  GLOBAL_REQUEST: 80,
  REQUEST_SUCCESS: 81,
  REQUEST_FAILURE: 82,
  CHANNEL_OPEN: 90,
  CHANNEL_OPEN_CONFIRMATION: 91,
  CHANNEL_OPEN_FAILURE: 92,
  CHANNEL_WINDOW_ADJUST: 93,
  CHANNEL_DATA: 94,
  CHANNEL_EXTENDED_DATA: 95,
  CHANNEL_EOF: 96,
  CHANNEL_CLOSE: 97,
  CHANNEL_REQUEST: 98,
  CHANNEL_SUCCESS: 99,
  CHANNEL_FAILURE: 100,
  // Local extensions (192-255): OpenSSH's transport-level ping, advertised as `ping@openssh.com`.
  PING: 192,
  PONG: 193,
} as const;

export type MessageLayer =
  | 'transport-generic'
  | 'kex-negotiation'
  | 'kex-method'
  | 'userauth'
  | 'userauth-method'
  | 'connection'
  | 'reserved'
  | 'local';

/** RFC 4250 §4.1.2 ranges, lowest number of each range first. */
const LAYERS: readonly (readonly [first: number, layer: MessageLayer])[] = [
  [1, 'transport-generic'],
  [20, 'kex-negotiation'],
  [30, 'kex-method'],
  [50, 'userauth'],
  [60, 'userauth-method'],
  [80, 'connection'],
  [128, 'reserved'],
  [192, 'local'],
];

/** The layer that owns message number `n`. 0 is in no range (RFC 4251 §7 starts at 1), so it is a DecodeError. */
export function messageLayer(n: number): MessageLayer {
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new DecodeError(`${n} is not an SSH message number`);
  let layer: MessageLayer = 'transport-generic';
  for (const [first, name] of LAYERS) if (n >= first) layer = name;
  return layer;
}

/** The message number of a payload (its first byte). */
export function messageNumber(payload: Uint8Array): number {
  if (payload.length === 0) throw new DecodeError('empty message payload');
  return payload[0];
}

/** Lenient UTF-8: text only shown to a person (DISCONNECT, BANNER) is worth reading even when malformed. */
const lenientUtf8 = new TextDecoder('utf-8');

/** A `string` of human-readable text; invalid UTF-8 becomes U+FFFD instead of failing the message. */
export function readDisplayText(r: SshReader, field: string): string {
  return lenientUtf8.decode(r.string(field));
}

/** A reader positioned after the message number, which must be `expected`. */
export function openMessage(payload: Uint8Array, expected: number, what: string): SshReader {
  const r = new SshReader(payload, what);
  const got = r.byte('message number');
  if (got !== expected) throw new DecodeError(`${what}: message number ${got}, expected ${expected}`);
  return r;
}
