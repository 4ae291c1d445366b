/** Key exchange (RFC 4253 §7-8 and the method RFCs): negotiation, methods, exchange hash, key derivation. */

export { deriveKey, type KeyLetter } from './derive.js';
export { DEFAULT_GEX_REQUEST, dhGroupExchange, type GexOptions } from './dh-gex.js';
export type { KexInitLists } from './kexinit-lists.js';
export { KexMessage } from './messages.js';
export {
  guessWasRight,
  type Negotiated,
  type NegotiateOptions,
  negotiate,
  PSEUDO_KEX_NAMES,
} from './negotiate.js';
export { DEFAULT_KEX, DEFAULT_SERVER_KEX, KEX_METHODS } from './registry.js';
export type { HostKeySigner, KexContext, KexExchange, KexMethod, KexResult } from './types.js';
