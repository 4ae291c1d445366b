/**
 * Channel flow control (RFC 4254 §5.2) in virtual time, with a window small enough to watch: the sender stops
 * when the window is used up, queues the rest (`bufferedAmount`), and goes on one hop after each
 * WINDOW_ADJUST; the receiver sends WINDOW_ADJUST only for bytes its application consumed.
 *
 * The client advertises window 1000 and max packet 500; the server writes 3000 bytes the moment it accepts
 * the session (50 ms), so at most two 500-byte packets are in flight per window. The adjust threshold of
 * that window is min(window/2, max(4 × max packet, window/8)) = 500 (receive-window.ts).
 */
import { map, merge, type Observable, ReplaySubject, share, switchMap, take, tap, timer } from 'rxjs';
import { describe, it } from 'vitest';
import { acceptSessions } from '../../operators/index.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { ChannelMsg } from '../../src/connection/channels/channel-msg.js';
import type { Connection } from '../../src/connection/connection.js';
import { HANDSHAKE, LATENCY_MS, marbleAt, marblePair, shared, testScheduler } from './helpers.js';

const WINDOW = 1000;
const MAX_PACKET = 500;
const TOTAL = 3000;
const ACCEPTED_AT = HANDSHAKE.clientAuthenticated + LATENCY_MS; // 50: the server writes TOTAL bytes
const FIRST_DATA = ACCEPTED_AT + LATENCY_MS; // 55

function show(msg: ChannelMsg): string {
  if (msg.type === 'data') return `data ${msg.data.length}`;
  if (msg.type === 'writable') return `writable ${msg.bufferedAmount}`;
  return msg.type;
}

/** Values of `read()` sampled at absolute frames (the expectation subscribes at frame 0). */
function sampleAt<T>(frames: number[], read: () => T): Observable<T> {
  return merge(...frames.map((f) => timer(f).pipe(map(read))));
}

/** The server: accepts the first session and writes TOTAL bytes at once; exposes its channel and messages. */
function writingServer(server$: Observable<Connection>) {
  let channel: Channel | undefined;
  const msgs$ = server$.pipe(
    acceptSessions(),
    take(1),
    switchMap((s) => {
      channel = s.channel;
      s.channel.next(new Uint8Array(TOTAL));
      return s.channel.pipe(map(show));
    }),
    share({ connector: () => new ReplaySubject<string>(), resetOnRefCountZero: false }),
  );
  msgs$.subscribe();
  return { msgs$, buffered: () => channel?.bufferedAmount ?? -1 };
}

const DATA = { d: `data ${MAX_PACKET}` };

