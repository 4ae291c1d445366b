/**
 * Request-specific data of SSH_MSG_CHANNEL_REQUEST (RFC 4254 §6, RFC 4335 for `break`, OpenSSH PROTOCOL.agent
 * for `auth-agent-req@openssh.com`), as one discriminated union keyed by the request type. The channel
 * multiplexer carries the data as bytes; this module gives them a shape. Commands and environment values
 * are byte strings (a remote command need not be UTF-8); `execRequest`/`envRequest` take text for
 * convenience. Malformed data for a known type is a DecodeError: OpenSSH disconnects on it too.
 */
import { utf8 } from '../crypto/bytes.js';
import { readDisplayText } from '../wire/message-numbers.js';
import { SshReader } from '../wire/reader.js';
import type { SshWriter } from '../wire/writer.js';
import { CheckedWriter } from './checked-writer.js';

export type ChannelRequest =
  /** §6.2. `modes` is the encoded terminal-mode string of §8 (see terminal-modes.ts). */
  | {
      type: 'pty-req';
      term: string;
      cols: number;
      rows: number;
      widthPx: number;
      heightPx: number;
      modes: Uint8Array;
    }
  /** §6.3.1 */
  | { type: 'x11-req'; singleConnection: boolean; authProtocol: string; authCookie: string; screen: number }
  /** §6.4 */
  | { type: 'env'; name: string; value: Uint8Array }
  /** §6.5 */
  | { type: 'shell' }
  | { type: 'exec'; command: Uint8Array }
  | { type: 'subsystem'; name: string }
  /** §6.7 */
  | { type: 'window-change'; cols: number; rows: number; widthPx: number; heightPx: number }
  /** §6.8 */
  | { type: 'xon-xoff'; clientCanDo: boolean }
  /** §6.9: the signal name without the "SIG" prefix. */
  | { type: 'signal'; signal: string }
  /** §6.10 */
  | { type: 'exit-status'; status: number }
  | { type: 'exit-signal'; signal: string; coreDumped: boolean; message: string; language: string }
  /** RFC 4335 §3: break length in milliseconds. */
  | { type: 'break'; lengthMs: number }
  /** OpenSSH PROTOCOL.agent: ask the server to forward agent connections back to us. */
  | { type: 'auth-agent-req@openssh.com' }
  /** Any other request type: its name and undecoded data. */
  | { type: 'unknown'; name: string; data: Uint8Array };

export type KnownChannelRequestType = Exclude<ChannelRequest['type'], 'unknown'>;

/** The request type as it goes on the wire (the `name` of an unknown request). */
export function channelRequestName(req: ChannelRequest): string {
  return req.type === 'unknown' ? req.name : req.type;
}

/** RFC 4254 §6.5 `exec` from text (UTF-8) or bytes. */
export function execRequest(command: string | Uint8Array): ChannelRequest {
  return { type: 'exec', command: typeof command === 'string' ? utf8(command) : command };
}

/** RFC 4254 §6.4 `env` from text (UTF-8) or bytes. */
export function envRequest(name: string, value: string | Uint8Array): ChannelRequest {
  return { type: 'env', name, value: typeof value === 'string' ? utf8(value) : value };
}

const lenient = new TextDecoder('utf-8');
/** A command or environment value as text, for display and logs (invalid UTF-8 becomes U+FFFD). */
export function requestText(bytes: Uint8Array): string {
  return lenient.decode(bytes);
}

/** Names (TERM, variable, subsystem, signal) are short US-ASCII; the cap keeps a hostile one cheap. */
const MAX_NAME = 1024;

type Codec<T> = { encode(w: SshWriter, req: T): void; decode(r: SshReader): T };
type Of<K extends KnownChannelRequestType> = Extract<ChannelRequest, { type: K }>;

const empty = <K extends KnownChannelRequestType>(type: K): Codec<Of<K>> => ({
  encode: () => {},
  decode: () => ({ type }) as Of<K>,
});

