/**
 * How an end of connection surfaces (RFC 4253 §11.1): `disconnect$` on both Connections, with the reason
 * code, who sent it, and the typed error; and how connect()/accept() end. connect.ts documents that the
 * observable completes on a clean end (our close, or the peer's BY_APPLICATION after authentication) and
 * errors with the typed error otherwise.
 */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../src/errors.js';
import {
  disconnectsOf,
  endingOf,
  HANDSHAKE,
  LATENCY_MS,
  marbleAt,
  marblePair,
  shared,
  testScheduler,
} from './helpers.js';

/** Frame at which the test closes one end, well after both are authenticated. */
const CLOSE_AT = 100;

describe('disconnect reasons', () => {
  it('client.close(): BY_APPLICATION, byPeer false at the client and true at the server; both complete', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      client$.subscribe((c) => scheduler.schedule(() => c.close(), CLOSE_AT - scheduler.now()));

      expectObservable(disconnectsOf(client$)).toBe(marbleAt([CLOSE_AT, '(d|)']), {
        d: {
          reason: DisconnectReason.BY_APPLICATION,
          description: 'closed by application',
          byPeer: false,
          error: undefined,
        },
      });
      expectObservable(disconnectsOf(server$)).toBe(marbleAt([CLOSE_AT + LATENCY_MS, '(d|)']), {
        d: {
          reason: DisconnectReason.BY_APPLICATION,
          description: expect.stringContaining('closed by application'),
          byPeer: true,
          error: 'PeerDisconnectError',
        },
      });
      // Clean on both sides: our own close, and the peer's BY_APPLICATION after authentication.
      expectObservable(endingOf(client$)).toBe(marbleAt([CLOSE_AT, '|']));
      expectObservable(endingOf(server$)).toBe(marbleAt([CLOSE_AT + LATENCY_MS, '|']));
    });
  });

  it('server close with a custom reason reaches the client, whose connect() errors with it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      server$.subscribe((s) =>
        scheduler.schedule(
          () => s.close(DisconnectReason.TOO_MANY_CONNECTIONS, 'maintenance window'),
          CLOSE_AT - scheduler.now(),
        ),
      );

      expectObservable(disconnectsOf(client$)).toBe(marbleAt([CLOSE_AT + LATENCY_MS, '(d|)']), {
        d: {
          reason: DisconnectReason.TOO_MANY_CONNECTIONS,
          description: expect.stringContaining('maintenance window'),
          byPeer: true,
          error: 'PeerDisconnectError',
        },
      });
      expectObservable(disconnectsOf(server$)).toBe(marbleAt([CLOSE_AT, '(d|)']), {
        d: {
          reason: DisconnectReason.TOO_MANY_CONNECTIONS,
          description: 'maintenance window',
          byPeer: false,
          error: undefined,
        },
      });
      // Any reason other than BY_APPLICATION is an error for the side that receives it.
      expectObservable(endingOf(client$)).toBe(marbleAt([CLOSE_AT + LATENCY_MS, '(e|)']), {
        e: { name: 'PeerDisconnectError', reason: DisconnectReason.TOO_MANY_CONNECTIONS },
      });
      expectObservable(endingOf(server$)).toBe(marbleAt([CLOSE_AT, '|']));
    });
  });

  it('server close with BY_APPLICATION: the client’s connect() completes', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      server$.subscribe((s) => scheduler.schedule(() => s.close(), CLOSE_AT - scheduler.now()));
      expectObservable(endingOf(client$)).toBe(marbleAt([CLOSE_AT + LATENCY_MS, '|']));
      expectObservable(disconnectsOf(client$).pipe(map((d) => [d.reason, d.byPeer]))).toBe(
        marbleAt([CLOSE_AT + LATENCY_MS, '(d|)']),
        { d: [DisconnectReason.BY_APPLICATION, true] },
      );
    });
  });

  it('unsubscribing from connect() disconnects with BY_APPLICATION, which the server sees', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const pair = marblePair(scheduler);
      const { server$ } = shared(pair);
      // Subscribed from frame 0, unsubscribed at CLOSE_AT.
      expectObservable(pair.client$.pipe(map(() => 'c')), marbleAt([0, '^'], [CLOSE_AT, '!'])).toBe(
        marbleAt([HANDSHAKE.clientAuthenticated, 'c']),
      );
      expectObservable(disconnectsOf(server$)).toBe(marbleAt([CLOSE_AT + LATENCY_MS, '(d|)']), {
        d: {
          reason: DisconnectReason.BY_APPLICATION,
          description: expect.stringContaining('disconnected by user'),
          byPeer: true,
          error: 'PeerDisconnectError',
        },
      });
      expectObservable(endingOf(server$)).toBe(marbleAt([CLOSE_AT + LATENCY_MS, '|']));
    });
  });
});
