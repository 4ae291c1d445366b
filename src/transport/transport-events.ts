/** What the transport state machine reports to the layer above it. */

import type { SshError } from '../errors.js';
import type { Negotiated } from '../kex/negotiate.js';

export type TransportEvent =
  /** Client: the server proved possession of this host key; answer with `answerHostKey`. */
  | { type: 'host-key'; algorithm: string; blob: Uint8Array }
  | {
      type: 'kex-complete';
      initial: boolean;
      algorithms: Negotiated;
      strictKex: boolean;
      hostKey: Uint8Array;
    }
  | { type: 'ext-info'; extensions: Map<string, Uint8Array> }
  /** An upper-layer message (service, authentication, connection). */
  | { type: 'message'; payload: Uint8Array }
  | { type: 'debug'; message: string; alwaysDisplay: boolean }
  | { type: 'unimplemented'; sequence: number }
  | { type: 'pong'; data: Uint8Array }
  | { type: 'closed'; reason: number; description: string; byPeer: boolean; error?: SshError };

/** A server host key as the transport needs it: its blob and a signer per signature algorithm. */
export interface ServerHostKey {
  /** Signature algorithms this key can produce (an RSA key: rsa-sha2-512, rsa-sha2-256, maybe ssh-rsa). */
  algorithms: readonly string[];
  blob: Uint8Array;
  /** Returns an SSH signature blob (RFC 4253 §6.6) over `data`. */
  sign(data: Uint8Array, algorithm: string): Uint8Array;
}
