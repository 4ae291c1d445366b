/**
 * Opening a channel (RFC 4254 §5.1) in virtual time: CHANNEL_OPEN leaves when the client subscribes, the
 * server answers on arrival, and the answer takes one more hop. Frames come from HANDSHAKE (helpers.ts).
 *
 *   45 ms  client authenticated, subscribes to session(): CHANNEL_OPEN
 *   50 ms  the server has it: OPEN_CONFIRMATION or OPEN_FAILURE (or nothing yet, when deferred)
 *   55 ms  the client has the answer: session() emits its Channel, or errors with ChannelOpenError
 */
import { catchError, map, type Observable, of, switchMap } from 'rxjs';
import { describe, it } from 'vitest';
import { acceptSessions } from '../../operators/index.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { IncomingChannel } from '../../src/connection/channels/channel-table.js';
import { ChannelOpenFailure } from '../../src/wire/connection-messages.js';
import { HANDSHAKE, LATENCY_MS, marbleAt, marblePair, shared, testScheduler } from './helpers.js';

const OPEN_ARRIVES = HANDSHAKE.clientAuthenticated + LATENCY_MS; // 50
const ANSWER_ARRIVES = OPEN_ARRIVES + LATENCY_MS; // 55

/** An open's outcome as a plain value: 'c' with the channel's type, or the refusal's reason and text. */
function outcomeOf(open$: Observable<Channel>) {
  return open$.pipe(
    map((ch) => ({ type: ch.channelType })),
    catchError((e: { name: string; openReason: number; description: string }) =>
      of({ error: e.name, openReason: e.openReason, description: e.description }),
    ),
  );
}

describe('channel open', () => {
  it('a session the server accepts is emitted when the confirmation arrives (one round trip)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const sessions$ = server$.pipe(acceptSessions());

      expectObservable(sessions$.pipe(map((s) => s.channel.channelType))).toBe(
        marbleAt([OPEN_ARRIVES, 's']),
        {
          s: 'session',
        },
      );
      expectObservable(outcomeOf(client$.pipe(switchMap((c) => c.session())))).toBe(
        marbleAt([ANSWER_ARRIVES, 'c']),
        { c: { type: 'session' } },
      );
      // Both ends count the channel from their own moment of knowing it.
      expectObservable(
        client$.pipe(
          switchMap((c) => scheduler.createColdObservable('60ms a').pipe(map(() => c.channelCount))),
        ),
      ).toBe(marbleAt([HANDSHAKE.clientAuthenticated + 60, 'n']), { n: 1 });
    });
  });

  it('an open nobody accepts is refused with ADMINISTRATIVELY_PROHIBITED; the connection stays up', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      server$.subscribe();
      expectObservable(outcomeOf(client$.pipe(switchMap((c) => c.session())))).toBe(
        marbleAt([ANSWER_ARRIVES, '(e|)']),
        {
          e: {
            error: 'ChannelOpenError',
            openReason: ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED,
            description: 'session channels are not accepted',
          },
        },
      );
      // No disconnect: nothing is emitted on disconnect$ while the scheduler runs.
      expectObservable(client$.pipe(switchMap((c) => c.disconnect$))).toBe('');
    });
  });

  it('the reason code and text the server chooses reach the client (CONNECT_FAILED on a direct-tcpip)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      server$
        .pipe(switchMap((s) => s.incomingChannels$))
        .subscribe((inc) => inc.reject(ChannelOpenFailure.CONNECT_FAILED, 'connection refused'));
      expectObservable(outcomeOf(client$.pipe(switchMap((c) => c.openChannel('direct-tcpip'))))).toBe(
        marbleAt([ANSWER_ARRIVES, '(e|)']),
        {
          e: {
            error: 'ChannelOpenError',
            openReason: ChannelOpenFailure.CONNECT_FAILED,
            description: 'connection refused',
          },
        },
      );
    });
  });

  it('a deferred open is answered whenever the server decides: accept at 100, reject at 120', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const at = (frame: number, fn: () => void) => scheduler.schedule(fn, frame - scheduler.now());
      server$.pipe(switchMap((s) => s.incomingChannels$)).subscribe((inc: IncomingChannel) => {
        inc.defer();
        if (inc.channelType === 'session') at(100, () => inc.accept());
        else at(120, () => inc.reject(ChannelOpenFailure.RESOURCE_SHORTAGE, 'later: no'));
      });
      expectObservable(outcomeOf(client$.pipe(switchMap((c) => c.session())))).toBe(
        marbleAt([100 + LATENCY_MS, 'c']),
        { c: { type: 'session' } },
      );
      expectObservable(outcomeOf(client$.pipe(switchMap((c) => c.openChannel('x11'))))).toBe(
        marbleAt([120 + LATENCY_MS, '(e|)']),
        {
          e: {
            error: 'ChannelOpenError',
            openReason: ChannelOpenFailure.RESOURCE_SHORTAGE,
            description: 'later: no',
          },
        },
      );
    });
  });

  it('acceptSessions({ maxSessions: 1 }) refuses a second session with RESOURCE_SHORTAGE', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      server$.pipe(acceptSessions({ maxSessions: 1 })).subscribe();
      expectObservable(outcomeOf(client$.pipe(switchMap((c) => c.session())))).toBe(
        marbleAt([ANSWER_ARRIVES, 'c']),
        { c: { type: 'session' } },
      );
      // Opened at 45 as well, after the first: its refusal travels the same hops.
      expectObservable(outcomeOf(client$.pipe(switchMap((c) => c.session())))).toBe(
        marbleAt([ANSWER_ARRIVES, '(e|)']),
        { e: { error: 'ChannelOpenError', openReason: 4, description: 'too many sessions' } },
      );
    });
  });

  it('a confirmation arriving after the opener unsubscribed closes the channel at once', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = shared(marblePair(scheduler));
      const sessionMsgs$ = server$.pipe(
        acceptSessions(),
        switchMap(({ channel }) => channel.pipe(map((m) => m.type[0]))),
      );
      // The client gives up at 52, between OPEN leaving (45) and the confirmation arriving (55): it answers
      // that confirmation with CLOSE, so the server's channel sees 'close' at 60 and ends.
      expectObservable(
        client$.pipe(switchMap((c) => c.session())),
        marbleAt([0, '^'], [OPEN_ARRIVES + 2, '!']),
      ).toBe('');
      expectObservable(sessionMsgs$).toBe(marbleAt([ANSWER_ARRIVES + LATENCY_MS, 'c']));
      expectObservable(
        client$.pipe(
          switchMap((c) => scheduler.createColdObservable('100ms a').pipe(map(() => c.channelCount))),
        ),
      ).toBe(marbleAt([HANDSHAKE.clientAuthenticated + 100, 'n']), { n: 0 });
    });
  });
});
