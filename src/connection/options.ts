/** Options shared by `connect()` and `accept()`, with the defaults a serious SSH library is expected to have. */
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { ChannelMuxOptions } from '../channel/mux-options.js';
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { defaultCrypto } from '../crypto/index.js';
import { systemRandom } from '../crypto/random.js';
import { type AlgorithmPreferences, defaultPreferences } from '../transport/algorithms.js';
import type { RekeyLimits } from '../transport/rekey-policy.js';
import type { CoreOptions } from './core-base.js';

export interface CommonOptions {
  /** Algorithm preference lists; each list replaces the default one. */
  algorithms?: Partial<AlgorithmPreferences>;
  /** Drives every timer and clock reading; a TestScheduler makes the whole connection run in virtual time. */
  scheduler?: SchedulerLike;
  crypto?: CryptoBackend;
  random?: RandomSource;
  rekey?: RekeyLimits;
  /** Send a keepalive after this long without hearing from the peer (0 = off, the default). */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the peer is declared dead (OpenSSH's default is 3). */
  keepaliveCountMax?: number;
  /** Identification software version (RFC 4253 §4.2). */
  software?: string;
  /** Offer and honour strict key exchange (Terrapin countermeasure). On by default. */
  strictKex?: boolean;
  /** Channel flow-control limits: window (2 MiB), max packet (32 KiB), channel cap (1024)... */
  channels?: Omit<ChannelMuxOptions, 'send'>;
}

export function coreOptions(o: CommonOptions): CoreOptions & { scheduler: SchedulerLike } {
  const scheduler = o.scheduler ?? asyncScheduler;
  const crypto = o.crypto ?? defaultCrypto();
  return {
    scheduler,
    crypto,
    random: o.random ?? systemRandom,
    clock: () => scheduler.now(),
    algorithms: { ...defaultPreferences(crypto), ...o.algorithms },
    rekey: o.rekey,
    software: o.software,
    strictKex: o.strictKex ?? true,
    channels: o.channels,
    keepalive: o.keepaliveIntervalMs
      ? { intervalMs: o.keepaliveIntervalMs, countMax: o.keepaliveCountMax ?? 3 }
      : undefined,
  };
}
