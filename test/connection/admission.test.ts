/**
 * Server admission control (security checklist item 12; sshd_config(5) MaxStartups / PerSourceMaxStartups):
 * unauthenticated connections are admitted freely below `start`, refused with probability rising from `rate`%
 * to 100% at `full`, and a legitimate client gets in again once the stalled ones are gone.
 */
import { firstValueFrom, Subject, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { allowPassword } from '../../operators/allow-password.js';
import { type ServeOptions, serve } from '../../src/connection/accept.js';
import { connect } from '../../src/connection/connect.js';
import type { Connection } from '../../src/connection/connection.js';
import { acceptAnyHostKeyInsecure } from '../../src/connection/host-key-verifier.js';
import { DEFAULT_MAX_STARTUPS, StartupsGate } from '../../src/connection/startups-gate.js';
import { defaultCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { AdmissionError, UsageError } from '../../src/errors.js';
import type { ByteIO } from '../../src/io/byte-io.js';
import { generateKey } from '../../src/keys/generate-key.js';
import { type MemoryLink, memoryLink } from '../../src/testing/memory-link.js';

describe('StartupsGate', () => {
  it('admits everything below start and refuses everything at full', () => {
    const gate = new StartupsGate({
      maxStartups: { start: 3, rate: 30, full: 5 },
      random: seededRandom('g1'),
    });
    const tickets = [gate.admit(), gate.admit(), gate.admit()];
    expect(tickets.every((t) => typeof t !== 'string')).toBe(true);
    // Between start and full only some get in; fill up to full by trying repeatedly.
    let tries = 0;
    while (gate.pending < 5 && tries++ < 1000) gate.admit();
    expect(gate.pending).toBe(5);
    for (let i = 0; i < 50; i++) expect(gate.admit()).toBe('full');
  });

  it('refuses with the linear random-early-drop probability (rate% at start)', () => {
    // At exactly `start` held connections the refusal probability is rate% = 30%: measure it over many draws
    // by admitting and releasing at once, so the count stays at start.
    const gate = new StartupsGate({
      maxStartups: { start: 10, rate: 30, full: 100 },
      random: seededRandom('g2'),
    });
    for (let i = 0; i < 10; i++) gate.admit();
    let refused = 0;
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      const t = gate.admit();
      if (typeof t === 'string') refused++;
      else t.release();
    }
    // Binomial(4000, 0.3): mean 1200, sd ≈ 29; ±6 sd.
    expect(refused).toBeGreaterThan(1200 - 175);
    expect(refused).toBeLessThan(1200 + 175);
  });

  it('releases are counted once, and per-source limits apply per address', () => {
    const gate = new StartupsGate({ perSource: 2, random: seededRandom('g3') });
    const a = gate.admit('127.0.0.2');
    const b = gate.admit('127.0.0.2');
    expect(gate.admit('127.0.0.2')).toBe('per-source');
    expect(typeof gate.admit('127.0.0.3')).not.toBe('string');
    if (typeof a === 'string' || typeof b === 'string') throw new Error('expected tickets');
    a.release();
    a.release();
    expect(gate.pending).toBe(2);
    expect(typeof gate.admit('127.0.0.2')).not.toBe('string');
  });

  it('rejects nonsensical limits as a usage error', () => {
    const random = seededRandom('g4');
    expect(() => new StartupsGate({ maxStartups: { start: 10, rate: 30, full: 5 }, random })).toThrow(
      UsageError,
    );
    expect(() => new StartupsGate({ maxStartups: { start: 1, rate: 101, full: 5 }, random })).toThrow(
      UsageError,
    );
    expect(() => new StartupsGate({ perSource: 0, random })).toThrow(UsageError);
    expect(DEFAULT_MAX_STARTUPS).toEqual({ start: 10, rate: 30, full: 100 });
  });
});

describe('serve() admission', () => {
  const crypto = defaultCrypto();
  const hostKey = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('admission/host') });
  const options = (extra: Partial<ServeOptions> = {}): ServeOptions => ({
    hostKeys: [hostKey],
    random: seededRandom('admission/server'),
    authFailureDelayMs: 0,
    auth: allowPassword((u, p) => u === 'alice' && p === 'pw'),
    ...extra,
  });

  /** The bytes the server wrote to a refused link's client end, and whether it ended. */
  function watch(link: MemoryLink): { text: () => string; ended: () => boolean } {
    const chunks: Uint8Array[] = [];
    let ended = false;
    link.a.input.subscribe({ next: (c) => chunks.push(c), complete: () => (ended = true) });
    return { text: () => Buffer.concat(chunks).toString('latin1'), ended: () => ended };
  }

  it('holds at most `full` stalled unauthenticated connections, refuses some from start on, and admits a real client once they are gone', async () => {
    const incoming = new Subject<ByteIO>();
    const refusals: AdmissionError[] = [];
    const served: Connection[] = [];
    const sub: Subscription = serve(incoming, options(), (err) => {
      if (err instanceof AdmissionError) refusals.push(err);
    }).subscribe((c) => served.push(c));

    const stalled: MemoryLink[] = [];
    const watched: ReturnType<typeof watch>[] = [];
    for (let i = 0; i < 200; i++) {
      const link = memoryLink();
      watched.push(watch(link));
      stalled.push(link);
      const before = refusals.length;
      incoming.next(link.b);
      // The first `start` (10) are always admitted.
      if (i < 10) expect(refusals.length).toBe(before);
    }
    await new Promise((r) => setTimeout(r, 20));
    const held = 200 - refusals.length;
    expect(held).toBeLessThanOrEqual(100);
    expect(held).toBeGreaterThanOrEqual(10);
    // From the 11th on, each was refused with probability ≥ 30%: far more than 30% of 190 overall.
    expect(refusals.length).toBeGreaterThanOrEqual(Math.floor(190 * 0.3));
    const refusedIndexes = watched.flatMap((w, i) =>
      w.text().startsWith('Not allowed at this time\r\n') ? [i] : [],
    );
    expect(refusedIndexes.length).toBe(refusals.length);
    expect(refusedIndexes.every((i) => watched[i].ended())).toBe(true);
    expect(Math.min(...refusedIndexes)).toBeGreaterThanOrEqual(10);

    // The stalled clients go away (what LoginGraceTime does to them); their places free up.
    for (const link of stalled) link.cut();
    await new Promise((r) => setTimeout(r, 20));
    const link = memoryLink();
    const client = firstValueFrom(
      connect(link.a, { username: 'alice', password: 'pw', verifyHostKey: acceptAnyHostKeyInsecure() }),
    );
    const before = refusals.length;
    incoming.next(link.b);
    const connection = await client;
    expect(connection).toBeDefined();
    expect(served[0].username).toBe('alice');
    expect(served.length).toBe(1);
    expect(refusals.length).toBe(before);
    sub.unsubscribe();
  });

  it('an authenticated connection stops counting, and the admit hook refuses before any protocol work', async () => {
    const incoming = new Subject<ByteIO>();
    const refusals: AdmissionError[] = [];
    const connections: Connection[] = [];
    let hookCalls = 0;
    const sub = serve(
      incoming,
      options({
        maxStartups: { start: 1, rate: 100, full: 1 },
        admit: (remote) => {
          hookCalls++;
          return remote?.address !== '127.0.0.66';
        },
      }),
      (err) => {
        if (err instanceof AdmissionError) refusals.push(err);
      },
    ).subscribe((c) => connections.push(c));

    // Two clients one after the other: with full = 1 the second gets in only because the first authenticated.
    for (let i = 0; i < 2; i++) {
      const link = memoryLink();
      const client = firstValueFrom(
        connect(link.a, { username: 'alice', password: 'pw', verifyHostKey: acceptAnyHostKeyInsecure() }),
      );
      incoming.next(link.b);
      await client;
    }
    expect(connections.length).toBe(2);
    expect(refusals).toEqual([]);

    const banned = memoryLink();
    const seen = watch(banned);
    incoming.next({ ...banned.b, remote: { address: '127.0.0.66', port: 50000 } });
    await new Promise((r) => setTimeout(r, 10));
    expect(refusals.map((e) => e.why)).toEqual(['hook']);
    expect(seen.text()).toBe('Not allowed at this time\r\n');
    expect(hookCalls).toBe(3);
    sub.unsubscribe();
  });
});
