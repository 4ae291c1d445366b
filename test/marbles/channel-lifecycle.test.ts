/**
 * A channel's end (RFC 4254 §5.3) in virtual time: the order in which data, exit status, EOF and CLOSE reach
 * the client, half-close (EOF one way while data still flows the other), and unsubscribing as CLOSE.
 *
 *   45 ms  client authenticated: CHANNEL_OPEN       50 ms  server accepts
 *   55 ms  client has the Channel: sends exec       60 ms  server has exec: answers, writes, ends
 *   65 ms  client has all of it, answers CLOSE      70 ms  server has the client's CLOSE
 */
import { interval, map, type Observable, ReplaySubject, share, skip, switchMap, take, tap } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, it } from 'vitest';
import { acceptSessions, exec } from '../../operators/index.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { ChannelMsg } from '../../src/connection/channels/channel-msg.js';
import type { Connection } from '../../src/connection/connection.js';
import { fromUtf8, utf8 } from '../../src/crypto/bytes.js';
import {
  HANDSHAKE,
  LATENCY_MS,
  marbleAt,
  marblePair,
  plainDisconnect,
  shared,
  testScheduler,
} from './helpers.js';

const CHANNEL_AT = HANDSHAKE.clientAuthenticated + 2 * LATENCY_MS; // 55
const EXEC_ARRIVES = CHANNEL_AT + LATENCY_MS; // 60
const REPLY_ARRIVES = EXEC_ARRIVES + LATENCY_MS; // 65
/** Where a test sends CLOSE apart from the data before it (a marble group needs a frame per character). */
const CLOSE_DELAY = 10;

/** A ChannelMsg as a short readable string, for marble values. */
function show(msg: ChannelMsg): string {
  switch (msg.type) {
    case 'data':
      return `data ${fromUtf8(msg.data)}`;
    case 'extended-data':
      return `ext${msg.dataType} ${fromUtf8(msg.data)}`;
    case 'request':
      return `request ${msg.request.type}`;
    case 'exit-status':
      return `exit ${msg.code}`;
    case 'exit-signal':
      return `signal ${msg.signal}`;
    case 'writable':
      return `writable ${msg.bufferedAmount}`;
    default:
      return msg.type;
  }
}

/** One session channel, opened once however many expectations watch it. */
function sessionOnce(client$: Observable<Connection>, onOpen: (ch: Channel) => void = () => {}) {
  return client$.pipe(
    take(1), // so that the session's end is the end of this observable
    switchMap((c) => c.session()),
    tap(onOpen),
    share({ connector: () => new ReplaySubject<Channel>(1), resetOnRefCountZero: false }),
  );
}

/**
 * A server that answers `exec` like a short command: success, stdout, stderr, exit-status, EOF, CLOSE. With
 * `closeDelayMs` the CLOSE leaves that much later instead of in the same write as the rest.
 */
function shortCommand(server$: Observable<Connection>, closeDelayMs?: number, scheduler?: TestScheduler) {
  server$.pipe(acceptSessions()).subscribe(({ channel }) =>
    channel.subscribe((msg) => {
      if (msg.type !== 'request' || msg.request.type !== 'exec') return;
      msg.reply(true);
      channel.next('out');
      channel.stderr.next('err');
      channel.request({ type: 'exit-status', status: 3 }, false).subscribe();
      channel.complete();
      if (closeDelayMs === undefined) channel.close();
      else scheduler?.schedule(() => channel.close(), closeDelayMs);
    }),
  );
}

const SHOWN = {
  s: 'success',
  d: 'data out',
  x: 'ext1 err',
  X: 'exit 3',
  r: 'request exit-status',
  e: 'eof',
  C: 'close',
};