describe('window exhaustion and refill', () => {
  it('manual consume: the sender stops at the window and resumes one hop after each consume()', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const server = writingServer(server$);
      let channel: Channel | undefined;
      const clientMsgs$ = client$.pipe(
        take(1),
        switchMap((c) => c.session({ window: WINDOW, maxPacket: MAX_PACKET })),
        tap((ch) => {
          channel = ch;
          ch.manualConsume = true;
        }),
        switchMap((ch) => ch.pipe(map(show))),
      );
      // The application takes a whole window's worth at 100 and again at 200.
      scheduler.schedule(() => channel?.consume(WINDOW), 100);
      scheduler.schedule(() => channel?.consume(WINDOW), 200);

      // Nothing beyond the window arrives while nothing is consumed: 2 × 500 at 55, then silence until the
      // adjust of 100 has reached the server (105) and its data the client (110); likewise after 200.
      expectObservable(clientMsgs$).toBe(
        marbleAt([FIRST_DATA, '(dd)'], [100 + 2 * LATENCY_MS, '(dd)'], [200 + 2 * LATENCY_MS, '(dd)']),
        DATA,
      );
      // The server queues what the window cannot take, and is told when its queue has drained.
      expectObservable(sampleAt([60, 150, 250], server.buffered)).toBe(
        marbleAt([60, 'a'], [150, 'b'], [250, '(c|)']),
        { a: TOTAL - WINDOW, b: TOTAL - 2 * WINDOW, c: 0 },
      );
      expectObservable(server.msgs$).toBe(marbleAt([200 + LATENCY_MS, 'w']), { w: 'writable 0' });
    });
  });

  it('without consume() the client never holds more than the window, however long it waits', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const server = writingServer(server$);
      const clientMsgs$ = client$.pipe(
        take(1),
        switchMap((c) => c.session({ window: WINDOW, maxPacket: MAX_PACKET })),
        tap((ch) => {
          ch.manualConsume = true;
        }),
        switchMap((ch) => ch.pipe(map(show))),
      );
      expectObservable(clientMsgs$).toBe(marbleAt([FIRST_DATA, '(dd)']), DATA);
      expectObservable(sampleAt([1_000, 60_000], server.buffered)).toBe(
        marbleAt([1_000, 'a'], [60_000, '(a|)']),
        { a: TOTAL - WINDOW },
      );
    });
  });

  it('automatic consume with the connection-wide `channels` option: refills as fast as data is delivered', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      // The window comes from connect()'s options this time, not from session().
      const { client$, server$ } = shared(
        marblePair(scheduler, { client: { channels: { window: WINDOW, maxPacket: MAX_PACKET } } }),
      );
      const server = writingServer(server$);
      const clientMsgs$ = client$.pipe(
        take(1),
        switchMap((c) => c.session()),
        switchMap((ch) => ch.pipe(map(show))),
      );
      // Each delivered packet is consumed at once and reaches the threshold (500): an adjust per packet, so
      // every window's worth takes one round trip: 55, 65, 75.
      expectObservable(clientMsgs$).toBe(
        marbleAt(
          [FIRST_DATA, '(dd)'],
          [FIRST_DATA + 2 * LATENCY_MS, '(dd)'],
          [FIRST_DATA + 4 * LATENCY_MS, '(dd)'],
        ),
        DATA,
      );
      expectObservable(server.msgs$).toBe(marbleAt([FIRST_DATA + 3 * LATENCY_MS, 'w']), { w: 'writable 0' });
      expectObservable(sampleAt([52, 62, 72], server.buffered)).toBe(
        marbleAt([52, 'a'], [62, 'b'], [72, '(c|)']),
        {
          a: 2000,
          b: 1000,
          c: 0,
        },
      );
    });
  });

  it('packets never exceed the max packet the receiver advertised, whatever the write size', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      writingServer(server$);
      const sizes$ = client$.pipe(
        take(1),
        switchMap((c) => c.session({ window: 1_000_000, maxPacket: 700 })),
        switchMap((ch) => ch.pipe(map(show))),
      );
      // 3000 = 700 × 4 + 200, all within one window, all in the first flight.
      expectObservable(sizes$).toBe(marbleAt([FIRST_DATA, '(aaaab)']), { a: 'data 700', b: 'data 200' });
    });
  });

  it('the other way: a window the server grants in accept() holds back the client’s writes', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const serverMsgs$ = server$.pipe(
        switchMap((s) => s.incomingChannels$),
        take(1),
        switchMap((inc) => {
          const ch = inc.accept({ window: WINDOW, maxPacket: MAX_PACKET });
          ch.manualConsume = true;
          scheduler.schedule(() => ch.consume(WINDOW), 100 - scheduler.now());
          return ch.pipe(map(show));
        }),
      );
      let channel: Channel | undefined;
      const clientMsgs$ = client$.pipe(
        take(1),
        switchMap((c) => c.session()),
        tap((ch) => {
          channel = ch;
          ch.next(new Uint8Array(2 * WINDOW));
        }),
        switchMap((ch) => ch.pipe(map(show))),
      );
      // The client got the channel (and wrote) at 55: one window's worth reaches the server at 60, the rest
      // one hop after the server's consume() at 100 was advertised (adjust at 105, data at 110).
      expectObservable(serverMsgs$).toBe(
        marbleAt([FIRST_DATA + LATENCY_MS, '(dd)'], [100 + 2 * LATENCY_MS, '(dd)']),
        DATA,
      );
      expectObservable(clientMsgs$).toBe(marbleAt([100 + LATENCY_MS, 'w']), { w: 'writable 0' });
      expectObservable(sampleAt([80], () => channel?.bufferedAmount)).toBe(marbleAt([80, '(a|)']), {
        a: WINDOW,
      });
    });
  });

  it('messages held for a late first subscriber stay within the window, and flow once it subscribes', () => {
    const SUBSCRIBES_AT = 200;
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const server = writingServer(server$);
      // Nobody subscribes to the Channel until 200: what arrived is held, and held data is not consumed.
      const clientMsgs$ = client$.pipe(
        take(1),
        switchMap((c) => c.session({ window: WINDOW, maxPacket: MAX_PACKET })),
        switchMap((ch) => timer(SUBSCRIBES_AT - FIRST_DATA).pipe(switchMap(() => ch.pipe(map(show))))),
      );
      expectObservable(clientMsgs$).toBe(
        marbleAt(
          [SUBSCRIBES_AT, '(dd)'],
          [SUBSCRIBES_AT + 2 * LATENCY_MS, '(dd)'],
          [SUBSCRIBES_AT + 4 * LATENCY_MS, '(dd)'],
        ),
        DATA,
      );
      expectObservable(sampleAt([150], server.buffered)).toBe(marbleAt([150, '(a|)']), { a: TOTAL - WINDOW });
    });
  });
});
