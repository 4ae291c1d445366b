/** Key exchange (RFC 4253 §7-8 and the method RFCs): negotiation, methods, exchange hash, key derivation. */
export type { KexInitLists } from './kexinit-lists.js';
export {
  guessWasRight,
  negotiate,
  PSEUDO_KEX_NAMES,
  type Negotiated,
  type NegotiateOptions,
} from './negotiate.js';
export type { HostKeySigner, KexContext, KexExchange, KexMethod, KexResult } from './types.js';
export { DEFAULT_KEX, KEX_METHODS } from './registry.js';
export { deriveKey, type KeyLetter } from './derive.js';
export { DEFAULT_GEX_REQUEST, dhGroupExchange, type GexOptions } from './dh-gex.js';
export { KexMessage } from './messages.js';
