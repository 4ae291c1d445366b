/**
 * The client keeps its own no-more-sessions@openssh.com promise (OpenSSH PROTOCOL §2.2): once
 * `noMoreSessions()` was called, a session open fails locally with UsageError and nothing reaches the server;
 * other channel types are still opened.
 */
import { firstValueFrom, type Observable, tap, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { acceptSessions } from '../../operators/index.js';
import type { IncomingChannel } from '../../src/connection/channels/channel-table.js';
import { UsageError } from '../../src/errors.js';
import { connectedPair } from '../../src/testing/index.js';

/** The first value, kept subscribed: unsubscribing from connect() or session() would close it. */
const live = <T>(source$: Observable<T>) => new Promise<T>((resolve) => source$.subscribe(resolve));

function setup() {
  const pair = connectedPair();
  const seen: string[] = [];
  pair.server$
    .pipe(
      tap((s) => s.incomingChannels$.subscribe((inc: IncomingChannel) => seen.push(inc.channelType))),
      acceptSessions(),
    )
    .subscribe(({ channel }) => channel.subscribe());
  return { ...pair, seen };
}

describe('Connection.noMoreSessions() on the client (OpenSSH PROTOCOL §2.2)', () => {
  it('session() afterwards errors with UsageError and sends nothing', async () => {
    const { client$, link, seen } = setup();
    const conn = await live(client$);
    await live(conn.session()); // one session before the promise is fine
    conn.noMoreSessions();
    await firstValueFrom(timer(20)); // the global request itself has gone out
    const sent = link.written.a;
    const err = await firstValueFrom(conn.session()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).blame).toBe('local');
    await firstValueFrom(timer(20));
    expect(link.written.a).toBe(sent);
    expect(seen).toEqual(['session']);
    expect(conn.channelCount).toBe(1);
  });

  it("openChannel('session') is refused the same way", async () => {
    const { client$, link } = setup();
    const conn = await live(client$);
    conn.noMoreSessions();
    await firstValueFrom(timer(20));
    const sent = link.written.a;
    await expect(firstValueFrom(conn.openChannel('session'))).rejects.toBeInstanceOf(UsageError);
    expect(link.written.a).toBe(sent);
  });

  it('before the call, sessions open normally; other channel types still go to the server after it', async () => {
    const { client$, seen } = setup();
    const conn = await live(client$);
    const first = await live(conn.session());
    expect(first).toBeDefined();
    conn.noMoreSessions();
    // Nobody accepts direct-streamlocal here, so the server refuses it: what matters is that it was sent.
    const refused = await firstValueFrom(conn.openChannel('direct-streamlocal@openssh.com')).catch(
      (e: unknown) => e,
    );
    expect((refused as Error).name).toBe('ChannelOpenError');
    expect(seen).toEqual(['session', 'direct-streamlocal@openssh.com']);
  });
});
