/**
 * Keepalive (src/connection/keepalive.ts): after `intervalMs` without hearing from the peer the client sends
 * a `keepalive@openssh.com` global request; the deadline is `lastHeard + intervalMs × (unanswered + 1)`, and
 * when it passes with `countMax` probes already unanswered, the peer is declared dead. With interval 15 s and
 * countMax 3, silence from frame L gives probes at L+15 s, L+30 s, L+45 s and the end at L+60 s:
 * the interval, then one interval per unanswered probe (15 s × 4).
 */
import { catchError, map, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../src/errors.js';
import {
  disconnectsOf,
  errorOf,
  HANDSHAKE,
  LATENCY_MS,
  marbleAt,
  marblePair,
  shared,
  testScheduler,
} from './helpers.js';

const INTERVAL = 15_000;
const keepalive = { keepaliveIntervalMs: INTERVAL, keepaliveCountMax: 3 };

describe('keepalive', () => {
  it('declares a silent server dead 15 s × 4 after it was last heard, and says why', () => {
    // The last bytes the client hears are USERAUTH_SUCCESS, at HANDSHAKE.clientAuthenticated (45 ms);
    // from then on the link drops everything the server writes.
    const lastHeard = HANDSHAKE.clientAuthenticated;
    const dead = lastHeard + INTERVAL * 4; // 60045
    const probes: number[] = [];
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      let serverSilenced = false;
      const pair = marblePair(scheduler, {
        client: keepalive,
        link: {
          tap: (from, bytes) => {
            if (from === 'a' && serverSilenced) probes.push(scheduler.now());
            return from === 'b' && serverSilenced ? undefined : bytes;
          },
        },
      });
      const { client$, server$ } = shared(pair);
      client$.subscribe({
        next: () => {
          serverSilenced = true;
        },
        error: () => {},
      });

      expectObservable(
        client$.pipe(
          map(() => 'c'),
          catchError((e) => of(errorOf(e))),
        ),
      ).toBe(marbleAt([lastHeard, 'c'], [dead, '(e|)']), {
        c: 'c',
        e: { name: 'TimeoutError', reason: DisconnectReason.CONNECTION_LOST },
      });
      expectObservable(disconnectsOf(client$)).toBe(marbleAt([dead, '(d|)']), {
        d: {
          reason: DisconnectReason.CONNECTION_LOST,
          description: 'peer not responding to keepalive',
          byPeer: false,
          error: 'TimeoutError',
        },
      });
      // The client's DISCONNECT still reaches the server (only the server's writes are dropped).
      expectObservable(disconnectsOf(server$)).toBe(marbleAt([dead + LATENCY_MS, '(d|)']), {
        d: {
          reason: DisconnectReason.CONNECTION_LOST,
          // The peer's text, wrapped as PeerDisconnectError's message says it.
          description: expect.stringContaining('peer not responding to keepalive'),
          byPeer: true,
          error: 'PeerDisconnectError',
        },
      });
    });
    // Three probes, one interval apart, then the DISCONNECT the client sends as it gives up.
    expect(probes).toEqual([lastHeard + INTERVAL, lastHeard + 2 * INTERVAL, lastHeard + 3 * INTERVAL, dead]);
  });

  it('keeps a live connection up: each probe is answered a round trip later and restarts the interval', () => {
    const END = 100_000;
    const probes: number[] = [];
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      let authenticated = false;
      const pair = marblePair(scheduler, {
        client: keepalive,
        link: {
          tap: (from, bytes) => {
            if (from === 'a' && authenticated) probes.push(scheduler.now());
            return bytes;
          },
        },
      });
      const { client$, server$ } = shared(pair);
      client$.subscribe((c) => {
        authenticated = true;
        scheduler.schedule(() => c.close(), END - scheduler.now());
      });
      expectObservable(client$.pipe(map(() => 'c'))).toBe(
        marbleAt([HANDSHAKE.clientAuthenticated, 'c'], [END, '|']),
      );
      expectObservable(server$.pipe(map(() => 's'))).toBe(
        marbleAt([HANDSHAKE.serverAuthenticated, 's'], [END + LATENCY_MS, '|']),
      );
      expectObservable(disconnectsOf(client$).pipe(map((d) => d.byPeer))).toBe(marbleAt([END, '(d|)']), {
        d: false,
      });
    });
    // The reply arrives 2 × LATENCY_MS after the probe, and the next probe is due an interval after that.
    const period = INTERVAL + 2 * LATENCY_MS;
    const first = HANDSHAKE.clientAuthenticated + INTERVAL;
    const expected = [0, 1, 2, 3, 4, 5].map((k) => first + k * period);
    expect(probes).toEqual([...expected, END]); // six probes, then the DISCONNECT of close()
  });
});
