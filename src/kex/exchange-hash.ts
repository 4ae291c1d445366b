/**
 * The exchange hash H for each method family and the encodings of K that enter it. H covers both
 * identification strings, both KEXINIT payloads, the host key and the method's own values, then K.
 */
import type { HashAlg } from '../crypto/backend.js';
import { SshWriter } from '../wire/writer.js';
import type { GexRequest } from './messages.js';
import type { KexContext } from './types.js';

export function encodeMpint(v: bigint): Uint8Array {
  return new SshWriter(16 + (v.toString(16).length >> 1)).mpint(v).bytes();
}

/** An unsigned big-endian byte string as mpint (RFC 5656 §4: x-coordinate; RFC 8731 §3: X25519 output). */
export function encodeMpintBytes(b: Uint8Array): Uint8Array {
  return new SshWriter(8 + b.length).mpintBytes(b).bytes();
}

export function encodeString(b: Uint8Array): Uint8Array {
  return new SshWriter(4 + b.length).string(b).bytes();
}

//   string V_C, string V_S, string I_C, string I_S, string K_S   (RFC 4253 §8, RFC 4419 §3, RFC 5656 §4)
function prefix(ctx: KexContext, hostKey: Uint8Array, room: number): SshWriter {
  const n =
    room +
    20 +
    ctx.clientVersion.length +
    ctx.serverVersion.length +
    ctx.clientKexInit.length +
    ctx.serverKexInit.length;
  return new SshWriter(n + hostKey.length)
    .string(ctx.clientVersion)
    .string(ctx.serverVersion)
    .string(ctx.clientKexInit)
    .string(ctx.serverKexInit)
    .string(hostKey);
}

/**
 * RFC 5656 §4 / RFC 8731 §3 / mlkem768x25519-sha256: … ‖ string Q_C ‖ string Q_S ‖ K, where `k` is already
 * encoded (mpint for ECDH and X25519, string for the hybrid KEM).
 */
export function ecdhExchangeHash(
  ctx: KexContext,
  hash: HashAlg,
  hostKey: Uint8Array,
  clientValue: Uint8Array,
  serverValue: Uint8Array,
  k: Uint8Array,
): Uint8Array {
  const w = prefix(ctx, hostKey, clientValue.length + serverValue.length + k.length + 8);
  w.string(clientValue).string(serverValue).raw(k);
  return ctx.crypto.hash(hash, w.peek());
}

/** RFC 4253 §8: … ‖ mpint e ‖ mpint f ‖ mpint K. */
export function dhExchangeHash(
  ctx: KexContext,
  hash: HashAlg,
  hostKey: Uint8Array,
  e: bigint,
  f: bigint,
  k: Uint8Array,
): Uint8Array {
  const w = prefix(ctx, hostKey, 2 * 1030 + k.length);
  w.mpint(e).mpint(f).raw(k);
  return ctx.crypto.hash(hash, w.peek());
}

/**
 * RFC 4419 §3: … ‖ uint32 min ‖ uint32 n ‖ uint32 max ‖ mpint p ‖ mpint g ‖ mpint e ‖ mpint f ‖ mpint K.
 * For the legacy SSH_MSG_KEX_DH_GEX_REQUEST_OLD only `uint32 n` is hashed in place of the three sizes (the
 * pre-RFC draft's layout, which OpenSSH kept for old clients), signalled here by `request` being `{ n }`.
 */
export function gexExchangeHash(
  ctx: KexContext,
  hash: HashAlg,
  hostKey: Uint8Array,
  request: GexRequest | { n: number },
  group: { p: bigint; g: bigint },
  e: bigint,
  f: bigint,
  k: Uint8Array,
): Uint8Array {
  const w = prefix(ctx, hostKey, 5 * 1030 + k.length);
  if ('min' in request) w.uint32(request.min).uint32(request.n).uint32(request.max);
  else w.uint32(request.n);
  w.mpint(group.p).mpint(group.g).mpint(e).mpint(f).raw(k);
  return ctx.crypto.hash(hash, w.peek());
}
