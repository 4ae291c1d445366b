/**
 * Key re-exchange (RFC 4253 §9) while the connection is in use: by time and by volume, started by the
 * client, with the server following. Frames come from the hops of HANDSHAKE (helpers.ts).
 */
import { interval, map, mergeMap, switchMap, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../src/errors.js';
import {
  disconnectsOf,
  HANDSHAKE,
  LATENCY_MS,
  marbleAt,
  marblePair,
  shared,
  testScheduler,
} from './helpers.js';

/**
 * A re-exchange started by the client at frame t: KEXINIT (t) → the server's KEXINIT (t+5) → KEX_ECDH_INIT
 * (t+10) → KEX_ECDH_REPLY + NEWKEYS (t+15) → the client checks the host key is unchanged and sends NEWKEYS
 * (t+20, done for the client) → the server has it (t+25, done for the server).
 */
const CLIENT_REKEY_HOPS = 4 * LATENCY_MS;
const SERVER_REKEY_HOPS = 5 * LATENCY_MS;

describe('rekey by time', () => {
  it('re-exchanges keys 60 s after the previous exchange finished, twice, and stays up', () => {
    // The clock of a time-based rekey starts when an exchange finishes: for the first one, when the client
    // sent its NEWKEYS (HANDSHAKE.clientKexDone = 15 ms). The timer only runs once authenticated (45 ms).
    const first = HANDSHAKE.clientKexDone + 60_000; // KEXINIT at 60015
    const firstDone = first + CLIENT_REKEY_HOPS; // 60035
    const second = firstDone + 60_000; // KEXINIT at 120035
    const secondDone = second + CLIENT_REKEY_HOPS; // 120055
    const END = 150_000;

    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler, { client: { rekey: { seconds: 60 } } }));
      client$.subscribe((c) => scheduler.schedule(() => c.close(), END - scheduler.now()));

      expectObservable(client$.pipe(switchMap((c) => c.rekey$.pipe(map((k) => k.initial))))).toBe(
        marbleAt([firstDone, 'k'], [secondDone, 'k'], [END, '|']),
        { k: false },
      );
      expectObservable(server$.pipe(switchMap((c) => c.rekey$.pipe(map(() => 'k'))))).toBe(
        marbleAt(
          [first + SERVER_REKEY_HOPS, 'k'],
          [second + SERVER_REKEY_HOPS, 'k'],
          [END + LATENCY_MS, '|'],
        ),
      );
      // Nothing ended the connection before the application closed it at END.
      expectObservable(disconnectsOf(client$)).toBe(marbleAt([END, '(d|)']), {
        d: {
          reason: DisconnectReason.BY_APPLICATION,
          description: 'closed by application',
          byPeer: false,
          error: undefined,
        },
      });
    });
  });
});

describe('rekey by volume', () => {
  it('re-exchanges keys after 4096 bytes of global requests; every reply arrives, in order', () => {
    const N = 120;
    const sentAt: number[] = [];
    const replies: { i: number; ok: boolean; at: number }[] = [];
    const rekeys: number[] = [];
    const scheduler = testScheduler();
    scheduler.run(() => {
      const { client$, server$ } = shared(marblePair(scheduler, { client: { rekey: { bytes: 4096 } } }));
      server$.subscribe();
      client$.pipe(switchMap((c) => c.rekey$)).subscribe(() => rekeys.push(scheduler.now()));
      // One keepalive@openssh.com request every 2 ms; our server answers REQUEST_FAILURE, which is a reply
      // (RFC 4254 §4), and replies come back in request order.
      client$
        .pipe(
          switchMap((c) =>
            interval(2, scheduler).pipe(
              take(N),
              mergeMap((i) => {
                sentAt[i] = scheduler.now();
                return c.globalRequest('keepalive@openssh.com').pipe(map((r) => ({ i, ok: r.ok })));
              }),
            ),
          ),
        )
        .subscribe((r) => replies.push({ ...r, at: scheduler.now() }));
    });

    // About 52 bytes per request packet on the wire: the 4096-byte limit is crossed once in N requests.
    expect(rekeys).toHaveLength(1);
    const [rekeyAt] = rekeys;
    expect(rekeyAt).toBeGreaterThan(sentAt[0]);
    expect(rekeyAt).toBeLessThan(sentAt[N - 1]);
    // None lost, none reordered, each answered "failure".
    expect(replies.map((r) => r.i)).toEqual([...Array(N).keys()]);
    expect(replies.every((r) => r.ok === false)).toBe(true);
    // Some requests were in flight across the exchange: sent before it finished, answered after.
    const across = replies.filter((r) => sentAt[r.i] < rekeyAt && r.at > rekeyAt);
    expect(across.length).toBeGreaterThan(0);
    // A request never comes back faster than a round trip, and replies never overtake each other.
    for (const r of replies) expect(r.at - sentAt[r.i]).toBeGreaterThanOrEqual(2 * LATENCY_MS);
    for (let i = 1; i < N; i++) expect(replies[i].at).toBeGreaterThanOrEqual(replies[i - 1].at);
  });
});