describe('EOF and CLOSE ordering', () => {
  it('data, stderr, exit-status, EOF, then CLOSE arrive in the order sent; session() completes with the close', () => {
    const CLOSE_ARRIVES = REPLY_ARRIVES + CLOSE_DELAY;
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      shortCommand(server$, CLOSE_DELAY, scheduler);
      const session$ = sessionOnce(client$, (ch) =>
        ch.request({ type: 'exec', command: utf8('true') }).subscribe(),
      );

      expectObservable(session$.pipe(map(() => 'c'))).toBe(marbleAt([CHANNEL_AT, 'c'], [CLOSE_ARRIVES, '|']));
      // exit-status is lifted out as its own message and also delivered as the request it came in.
      expectObservable(session$.pipe(switchMap((ch) => ch.pipe(map(show))))).toBe(
        marbleAt([REPLY_ARRIVES, '(sdxXre)'], [CLOSE_ARRIVES, '(C|)']),
        SHOWN,
      );
      // The server's channel ends when the client's answering CLOSE arrives, one hop later.
      expectObservable(
        server$.pipe(
          acceptSessions(),
          take(1),
          switchMap((s) => s.channel.pipe(map(show))),
        ),
      ).toBe(marbleAt([EXEC_ARRIVES, 'r'], [CLOSE_ARRIVES + LATENCY_MS, '(C|)']), {
        r: 'request exec',
        C: 'close',
      });
      expectObservable(client$.pipe(switchMap((c) => c.disconnect$))).toBe('');
    });
  });

  // Regression: at 00afa1b this tore the client's connection down with UsageError "consumed: channel 0 does
  // not exist": the multiplexer had retired the channel on CLOSE before the application reacted to the data
  // read with it (fixed in 17c4a8e: commands on a retired channel are ignored).
  it('the same, with CLOSE in the same write as the rest: no disconnect', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      shortCommand(server$);
      const session$ = sessionOnce(client$, (ch) =>
        ch.request({ type: 'exec', command: utf8('true') }).subscribe(),
      );
      expectObservable(session$.pipe(map(() => 'c'))).toBe(marbleAt([CHANNEL_AT, 'c'], [REPLY_ARRIVES, '|']));
      expectObservable(session$.pipe(switchMap((ch) => ch.pipe(map(show))))).toBe(
        marbleAt([REPLY_ARRIVES, '(sdxXreC|)']),
        SHOWN,
      );
      expectObservable(client$.pipe(switchMap((c) => c.disconnect$))).toBe('');
    });
  });

  // Regression, same cause through the public operator: exec() sends EOF after the server's reply
  // (operators/exec.ts, sendStdin); at 00afa1b that EOF named a retired channel, exec() errored with
  // UsageError "eof: channel 0 does not exist" and the connection was torn down.
  it('exec() against a command that ends at once leaves the connection up', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      shortCommand(server$);
      expectObservable(
        client$.pipe(
          exec('true'),
          map((r) => `${fromUtf8(r.stdout)} ${fromUtf8(r.stderr)} ${r.exitCode}`),
        ),
      ).toBe(marbleAt([REPLY_ARRIVES, 'r']), { r: 'out err 3' });
      expectObservable(client$.pipe(switchMap((c) => c.disconnect$.pipe(map(plainDisconnect))))).toBe('');
    });
  });

  it('the connection-wide messages$ sees the same order, tagged with the channel', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      shortCommand(server$, CLOSE_DELAY, scheduler);
      sessionOnce(client$, (ch) => ch.request({ type: 'exec', command: utf8('true') }).subscribe())
        .pipe(switchMap((ch) => ch))
        .subscribe();
      expectObservable(
        client$.pipe(
          switchMap((c) => c.messages$.pipe(map(({ channel, msg }) => `${channel.id} ${show(msg)}`))),
        ),
      ).toBe(marbleAt([REPLY_ARRIVES, '(sdxXre)'], [REPLY_ARRIVES + CLOSE_DELAY, 'C']), {
        s: '0 success',
        d: '0 data out',
        x: '0 ext1 err',
        X: '0 exit 3',
        r: '0 request exit-status',
        e: '0 eof',
        C: '0 close',
      });
    });
  });
});

