/**
 * Channel-type-specific data of SSH_MSG_CHANNEL_OPEN (RFC 4254 §6.1, §6.3.2, §7.2; OpenSSH PROTOCOL §2.4 for
 * the streamlocal channels and PROTOCOL.agent for auth-agent@openssh.com), as one union keyed by channel
 * type. The multiplexer carries these bytes untouched; this module gives them a shape.
 */
import { SshReader } from '../wire/reader.js';
import type { SshWriter } from '../wire/writer.js';
import { CheckedWriter } from './checked-writer.js';

export type ChannelOpenPayload =
  /** §6.1 (and PROTOCOL.agent's auth-agent@openssh.com): no data. */
  | { type: 'session' }
  | { type: 'auth-agent@openssh.com' }
  /** §6.3.2 */
  | { type: 'x11'; originatorAddress: string; originatorPort: number }
  /** §7.2: the host and port to connect to, and where the connection came from. */
  | { type: 'direct-tcpip'; host: string; port: number; originatorAddress: string; originatorPort: number }
  /** §7.2: the address and port that were connected (on the remote side), and the originator. */
  | { type: 'forwarded-tcpip'; host: string; port: number; originatorAddress: string; originatorPort: number }
  /** PROTOCOL §2.4: the socket to connect to (the reserved fields are sent empty/zero, ignored on receipt). */
  | { type: 'direct-streamlocal@openssh.com'; socketPath: string }
  /** PROTOCOL §2.4: the socket that was connected. */
  | { type: 'forwarded-streamlocal@openssh.com'; socketPath: string }
  /** Any other channel type: its name and undecoded data. */
  | { type: 'unknown'; name: string; data: Uint8Array };

type Known = Exclude<ChannelOpenPayload['type'], 'unknown'>;
type Of<K extends Known> = Extract<ChannelOpenPayload, { type: K }>;
type Codec<T> = { encode(w: SshWriter, p: T): void; decode(r: SshReader): T };

type Tcpip = Of<'direct-tcpip' | 'forwarded-tcpip'>;

const tcpip = <K extends 'direct-tcpip' | 'forwarded-tcpip'>(type: K): Codec<Of<K>> => ({
  encode: (w, p) => {
    const q = p as Tcpip;
    w.string(q.host).uint32(q.port).string(q.originatorAddress).uint32(q.originatorPort);
  },
  decode: (r) =>
    ({
      type,
      host: r.utf8('host'),
      port: r.uint32('port'),
      originatorAddress: r.utf8('originator IP address'),
      originatorPort: r.uint32('originator port'),
    }) as Of<K>,
});

const CODECS: { [K in Known]: Codec<Of<K>> } = {
  session: { encode: () => {}, decode: () => ({ type: 'session' }) },
  'auth-agent@openssh.com': { encode: () => {}, decode: () => ({ type: 'auth-agent@openssh.com' }) },
  // §6.3.2: string originator address, uint32 originator port
  x11: {
    encode: (w, p) => w.string(p.originatorAddress).uint32(p.originatorPort),
    decode: (r) => ({
      type: 'x11',
      originatorAddress: r.utf8('originator address'),
      originatorPort: r.uint32('originator port'),
    }),
  },
  // §7.2: string host to connect, uint32 port to connect, string originator IP address, uint32 originator port
  'direct-tcpip': tcpip('direct-tcpip'),
  // §7.2: string address that was connected, uint32 port that was connected, string originator IP, uint32 port
  'forwarded-tcpip': tcpip('forwarded-tcpip'),
  // PROTOCOL §2.4: string socket path, string reserved, uint32 reserved
  'direct-streamlocal@openssh.com': {
    encode: (w, p) => w.string(p.socketPath).string('').uint32(0),
    decode: (r) => {
      const socketPath = r.utf8('socket path');
      r.string('reserved');
      r.uint32('reserved');
      return { type: 'direct-streamlocal@openssh.com', socketPath };
    },
  },
  // PROTOCOL §2.4: string socket path, string reserved
  'forwarded-streamlocal@openssh.com': {
    encode: (w, p) => w.string(p.socketPath).string(''),
    decode: (r) => {
      const socketPath = r.utf8('socket path');
      r.string('reserved');
      return { type: 'forwarded-streamlocal@openssh.com', socketPath };
    },
  },
};

function isKnown(type: string): type is Known {
  return Object.hasOwn(CODECS, type);
}

/** The wire channel type of a payload (the `name` of an unknown one). */
export function channelOpenType(p: ChannelOpenPayload): string {
  return p.type === 'unknown' ? p.name : p.type;
}

/**
 * The type-specific data of a CHANNEL_OPEN (or of an `open-request` event), by channel type.
 *
 * @example
 * const p = decodeChannelOpenPayload(e.channelType, e.data);
 * if (p.type === 'direct-tcpip') connect(p.host, p.port);
 */
export function decodeChannelOpenPayload(channelType: string, data: Uint8Array): ChannelOpenPayload {
  if (!isKnown(channelType)) return { type: 'unknown', name: channelType, data };
  const r = new SshReader(data, `${channelType} open data`);
  const p = (CODECS[channelType] as Codec<ChannelOpenPayload>).decode(r);
  r.end();
  return p;
}

/**
 * The data to send with `mux.open(channelOpenType(p), encodeChannelOpenPayload(p))`.
 *
 * @example
 * const p = { type: 'direct-tcpip', host: 'db.internal', port: 5432, originatorAddress: '127.0.0.1', originatorPort: 50000 } as const;
 * mux.open(p.type, encodeChannelOpenPayload(p));
 */
export function encodeChannelOpenPayload(p: ChannelOpenPayload): Uint8Array {
  if (p.type === 'unknown') return p.data;
  const w = new CheckedWriter(64);
  (CODECS[p.type] as Codec<ChannelOpenPayload>).encode(w, p);
  return w.bytes();
}
