/**
 * Codecs for the transport-layer messages (RFC 4253 §7.1, §10, §11; RFC 8308 §2.3; OpenSSH PROTOCOL's
 * ping@openssh.com). Decoders take the whole payload, message number included, and consume it exactly;
 * encoders return the payload bytes.
 */
import { DecodeError, UsageError } from '../errors.js';
import type { KexInitLists } from '../kex/kexinit-lists.js';
import { MSG, openMessage, readDisplayText } from './message-numbers.js';
import { SshReader, WireLimits } from './reader.js';
import { SshWriter } from './writer.js';

/** The ten name-lists in wire order (RFC 4253 §7.1). */
const KEXINIT_LIST_ORDER: readonly (keyof KexInitLists)[] = [
  'kex',
  'hostKey',
  'cipherCS',
  'cipherSC',
  'macCS',
  'macSC',
  'compCS',
  'compSC',
  'langCS',
  'langSC',
];

export const KEXINIT_COOKIE_LENGTH = 16;

/** RFC 8308 §2.3 leaves the count open; OpenSSH refuses more than 1024 (kex.c), and so do we. */
export const MAX_EXT_INFO_ENTRIES = 1024;

export interface KexInit {
  cookie: Uint8Array;
  lists: KexInitLists;
  firstKexPacketFollows: boolean;
}

// RFC 4253 §7.1
//   byte       SSH_MSG_KEXINIT (20)
//   byte[16]   cookie
//   name-list  kex, server_host_key, encryption c→s, s→c, mac c→s, s→c, compression c→s, s→c, languages c→s, s→c
//   boolean    first_kex_packet_follows
//   uint32     0 (reserved for future extension)
export function encodeKexInit(msg: KexInit): Uint8Array {
  if (msg.cookie.length !== KEXINIT_COOKIE_LENGTH) throw new UsageError('KEXINIT cookie must be 16 bytes');
  const w = new SshWriter(1024).byte(MSG.KEXINIT).raw(msg.cookie);
  for (const key of KEXINIT_LIST_ORDER) w.nameList(msg.lists[key]);
  return w.boolean(msg.firstKexPacketFollows).uint32(0).bytes();
}

export function decodeKexInit(payload: Uint8Array): KexInit {
  const r = openMessage(payload, MSG.KEXINIT, 'KEXINIT');
  const cookie = r.raw(KEXINIT_COOKIE_LENGTH, 'cookie');
  const lists = {} as KexInitLists;
  for (const key of KEXINIT_LIST_ORDER) lists[key] = r.nameList(key);
  const firstKexPacketFollows = r.boolean('first_kex_packet_follows');
  // RFC 4253 §7.1 reserves the field; a non-zero value means an extension we cannot know, or garbage.
  if (r.uint32('reserved') !== 0) throw new DecodeError('KEXINIT: reserved field is not 0');
  r.end();
  return { cookie, lists, firstKexPacketFollows };
}

// RFC 4253 §7.3
//   byte  SSH_MSG_NEWKEYS (21)
export function encodeNewKeys(): Uint8Array {
  return Uint8Array.of(MSG.NEWKEYS);
}

export function decodeNewKeys(payload: Uint8Array): void {
  openMessage(payload, MSG.NEWKEYS, 'NEWKEYS').end();
}

export interface Disconnect {
  reason: number;
  description: string;
  language: string;
}

// RFC 4253 §11.1
//   byte    SSH_MSG_DISCONNECT (1)
//   uint32  reason code
//   string  description in ISO-10646 UTF-8
//   string  language tag
export function encodeDisconnect(reason: number, description: string, language = ''): Uint8Array {
  return new SshWriter(64 + description.length * 3)
    .byte(MSG.DISCONNECT)
    .uint32(reason)
    .string(description)
    .string(language)
    .bytes();
}

export function decodeDisconnect(payload: Uint8Array): Disconnect {
  const r = openMessage(payload, MSG.DISCONNECT, 'DISCONNECT');
  const reason = r.uint32('reason code');
  const description = readDisplayText(r, 'description');
  const language = r.ascii('language tag');
  r.end();
  return { reason, description, language };
}

// RFC 4253 §11.2
//   byte    SSH_MSG_IGNORE (2)
//   string  data
export function encodeIgnore(data: Uint8Array): Uint8Array {
  return new SshWriter(5 + data.length).byte(MSG.IGNORE).string(data).bytes();
}

export function decodeIgnore(payload: Uint8Array): Uint8Array {
  const r = openMessage(payload, MSG.IGNORE, 'IGNORE');
  const data = r.string('data');
  r.end();
  return data;
}

export interface Debug {
  alwaysDisplay: boolean;
  message: string;
  language: string;
}

// RFC 4253 §11.3
//   byte     SSH_MSG_DEBUG (4)
//   boolean  always_display
//   string   message in ISO-10646 UTF-8
//   string   language tag
export function encodeDebug(message: string, alwaysDisplay = false, language = ''): Uint8Array {
  return new SshWriter(64 + message.length * 3)
    .byte(MSG.DEBUG)
    .boolean(alwaysDisplay)
    .string(message)
    .string(language)
    .bytes();
}

export function decodeDebug(payload: Uint8Array): Debug {
  const r = openMessage(payload, MSG.DEBUG, 'DEBUG');
  const alwaysDisplay = r.boolean('always_display');
  const message = r.utf8('message');
  const language = r.ascii('language tag');
  r.end();
  return { alwaysDisplay, message, language };
}

