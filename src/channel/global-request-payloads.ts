/**
 * Request-specific data of SSH_MSG_GLOBAL_REQUEST (RFC 4254 §7.1 port forwarding; OpenSSH PROTOCOL §2.4
 * streamlocal forwarding, §2.2 no-more-sessions, §2.5 host-key rotation) and the response data of the
 * replies that carry any. The GLOBAL_REQUEST header itself is encoded in src/wire/connection-messages.ts.
 */
import { DecodeError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import type { SshWriter } from '../wire/writer.js';
import { CheckedWriter } from './checked-writer.js';

export type GlobalRequestPayload =
  /** §7.1: bind `address`:`port` on the server; port 0 asks the server to choose. */
  | { type: 'tcpip-forward'; address: string; port: number }
  | { type: 'cancel-tcpip-forward'; address: string; port: number }
  /** PROTOCOL §2.4 */
  | { type: 'streamlocal-forward@openssh.com'; socketPath: string }
  | { type: 'cancel-streamlocal-forward@openssh.com'; socketPath: string }
  /** PROTOCOL §2.5: the server's host keys (public key blobs), sent without want_reply after authentication. */
  | { type: 'hostkeys-00@openssh.com'; hostKeys: Uint8Array[] }
  /** PROTOCOL §2.5: asks the server to prove it holds these keys; the reply carries one signature per key. */
  | { type: 'hostkeys-prove-00@openssh.com'; hostKeys: Uint8Array[] }
  /** PROTOCOL §2.2: the client will open no more session channels. */
  | { type: 'no-more-sessions@openssh.com' }
  | { type: 'unknown'; name: string; data: Uint8Array };

type Known = Exclude<GlobalRequestPayload['type'], 'unknown'>;
type Of<K extends Known> = Extract<GlobalRequestPayload, { type: K }>;
type Codec<T> = { encode(w: SshWriter, p: T): void; decode(r: SshReader): T };

type Tcpip = Of<'tcpip-forward' | 'cancel-tcpip-forward'>;
type Streamlocal = Of<'streamlocal-forward@openssh.com' | 'cancel-streamlocal-forward@openssh.com'>;
type HostKeys = Of<'hostkeys-00@openssh.com' | 'hostkeys-prove-00@openssh.com'>;

// repeated: string blob (until the end of the data)
function writeStrings(w: SshWriter, list: readonly Uint8Array[]): void {
  for (const b of list) w.string(b);
}
function readStrings(r: SshReader, field: string): Uint8Array[] {
  const list: Uint8Array[] = [];
  while (r.remaining > 0) list.push(r.string(field));
  return list;
}

const tcpip = <K extends 'tcpip-forward' | 'cancel-tcpip-forward'>(type: K): Codec<Of<K>> => ({
  encode: (w, p) => w.string((p as Tcpip).address).uint32((p as Tcpip).port),
  decode: (r) =>
    ({ type, address: r.utf8('address to bind'), port: r.uint32('port number to bind') }) as Of<K>,
});
const streamlocal = <K extends 'streamlocal-forward@openssh.com' | 'cancel-streamlocal-forward@openssh.com'>(
  type: K,
): Codec<Of<K>> => ({
  encode: (w, p) => w.string((p as Streamlocal).socketPath),
  decode: (r) => ({ type, socketPath: r.utf8('socket path') }) as Of<K>,
});
const hostKeys = <K extends 'hostkeys-00@openssh.com' | 'hostkeys-prove-00@openssh.com'>(
  type: K,
): Codec<Of<K>> => ({
  encode: (w, p) => writeStrings(w, (p as HostKeys).hostKeys),
  decode: (r) => ({ type, hostKeys: readStrings(r, 'host key') }) as Of<K>,
});

const CODECS: { [K in Known]: Codec<Of<K>> } = {
  // §7.1: string address to bind, uint32 port number to bind
  'tcpip-forward': tcpip('tcpip-forward'),
  'cancel-tcpip-forward': tcpip('cancel-tcpip-forward'),
  // PROTOCOL §2.4: string socket path
  'streamlocal-forward@openssh.com': streamlocal('streamlocal-forward@openssh.com'),
  'cancel-streamlocal-forward@openssh.com': streamlocal('cancel-streamlocal-forward@openssh.com'),
  // PROTOCOL §2.5: string[] host key blobs
  'hostkeys-00@openssh.com': hostKeys('hostkeys-00@openssh.com'),
  'hostkeys-prove-00@openssh.com': hostKeys('hostkeys-prove-00@openssh.com'),
  // PROTOCOL §2.2: no data
  'no-more-sessions@openssh.com': {
    encode: () => {},
    decode: () => ({ type: 'no-more-sessions@openssh.com' }),
  },
};

function isKnown(name: string): name is Known {
  return Object.hasOwn(CODECS, name);
}

/** The wire request name of a payload (the `name` of an unknown one). */
export function globalRequestName(p: GlobalRequestPayload): string {
  return p.type === 'unknown' ? p.name : p.type;
}

/**
 * @example
 * const p = decodeGlobalRequestPayload(req.name, req.data);
 * if (p.type === 'tcpip-forward') listen(p.address, p.port);
 */
export function decodeGlobalRequestPayload(name: string, data: Uint8Array): GlobalRequestPayload {
  if (!isKnown(name)) return { type: 'unknown', name, data };
  const r = new SshReader(data, `global request ${name}`);
  const p = (CODECS[name] as Codec<GlobalRequestPayload>).decode(r);
  r.end();
  return p;
}

/** @example core.globalRequest('tcpip-forward', encodeGlobalRequestPayload({ type: 'tcpip-forward', address: '', port: 0 }), onReply) */
export function encodeGlobalRequestPayload(p: GlobalRequestPayload): Uint8Array {
  if (p.type === 'unknown') return p.data;
  const w = new CheckedWriter(64);
  (CODECS[p.type] as Codec<GlobalRequestPayload>).encode(w, p);
  return w.bytes();
}

// RFC 4254 §7.1, REQUEST_SUCCESS to a tcpip-forward that asked for port 0:
//   uint32    port that was bound on the server
// (otherwise the success carries no data)
export function encodeTcpipForwardReply(boundPort?: number): Uint8Array {
  return boundPort === undefined ? new Uint8Array(0) : new CheckedWriter(4).uint32(boundPort).bytes();
}

/** The bound port from a tcpip-forward success, or undefined when the reply carries none (a port was asked). */
export function decodeTcpipForwardReply(data: Uint8Array): number | undefined {
  if (data.length === 0) return undefined;
  const r = new SshReader(data, 'tcpip-forward reply');
  const port = r.uint32('bound port');
  r.end();
  return port;
}

// PROTOCOL §2.5, REQUEST_SUCCESS to hostkeys-prove-00@openssh.com:
//   string[]  signatures, one per requested key, in request order
export function encodeHostkeysProveReply(signatures: readonly Uint8Array[]): Uint8Array {
  const w = new CheckedWriter(64);
  writeStrings(w, signatures);
  return w.bytes();
}

/** The signatures; `expected` (the number of keys asked about) must match, as PROTOCOL §2.5 pairs them. */
export function decodeHostkeysProveReply(data: Uint8Array, expected?: number): Uint8Array[] {
  const sigs = readStrings(new SshReader(data, 'hostkeys-prove reply'), 'signature');
  if (expected !== undefined && sigs.length !== expected) {
    throw new DecodeError(`hostkeys-prove reply: ${sigs.length} signatures for ${expected} keys`);
  }
  return sigs;
}
