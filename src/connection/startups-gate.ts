/**
 * Admission control for a server: how many connections may be in the unauthenticated phase at once, the
 * behaviour of sshd's `MaxStartups start:rate:full` and `PerSourceMaxStartups` (sshd_config(5)). A flood of
 * connections that never authenticate (each holding a key exchange and a login-grace timer) then cannot starve
 * legitimate clients: below `start` every connection is admitted; from `start` on, a new one is refused with
 * probability `rate`% rising linearly to 100% at `full`.
 *
 * Pure bookkeeping: randomness is injected, and the caller says when a connection stops counting (it
 * authenticated, or it ended).
 */
import type { RandomSource } from '../crypto/backend.js';
import { UsageError } from '../errors.js';

export interface MaxStartups {
  /** Unauthenticated connections admitted unconditionally (sshd default 10). */
  readonly start: number;
  /** Refusal probability in percent once `start` is reached (sshd default 30). */
  readonly rate: number;
  /** At this many, every new connection is refused (sshd default 100). */
  readonly full: number;
}

/** sshd's default, `MaxStartups 10:30:100`. */
export const DEFAULT_MAX_STARTUPS: MaxStartups = { start: 10, rate: 30, full: 100 };

export interface StartupsGateOptions {
  maxStartups?: MaxStartups;
  /** Unauthenticated connections one source address may hold at once (sshd's PerSourceMaxStartups; off by default). */
  perSource?: number;
  random: RandomSource;
}

/** Why a connection was not admitted. */
export type Refusal = 'full' | 'random-early-drop' | 'per-source';

/** An admitted connection's place; `release()` once it authenticated or ended (idempotent). */
export interface StartupTicket {
  release(): void;
}

export class StartupsGate {
  private readonly limits: MaxStartups;
  private readonly perSource: number;
  private unauthenticated = 0;
  private readonly bySource = new Map<string, number>();

  constructor(private readonly opts: StartupsGateOptions) {
    const m = opts.maxStartups ?? DEFAULT_MAX_STARTUPS;
    const whole = (n: number) => Number.isInteger(n) && n >= 0;
    if (!whole(m.start) || !whole(m.rate) || !whole(m.full) || m.rate > 100 || m.full < m.start || m.full < 1)
      throw new UsageError(`maxStartups: need whole numbers with start <= full, full >= 1, rate <= 100`);
    this.limits = m;
    this.perSource = opts.perSource ?? Number.POSITIVE_INFINITY;
    if (!(this.perSource >= 1)) throw new UsageError('perSourceMaxStartups must be at least 1');
  }

  /** Connections currently counted as unauthenticated. */
  get pending(): number {
    return this.unauthenticated;
  }

  /** Admits a new connection (a ticket) or says why not. `source` is the peer's address when known. */
  admit(source?: string): StartupTicket | Refusal {
    const refusal = this.refusal(source);
    if (refusal) return refusal;
    this.unauthenticated++;
    if (source !== undefined) this.bySource.set(source, (this.bySource.get(source) ?? 0) + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.unauthenticated--;
        if (source === undefined) return;
        const left = (this.bySource.get(source) ?? 1) - 1;
        if (left > 0) this.bySource.set(source, left);
        else this.bySource.delete(source);
      },
    };
  }

  private refusal(source: string | undefined): Refusal | undefined {
    if (source !== undefined && (this.bySource.get(source) ?? 0) >= this.perSource) return 'per-source';
    const { start, rate, full } = this.limits;
    const n = this.unauthenticated;
    if (n >= full) return 'full';
    if (n < start) return undefined;
    // sshd's random early drop: `rate`% at `start`, rising linearly to 100% at `full`.
    const percent = full === start ? 100 : rate + ((100 - rate) * (n - start)) / (full - start);
    return this.roll() * 100 < percent ? 'random-early-drop' : undefined;
  }

  /** A uniform number in [0, 1) from four bytes of the injected source. */
  private roll(): number {
    const b = this.opts.random(4);
    const word = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
    return word / 2 ** 32;
  }
}
