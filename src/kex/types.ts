/**
 * The shapes every key-exchange method shares (RFC 4253 §7-8). A method is a pair of small sans-I/O state
 * machines, one per role: `start()` yields the payloads to send at once, `receive()` consumes one message in
 * the 30..49 range and yields replies and, at the end, the shared secret and exchange hash.
 */
import type { CryptoBackend, HashAlg, RandomSource } from '../crypto/backend.js';

/** Everything the exchange hash covers besides the method's own values (RFC 4253 §8). */
export interface KexContext {
  crypto: CryptoBackend;
  random: RandomSource;
  /** Identification strings V_C / V_S without the trailing CR LF. */
  clientVersion: Uint8Array;
  serverVersion: Uint8Array;
  /** Full KEXINIT payloads I_C / I_S, including the SSH_MSG_KEXINIT byte. */
  clientKexInit: Uint8Array;
  serverKexInit: Uint8Array;
}

/** The server's host key as the kex needs it: the public blob K_S and a signer over H. */
export interface HostKeySigner {
  blob: Uint8Array;
  /** Returns the signature blob (RFC 4253 §6.6 `string format ‖ string signature`) over the exchange hash. */
  sign(exchangeHash: Uint8Array): Uint8Array;
}

export interface KexResult {
  /** K already encoded exactly as it is hashed (mpint, or string for the hybrid KEM methods). */
  sharedSecret: Uint8Array;
  exchangeHash: Uint8Array;
  /** K_S as sent by the server. The client side does not verify `signature`; its caller does. */
  hostKeyBlob: Uint8Array;
  signature: Uint8Array;
  hash: HashAlg;
}

export interface KexExchange {
  /** Payloads to send at once: the client's INIT or GEX REQUEST; the server sends nothing first. */
  start(): Uint8Array[];
  /** Consumes one message numbered 30..49. Throws a typed error on anything unexpected or malformed. */
  receive(payload: Uint8Array): { send: Uint8Array[]; result?: KexResult };
}

export interface KexMethod {
  name: string;
  hash: HashAlg;
  client(ctx: KexContext): KexExchange;
  server(ctx: KexContext, hostKey: HostKeySigner): KexExchange;
}