describe('half-close', () => {
  it('after the client’s EOF the server still sends data, and the client receives it', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const serverMsgs$ = server$.pipe(
        acceptSessions(),
        take(1),
        switchMap(({ channel }) =>
          channel.pipe(
            tap((msg) => {
              if (msg.type === 'request') msg.reply(true);
              // The client is done sending: answer like `cat` would, after its input ended.
              if (msg.type === 'eof') {
                channel.next('after your eof');
                channel.request({ type: 'exit-status', status: 0 }, false).subscribe();
                channel.complete();
                channel.close();
              }
            }),
            map(show),
          ),
        ),
        share(),
      );
      const session$ = sessionOnce(client$, (ch) => {
        ch.request({ type: 'exec', command: utf8('cat') }).subscribe();
        ch.next('input');
        ch.complete(); // EOF right behind the data
      });

      expectObservable(serverMsgs$).toBe(
        marbleAt([EXEC_ARRIVES, '(rde)'], [REPLY_ARRIVES + LATENCY_MS, '(C|)']),
        { r: 'request exec', d: 'data input', e: 'eof', C: 'close' },
      );
      expectObservable(session$.pipe(switchMap((ch) => ch.pipe(map(show))))).toBe(
        marbleAt([REPLY_ARRIVES, '(sdXreC|)']),
        {
          s: 'success',
          d: 'data after your eof',
          X: 'exit 0',
          r: 'request exit-status',
          e: 'eof',
          C: 'close',
        },
      );
    });
  });

  // Regression: at 00afa1b ChannelMux.write threw UsageError "write on channel 0 after eof()", which the core
  // turned into a disconnect. Like any RxJS Observer, next() after complete() is now dropped.
  it('next() after complete() does not end the connection (the write is dropped)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const serverMsgs$ = server$.pipe(
        acceptSessions(),
        take(1),
        switchMap(({ channel }) => channel.pipe(map(show))),
      );
      sessionOnce(client$, (ch) => {
        ch.complete();
        ch.next('too late');
      })
        .pipe(switchMap((ch) => ch))
        .subscribe({ error: () => undefined }); // the disconnect$ expectation would report it
      expectObservable(serverMsgs$).toBe(marbleAt([EXEC_ARRIVES, 'e']), { e: 'eof' });
      expectObservable(client$.pipe(switchMap((c) => c.disconnect$.pipe(map(plainDisconnect))))).toBe('');
    });
  });
});

describe('unsubscribing', () => {
  it('closes the channel mid-stream (the peer sees CLOSE) and leaves the connection usable', () => {
    const UNSUBSCRIBE_AT = 100;
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      // The server writes a tick every 10 ms from the moment it accepts (50 ms) until the channel ends.
      const sessions$ = server$.pipe(acceptSessions(), share());
      const serverMsgs$ = sessions$.pipe(
        take(1),
        switchMap(({ channel }) => {
          const ticks = interval(10).subscribe((i) => channel.next(`t${i}`));
          channel.onEnd(() => ticks.unsubscribe());
          return channel.pipe(map(show));
        }),
        share(),
      );
      serverMsgs$.subscribe();
      sessions$.pipe(skip(1)).subscribe(({ channel }) => channel.subscribe());

      // Ticks written at 60, 70, 80, 90 arrive 5 ms later; the one written at 100 is in flight when the
      // client's CLOSE leaves, and the multiplexer drops it (data after our CLOSE, §5.3).
      expectObservable(
        client$.pipe(
          switchMap((c) => c.session()),
          switchMap((ch) => ch.pipe(map(show))),
        ),
        marbleAt([0, '^'], [UNSUBSCRIBE_AT, '!']),
      ).toBe(marbleAt([65, 'a'], [75, 'b'], [85, 'c'], [95, 'd']), {
        a: 'data t0',
        b: 'data t1',
        c: 'data t2',
        d: 'data t3',
      });
      expectObservable(serverMsgs$).toBe(marbleAt([UNSUBSCRIBE_AT + LATENCY_MS, '(C|)']), { C: 'close' });

      // The channel is gone on the client once the server's answering CLOSE arrives (110); the connection
      // is not: a new session opened at 150 is confirmed one round trip later.
      expectObservable(
        client$.pipe(
          switchMap((c) =>
            scheduler
              .createColdObservable(marbleAt([120 - HANDSHAKE.clientAuthenticated, 'a']))
              .pipe(map(() => c.channelCount)),
          ),
        ),
      ).toBe(marbleAt([120, 'n']), { n: 0 });
      const later$ = client$.pipe(
        switchMap((c) =>
          scheduler
            .createColdObservable(marbleAt([150 - HANDSHAKE.clientAuthenticated, 'a']))
            .pipe(switchMap(() => c.session())),
        ),
        map((ch) => ch.channelType),
      );
      expectObservable(later$).toBe(marbleAt([150 + 2 * LATENCY_MS, 's']), { s: 'session' });
      expectObservable(client$.pipe(switchMap((c) => c.disconnect$))).toBe('');
    });
  });
});
