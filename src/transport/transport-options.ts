/** What a Transport is built from: its role, injected crypto, randomness and clock, and its policies. */
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import type { AlgorithmPreferences } from './algorithms.js';
import type { RekeyLimits } from './rekey-policy.js';
import type { ServerHostKey } from './transport-events.js';

export interface TransportOptions {
  role: 'client' | 'server';
  crypto: CryptoBackend;
  random: RandomSource;
  clock: () => number;
  algorithms: AlgorithmPreferences;
  /** Server: the host keys we can prove possession of. */
  hostKeys?: readonly ServerHostKey[];
  software?: string;
  rekey?: RekeyLimits;
  strictKex?: boolean;
  /** Server: signature algorithms advertised in `server-sig-algs` (RFC 8308 §3.1). */
  serverSigAlgs?: readonly string[];
  /** Milliseconds any key exchange may take (not counting the application's host-key decision); 60 s default. */
  kexTimeoutMs?: number;
  maxPacketLength?: number;
  /** Bytes of upper-layer messages we hold while a key exchange runs before reporting backpressure. */
  maxQueuedBytes?: number;
}