// RFC 4253 §11.4
//   byte    SSH_MSG_UNIMPLEMENTED (3)
//   uint32  packet sequence number of rejected message
export function encodeUnimplemented(sequenceNumber: number): Uint8Array {
  return new SshWriter(8).byte(MSG.UNIMPLEMENTED).uint32(sequenceNumber).bytes();
}

export function decodeUnimplemented(payload: Uint8Array): number {
  const r = openMessage(payload, MSG.UNIMPLEMENTED, 'UNIMPLEMENTED');
  const seq = r.uint32('sequence number');
  r.end();
  return seq;
}

// RFC 4253 §10
//   byte    SSH_MSG_SERVICE_REQUEST (5) | SSH_MSG_SERVICE_ACCEPT (6)
//   string  service name
export function encodeServiceRequest(service: string): Uint8Array {
  return new SshWriter(32).byte(MSG.SERVICE_REQUEST).string(service).bytes();
}

export function decodeServiceRequest(payload: Uint8Array): string {
  return decodeServiceName(openMessage(payload, MSG.SERVICE_REQUEST, 'SERVICE_REQUEST'));
}

export function encodeServiceAccept(service: string): Uint8Array {
  return new SshWriter(32).byte(MSG.SERVICE_ACCEPT).string(service).bytes();
}

export function decodeServiceAccept(payload: Uint8Array): string {
  return decodeServiceName(openMessage(payload, MSG.SERVICE_ACCEPT, 'SERVICE_ACCEPT'));
}

function decodeServiceName(r: SshReader): string {
  // Service names follow the algorithm-name rules (RFC 4250 §4.6 / RFC 4251 §6): ASCII, at most 64 characters.
  const service = r.ascii('service name', WireLimits.maxNameLength);
  r.end();
  return service;
}

/** Extension name → raw extension-value bytes, in the order received. */
export type ExtInfo = Map<string, Uint8Array>;

// RFC 8308 §2.3
//   byte    SSH_MSG_EXT_INFO (7)
//   uint32  nr-extensions
//   repeat nr-extensions times:
//     string  extension-name
//     string  extension-value (binary)
export function encodeExtInfo(ext: ReadonlyMap<string, Uint8Array | string>): Uint8Array {
  const w = new SshWriter(256).byte(MSG.EXT_INFO).uint32(ext.size);
  for (const [name, value] of ext) w.string(name).string(value);
  return w.bytes();
}

export function decodeExtInfo(payload: Uint8Array): ExtInfo {
  const r = openMessage(payload, MSG.EXT_INFO, 'EXT_INFO');
  const count = r.uint32('nr-extensions');
  // Checked before anything is allocated: libssh2 CVE-2026-55199 trusted a count of 0xFFFFFFFF.
  if (count > MAX_EXT_INFO_ENTRIES)
    throw new DecodeError(`EXT_INFO: ${count} extensions, over ${MAX_EXT_INFO_ENTRIES}`);
  if (count * 8 > r.remaining)
    throw new DecodeError(`EXT_INFO: ${count} extensions cannot fit in ${r.remaining} bytes`);
  const ext: ExtInfo = new Map();
  for (let i = 0; i < count; i++) {
    const name = r.ascii('extension-name', WireLimits.maxNameLength);
    const value = r.string('extension-value');
    // One meaning per name: a repeated name could be read differently by two parts of a program.
    if (ext.has(name)) throw new DecodeError(`EXT_INFO: extension ${name} appears twice`);
    ext.set(name, value);
  }
  r.end();
  return ext;
}

/**
 * RFC 8308 §3.1: `server-sig-algs` holds a name-list of the public-key signature algorithms the server
 * accepts for user authentication. Returns undefined when the server did not send it.
 */
export function serverSigAlgs(ext: ReadonlyMap<string, Uint8Array>): string[] | undefined {
  const value = ext.get('server-sig-algs');
  if (value === undefined) return undefined;
  return extensionReader(value, 'server-sig-algs').nameList('value');
}

/** OpenSSH PROTOCOL: `ping@openssh.com` advertises PING/PONG support; its value is the version, "0" today. */
export function pingVersion(ext: ReadonlyMap<string, Uint8Array>): string | undefined {
  const value = ext.get('ping@openssh.com');
  if (value === undefined) return undefined;
  return extensionReader(value, 'ping@openssh.com').ascii('version', WireLimits.maxNameLength);
}

/** An extension value is a field's content without its length; re-framed, the reader's checks apply to it. */
function extensionReader(value: Uint8Array, name: string): SshReader {
  return new SshReader(new SshWriter(value.length + 4).string(value).bytes(), name);
}

// OpenSSH PROTOCOL, ping@openssh.com (message numbers from the local range, RFC 4250 §4.1.2)
//   byte    SSH2_MSG_PING (192) | SSH2_MSG_PONG (193)
//   string  data
export function encodePing(data: Uint8Array): Uint8Array {
  return new SshWriter(5 + data.length).byte(MSG.PING).string(data).bytes();
}

export function decodePing(payload: Uint8Array): Uint8Array {
  const r = openMessage(payload, MSG.PING, 'PING');
  const data = r.string('data');
  r.end();
  return data;
}

export function encodePong(data: Uint8Array): Uint8Array {
  return new SshWriter(5 + data.length).byte(MSG.PONG).string(data).bytes();
}

export function decodePong(payload: Uint8Array): Uint8Array {
  const r = openMessage(payload, MSG.PONG, 'PONG');
  const data = r.string('data');
  r.end();
  return data;
}
