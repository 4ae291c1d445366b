/**
 * Codecs for the key-exchange method messages 30..34. The numbers are reused by each method family with
 * different layouts (RFC 4250 §4.1.2 leaves 30-49 to the negotiated method), so each family has its own
 * codec and the method's state machine decides which one applies. Decoders consume the payload exactly.
 */
import { DecodeError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';

export const KexMessage = {
  /** RFC 4253 §8 */
  KEXDH_INIT: 30,
  KEXDH_REPLY: 31,
  /** RFC 5656 §7.1, RFC 8731 §3, draft-ietf-sshm-mlkem-hybrid-kex §2.1 (same layout) */
  KEX_ECDH_INIT: 30,
  KEX_ECDH_REPLY: 31,
  /** RFC 4419 §5 */
  KEX_DH_GEX_REQUEST_OLD: 30,
  KEX_DH_GEX_GROUP: 31,
  KEX_DH_GEX_INIT: 32,
  KEX_DH_GEX_REPLY: 33,
  KEX_DH_GEX_REQUEST: 34,
} as const;

/** Caps on peer-supplied sizes: host-key and signature blobs, ephemeral public values, DH values. */
export const KexLimits = {
  maxBlobBytes: 16 * 1024,
  maxPublicValueBytes: 4096,
  /** e, f: below p, and p is at most 8192 bits (RFC 8270 / OpenSSH DH_GRP_MAX). */
  maxDhValueBytes: 1024,
} as const;

function open(payload: Uint8Array, type: number, what: string): SshReader {
  const r = new SshReader(payload, what);
  const got = r.byte('message type');
  if (got !== type) throw new DecodeError(`${what}: message type ${got}, expected ${type}`);
  return r;
}

// --- Classic Diffie-Hellman, RFC 4253 §8; group exchange reuses the same shapes as 32/33 (RFC 4419 §3) ---

//   byte    SSH_MSG_KEXDH_INIT (30) | SSH_MSG_KEX_DH_GEX_INIT (32)
//   mpint   e
export function encodeDhInit(e: bigint, type: number = KexMessage.KEXDH_INIT): Uint8Array {
  return new SshWriter(16 + KexLimits.maxDhValueBytes).byte(type).mpint(e).bytes();
}

export function decodeDhInit(payload: Uint8Array, type: number = KexMessage.KEXDH_INIT): { e: bigint } {
  const r = open(payload, type, 'KEXDH_INIT');
  const e = r.mpint('e', KexLimits.maxDhValueBytes);
  r.end();
  return { e };
}

export interface DhReply {
  hostKey: Uint8Array;
  f: bigint;
  signature: Uint8Array;
}

//   byte    SSH_MSG_KEXDH_REPLY (31) | SSH_MSG_KEX_DH_GEX_REPLY (33)
//   string  server public host key and certificates (K_S)
//   mpint   f
//   string  signature of H
export function encodeDhReply(m: DhReply, type: number = KexMessage.KEXDH_REPLY): Uint8Array {
  return new SshWriter(64 + KexLimits.maxDhValueBytes + m.hostKey.length + m.signature.length)
    .byte(type)
    .string(m.hostKey)
    .mpint(m.f)
    .string(m.signature)
    .bytes();
}

export function decodeDhReply(payload: Uint8Array, type: number = KexMessage.KEXDH_REPLY): DhReply {
  const r = open(payload, type, 'KEXDH_REPLY');
  const hostKey = r.string('host key', KexLimits.maxBlobBytes);
  const f = r.mpint('f', KexLimits.maxDhValueBytes);
  const signature = r.string('signature', KexLimits.maxBlobBytes);
  r.end();
  return { hostKey, f, signature };
}

// --- ECDH-shaped exchanges: RFC 5656 §4, RFC 8731 §3, mlkem768x25519-sha256 ---

//   byte    SSH_MSG_KEX_ECDH_INIT (30)
//   string  Q_C, client's ephemeral public value (for the hybrid: C_INIT = ML-KEM pk ‖ X25519 pk)
export function encodeEcdhInit(publicValue: Uint8Array): Uint8Array {
  return new SshWriter(8 + publicValue.length).byte(KexMessage.KEX_ECDH_INIT).string(publicValue).bytes();
}

export function decodeEcdhInit(payload: Uint8Array): { publicValue: Uint8Array } {
  const r = open(payload, KexMessage.KEX_ECDH_INIT, 'KEX_ECDH_INIT');
  const publicValue = r.string('Q_C', KexLimits.maxPublicValueBytes);
  r.end();
  return { publicValue };
}

export interface EcdhReply {
  hostKey: Uint8Array;
  publicValue: Uint8Array;
  signature: Uint8Array;
}

//   byte    SSH_MSG_KEX_ECDH_REPLY (31)
//   string  K_S, server's public host key
//   string  Q_S, server's ephemeral public value (for the hybrid: S_REPLY = ML-KEM ciphertext ‖ X25519 pk)
//   string  signature of H
export function encodeEcdhReply(m: EcdhReply): Uint8Array {
  return new SshWriter(16 + m.hostKey.length + m.publicValue.length + m.signature.length)
    .byte(KexMessage.KEX_ECDH_REPLY)
    .string(m.hostKey)
    .string(m.publicValue)
    .string(m.signature)
    .bytes();
}

export function decodeEcdhReply(payload: Uint8Array): EcdhReply {
  const r = open(payload, KexMessage.KEX_ECDH_REPLY, 'KEX_ECDH_REPLY');
  const hostKey = r.string('host key', KexLimits.maxBlobBytes);
  const publicValue = r.string('Q_S', KexLimits.maxPublicValueBytes);
  const signature = r.string('signature', KexLimits.maxBlobBytes);
  r.end();
  return { hostKey, publicValue, signature };
}

// --- Diffie-Hellman group exchange, RFC 4419 §3 and §5 ---

export interface GexRequest {
  min: number;
  n: number;
  max: number;
}

//   byte    SSH_MSG_KEX_DH_GEX_REQUEST (34)
//   uint32  min, minimal size in bits of an acceptable group
//   uint32  n, preferred size in bits of the group the server will send
//   uint32  max, maximal size in bits of an acceptable group
export function encodeGexRequest(m: GexRequest): Uint8Array {
  return new SshWriter(16)
    .byte(KexMessage.KEX_DH_GEX_REQUEST)
    .uint32(m.min)
    .uint32(m.n)
    .uint32(m.max)
    .bytes();
}

export function decodeGexRequest(payload: Uint8Array): GexRequest {
  const r = open(payload, KexMessage.KEX_DH_GEX_REQUEST, 'KEX_DH_GEX_REQUEST');
  const min = r.uint32('min');
  const n = r.uint32('n');
  const max = r.uint32('max');
  r.end();
  return { min, n, max };
}

//   byte    SSH_MSG_KEX_DH_GEX_REQUEST_OLD (30)
//   uint32  n, preferred size in bits of the group
export function encodeGexRequestOld(n: number): Uint8Array {
  return new SshWriter(8).byte(KexMessage.KEX_DH_GEX_REQUEST_OLD).uint32(n).bytes();
}

export function decodeGexRequestOld(payload: Uint8Array): { n: number } {
  const r = open(payload, KexMessage.KEX_DH_GEX_REQUEST_OLD, 'KEX_DH_GEX_REQUEST_OLD');
  const n = r.uint32('n');
  r.end();
  return { n };
}

//   byte    SSH_MSG_KEX_DH_GEX_GROUP (31)
//   mpint   p, safe prime
//   mpint   g, generator for subgroup in GF(p)
export function encodeGexGroup(m: { p: bigint; g: bigint }): Uint8Array {
  return new SshWriter(32 + KexLimits.maxDhValueBytes)
    .byte(KexMessage.KEX_DH_GEX_GROUP)
    .mpint(m.p)
    .mpint(m.g)
    .bytes();
}

/** p may be larger than we accept; the caller refuses it by size with a KexError rather than a DecodeError. */
export function decodeGexGroup(payload: Uint8Array): { p: bigint; g: bigint } {
  const r = open(payload, KexMessage.KEX_DH_GEX_GROUP, 'KEX_DH_GEX_GROUP');
  const p = r.mpint('p');
  const g = r.mpint('g');
  r.end();
  return { p, g };
}