/** Each known type's layout, in RFC order. Decoders read fields in wire order; `end()` is checked by the caller. */
const CODECS: { [K in KnownChannelRequestType]: Codec<Of<K>> } = {
  // §6.2: string TERM, uint32 cols, uint32 rows, uint32 width px, uint32 height px, string encoded modes
  'pty-req': {
    encode: (w, q) =>
      w.string(q.term).uint32(q.cols).uint32(q.rows).uint32(q.widthPx).uint32(q.heightPx).string(q.modes),
    decode: (r) => ({
      type: 'pty-req',
      term: r.ascii('TERM', MAX_NAME),
      cols: r.uint32('terminal width, characters'),
      rows: r.uint32('terminal height, rows'),
      widthPx: r.uint32('terminal width, pixels'),
      heightPx: r.uint32('terminal height, pixels'),
      modes: r.string('encoded terminal modes'),
    }),
  },
  // §6.3.1: boolean single connection, string auth protocol, string auth cookie, uint32 screen number
  'x11-req': {
    encode: (w, q) =>
      w.boolean(q.singleConnection).string(q.authProtocol).string(q.authCookie).uint32(q.screen),
    decode: (r) => ({
      type: 'x11-req',
      singleConnection: r.boolean('single connection'),
      authProtocol: r.ascii('x11 authentication protocol', MAX_NAME),
      authCookie: r.ascii('x11 authentication cookie', MAX_NAME),
      screen: r.uint32('x11 screen number'),
    }),
  },
  // §6.4: string variable name, string variable value
  env: {
    encode: (w, q) => w.string(q.name).string(q.value),
    decode: (r) => ({
      type: 'env',
      name: r.ascii('variable name', MAX_NAME),
      value: r.string('variable value'),
    }),
  },
  // §6.5: shell has no data; exec: string command; subsystem: string subsystem name
  shell: empty('shell'),
  exec: {
    encode: (w, q) => w.string(q.command),
    decode: (r) => ({ type: 'exec', command: r.string('command') }),
  },
  subsystem: {
    encode: (w, q) => w.string(q.name),
    decode: (r) => ({ type: 'subsystem', name: r.ascii('subsystem name', MAX_NAME) }),
  },
  // §6.7: uint32 cols, uint32 rows, uint32 width px, uint32 height px
  'window-change': {
    encode: (w, q) => w.uint32(q.cols).uint32(q.rows).uint32(q.widthPx).uint32(q.heightPx),
    decode: (r) => ({
      type: 'window-change',
      cols: r.uint32('terminal width, columns'),
      rows: r.uint32('terminal height, rows'),
      widthPx: r.uint32('terminal width, pixels'),
      heightPx: r.uint32('terminal height, pixels'),
    }),
  },
  // §6.8: boolean client can do
  'xon-xoff': {
    encode: (w, q) => w.boolean(q.clientCanDo),
    decode: (r) => ({ type: 'xon-xoff', clientCanDo: r.boolean('client can do') }),
  },
  // §6.9: string signal name (without the "SIG" prefix)
  signal: {
    encode: (w, q) => w.string(q.signal),
    decode: (r) => ({ type: 'signal', signal: r.ascii('signal name', MAX_NAME) }),
  },
  // §6.10: uint32 exit_status
  'exit-status': {
    encode: (w, q) => w.uint32(q.status),
    decode: (r) => ({ type: 'exit-status', status: r.uint32('exit status') }),
  },
  // §6.10: string signal name (without "SIG"), boolean core dumped, string error message (UTF-8), string language
  'exit-signal': {
    encode: (w, q) => w.string(q.signal).boolean(q.coreDumped).string(q.message).string(q.language),
    decode: (r) => ({
      type: 'exit-signal',
      signal: r.ascii('signal name', MAX_NAME),
      coreDumped: r.boolean('core dumped'),
      message: readDisplayText(r, 'error message'), // shown to a person: lenient, like DISCONNECT's text
      language: r.ascii('language tag', MAX_NAME),
    }),
  },
  // RFC 4335 §3: uint32 break-length in milliseconds
  break: {
    encode: (w, q) => w.uint32(q.lengthMs),
    decode: (r) => ({ type: 'break', lengthMs: r.uint32('break length') }),
  },
  'auth-agent-req@openssh.com': empty('auth-agent-req@openssh.com'),
};

function isKnown(type: string): type is KnownChannelRequestType {
  return Object.hasOwn(CODECS, type);
}

/**
 * The request-specific data of a CHANNEL_REQUEST, by request type.
 *
 * @example
 * const req = decodeChannelRequest('exec', data);
 * if (req.type === 'exec') run(requestText(req.command));
 */
export function decodeChannelRequest(requestType: string, data: Uint8Array): ChannelRequest {
  if (!isKnown(requestType)) return { type: 'unknown', name: requestType, data };
  const r = new SshReader(data, `channel request ${requestType}`);
  const req = (CODECS[requestType] as Codec<ChannelRequest>).decode(r);
  r.end();
  return req;
}

/**
 * The request-specific data to send after the header (the wire name is `channelRequestName(req)`).
 *
 * @example
 * mux.request(id, 'exec', true, encodeChannelRequest(execRequest('uname -a')));
 */
export function encodeChannelRequest(req: ChannelRequest): Uint8Array {
  if (req.type === 'unknown') return req.data;
  const w = new CheckedWriter(64);
  (CODECS[req.type] as Codec<ChannelRequest>).encode(w, req);
  return w.bytes();
}
