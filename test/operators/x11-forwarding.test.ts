/**
 * X11 forwarding (RFC 4254 §6.3) between our client (requestX11/forwardX11) and our server (allowX11) over
 * the in-memory pair: the server listens on a loopback display port, an X client connecting there reaches the
 * client side's (fake) X server through an `x11` channel, with the fake cookie from x11-req replaced by the
 * real one on the way. Refusals: x11 opens nobody asked for, wrong cookies, hostile setup messages, policy.
 */
import * as net from 'node:net';
import { firstValueFrom, of, Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acceptSessions } from '../../operators/accept-sessions.js';
import { ForwardingError } from '../../operators/forwarding-error.js';
import { type AllowX11Options, allowX11, type X11Session } from '../../operators/x11-allow.js';
import { connectX11Display } from '../../operators/x11-display.js';
import { forwardX11, requestX11, type X11ForwardOptions } from '../../operators/x11-forward.js';
import { encodeChannelOpenPayload } from '../../src/channel/open-payloads.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { Connection } from '../../src/connection/connection.js';
import { toHex } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/random.js';
import { ChannelOpenError, DecodeError, ProtocolError, UsageError } from '../../src/errors.js';
import { type LivePair, livePair, waitRefused } from './support/tcp.js';
import { FAKE_X_REPLY, type FakeXServer, setupMessage, startFakeX, xClient } from './support/x11.js';

const REAL = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
/** The fake cookie the client draws from seededRandom('x11 test'): the same source's first 16 bytes. */
const FAKE = seededRandom('x11 test')(16);
/** Display numbers far above the usual ones, so a real X server or sshd on this machine is not in the way. */
const OFFSET = 700;

describe('X11 forwarding: requestX11/forwardX11 + allowX11', () => {
  let fakeX: FakeXServer;
  let pair: LivePair;
  const subs: Subscription[] = [];
  const errors: { client: Error[]; server: Error[] } = { client: [], server: [] };

  beforeAll(async () => {
    fakeX = await startFakeX(48);
  });
  afterAll(() => fakeX.close());
  afterEach(() => {
    for (const s of subs.splice(0)) s.unsubscribe();
    pair?.stop();
    errors.client.length = 0;
    errors.server.length = 0;
  });

  const clientOptions = (over: X11ForwardOptions = {}): X11ForwardOptions => ({
    // DISPLAY names the fake X server's port; parsing it is the default connector's business, tested here too.
    display: `127.0.0.1:${fakeX.port - 6000}`,
    auth: { protocol: 'MIT-MAGIC-COOKIE-1', cookie: toHex(REAL) },
    random: seededRandom('x11 test'),
    onError: (e) => errors.client.push(e),
    ...over,
  });

  /** A live pair whose server emits X11 sessions; resolves with the client connection and the next session. */
  async function start(server: AllowX11Options = {}) {
    pair = livePair();
    const sessions: X11Session[] = [];
    subs.push(
      pair.server
        .pipe(
          acceptSessions(),
          allowX11({ displayOffset: OFFSET, onError: (e) => errors.server.push(e), ...server }),
        )
        .subscribe((s) => sessions.push(s)),
    );
    const conn = await firstValueFrom(pair.client);
    return { conn, sessions };
  }

  function openSession(conn: Connection): Promise<Channel> {
    return new Promise((resolve, reject) =>
      subs.push(conn.session().subscribe({ next: resolve, error: reject })),
    );
  }

  async function granted(server: AllowX11Options = {}, client: X11ForwardOptions = {}) {
    const { conn, sessions } = await start(server);
    const ch = await openSession(conn);
    expect(await firstValueFrom(requestX11(conn, ch, clientOptions(client)))).toBe(true);
    const session = sessions.at(-1)!;
    const display = (await firstValueFrom(session.x11.settled$))!;
    return { conn, ch, session, display };
  }

  it('grants x11-req with a loopback display and the fake cookie, and swaps in the real cookie', async () => {
    expect(fakeX.port).toBeGreaterThan(6000); // kernel-chosen ports are; DISPLAY 127.0.0.1:N names 6000 + N
    const { session, display } = await granted();
    expect(session.x11.state).toBe('granted');
    expect(display).toMatchObject({
      display: `localhost:${display.displayNumber}.0`,
      screen: 0,
      authProtocol: 'MIT-MAGIC-COOKIE-1',
      authCookie: toHex(FAKE),
      singleConnection: false,
    });
    expect(display.displayNumber).toBeGreaterThanOrEqual(OFFSET);
    expect(display.port).toBe(6000 + display.displayNumber);

    const tail = Buffer.alloc(200_000, 7);
    const answer = await xClient(
      display.port,
      setupMessage(FAKE, { extra: tail }),
      FAKE_X_REPLY.length + tail.length,
    );
    expect(answer).toEqual(Buffer.concat([FAKE_X_REPLY, tail]));
    const got = Buffer.concat(fakeX.received.at(-1)!);
    expect(got.subarray(0, 48)).toEqual(setupMessage(REAL));
    expect(got.subarray(48)).toEqual(tail);
  });

  it('connects through an injected connector; big-endian setups are swapped too', async () => {
    const targets: unknown[] = [];
    const { display } = await granted(
      {},
      {
        display: 'somewhere:3.2',
        connect: (t) => {
          targets.push(t);
          return connectX11Display({
            kind: 'tcp',
            host: '127.0.0.1',
            port: fakeX.port,
            displayNumber: 3,
            screen: 2,
          });
        },
      },
    );
    expect(display.display).toBe(`localhost:${display.displayNumber}.2`);
    const answer = await xClient(display.port, setupMessage(FAKE, { order: 'B' }), FAKE_X_REPLY.length);
    expect(answer).toEqual(FAKE_X_REPLY);
    expect(Buffer.concat(fakeX.received.at(-1)!)).toEqual(setupMessage(REAL, { order: 'B' }));
    expect(targets).toEqual([{ kind: 'tcp', host: 'somewhere', port: 6003, displayNumber: 3, screen: 2 }]);
  });

  it('without a real cookie the fake one goes through unchanged', async () => {
    const { display } = await granted(
      {},
      { auth: undefined, connect: () => connectX11Display(fakeTarget()) },
    );
    await xClient(display.port, setupMessage(FAKE), FAKE_X_REPLY.length);
    expect(Buffer.concat(fakeX.received.at(-1)!)).toEqual(setupMessage(FAKE));
  });

  it('a wrong cookie or a hostile setup closes the X connection; nothing reaches the display', async () => {
    const connected = fakeX.received.length;
    const { display } = await granted({}, { connect: () => connectX11Display(fakeTarget()) });
    const wrong = FAKE.slice();
    wrong[0] ^= 0xff;
    expect(await xClient(display.port, setupMessage(wrong))).toEqual(Buffer.alloc(0));
    const badOrder = setupMessage(FAKE);
    badOrder[0] = 0x00;
    expect(await xClient(display.port, badOrder)).toEqual(Buffer.alloc(0));
    expect(await xClient(display.port, setupMessage(FAKE, { name: 'XDM-AUTHORIZATION-1' }))).toEqual(
      Buffer.alloc(0),
    );
    // The display was reached (as ssh connects before reading), but never sent a byte.
    expect(fakeX.received.slice(connected).every((r) => r.length === 0)).toBe(true);
    await until(() => errors.client.length === 3);
    expect(errors.client.every((e) => e instanceof ForwardingError)).toBe(true);
    const causes = errors.client.map((e) => (e as ForwardingError).cause);
    expect(causes[0]).toBeInstanceOf(ProtocolError);
    expect(causes.some((c) => c instanceof DecodeError)).toBe(true);
  });

  it('refuses x11 opens when no session asked, and again once the session that asked has closed', async () => {
    const { conn } = await start();
    const serverConn = await firstValueFrom(pair.server);
    const open = () =>
      firstValueFrom(
        serverConn.openChannel(
          'x11',
          encodeChannelOpenPayload({ type: 'x11', originatorAddress: '127.0.0.1', originatorPort: 1 }),
        ),
      );
    await expect(open()).rejects.toMatchObject({ openReason: 1 });
    const ch = await openSession(conn);
    expect(
      await firstValueFrom(
        requestX11(conn, ch, clientOptions({ connect: () => connectX11Display(fakeTarget()) })),
      ),
    ).toBe(true);
    ch.close();
    await until(() => ch.closed);
    const refused = await open().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChannelOpenError);
    expect((refused as ChannelOpenError).openReason).toBe(1);
    expect((refused as ChannelOpenError).description).toMatch(/not requested/);
  });

  it('an unreachable display refuses the open with SSH_OPEN_CONNECT_FAILED and closes the X connection', async () => {
    const { display } = await granted(
      {},
      {
        connect: () =>
          connectX11Display({ kind: 'unix', path: '/nonexistent/X0', displayNumber: 0, screen: 0 }),
      },
    );
    expect(await xClient(display.port, setupMessage(FAKE))).toEqual(Buffer.alloc(0));
    await until(() => errors.client.length > 0 && errors.server.length > 0);
    expect(errors.client[0].message).toMatch(/cannot reach X11 display/);
    expect(((errors.server[0] as ForwardingError).cause as ChannelOpenError).openReason).toBe(2);
  });

  it('single connection: the listener closes after the first X connection', async () => {
    const { display } = await granted(
      {},
      { singleConnection: true, connect: () => connectX11Display(fakeTarget()) },
    );
    expect(display.singleConnection).toBe(true);
    await xClient(display.port, setupMessage(FAKE), FAKE_X_REPLY.length);
    await waitRefused(display.port);
  });

  it('the listener closes with the session channel; a taken display number is skipped', async () => {
    const blocker = net.createServer();
    const taken = await listenFirstFreeFrom(blocker, OFFSET + 50);
    try {
      const { ch, display } = await granted(
        { displayOffset: taken },
        { connect: () => connectX11Display(fakeTarget()) },
      );
      expect(display.displayNumber).toBeGreaterThan(taken);
      ch.close();
      await waitRefused(display.port);
    } finally {
      blocker.close();
    }
  });

  it('while the listener is being bound the request is pending, and settled$ waits for it', async () => {
    const { conn, sessions } = await start();
    const serverConn = await firstValueFrom(pair.server);
    const seen: { state: string; settled: Promise<unknown> }[] = [];
    const ch = await openSession(conn);
    await until(() => sessions.length === 1);
    // Subscribed after allowX11's own watch, so this sees the request just after allowX11 took it.
    subs.push(
      serverConn.messages$.subscribe(({ msg }) => {
        if (msg.type !== 'request' || msg.request.type !== 'x11-req') return;
        const x11 = sessions.at(-1)!.x11;
        seen.push({ state: x11.state, settled: firstValueFrom(x11.settled$) });
      }),
    );
    expect(await firstValueFrom(requestX11(conn, ch, clientOptions()))).toBe(true);
    expect(seen.map((s) => s.state)).toEqual(['pending']);
    expect(await seen[0].settled).toMatchObject({ authCookie: toHex(FAKE) });
  });

  it('refuses X connections over maxConnections with SSH_OPEN_RESOURCE_SHORTAGE', async () => {
    const { display } = await granted(
      {},
      { maxConnections: 1, connect: () => connectX11Display(fakeTarget()) },
    );
    // The first X connection stays open (it has its answer but does not hang up).
    const first = net.connect({ host: '127.0.0.1', port: display.port });
    subs.push(new Subscription(() => first.destroy()));
    first.write(setupMessage(FAKE));
    await new Promise((resolve) => first.once('data', resolve));
    expect(await xClient(display.port, setupMessage(FAKE))).toEqual(Buffer.alloc(0));
    await until(() => errors.server.length > 0);
    expect(((errors.server[0] as ForwardingError).cause as ChannelOpenError).openReason).toBe(4);
  });

  it('an X connection outlives its session (as with sshd); only the listener closes', async () => {
    const { ch, display } = await granted({}, { connect: () => connectX11Display(fakeTarget()) });
    const x = net.connect({ host: '127.0.0.1', port: display.port });
    subs.push(new Subscription(() => x.destroy()));
    const replies: Buffer[] = [];
    x.on('data', (d: Buffer) => replies.push(d));
    x.write(setupMessage(FAKE));
    await until(() => Buffer.concat(replies).length >= FAKE_X_REPLY.length);
    ch.close();
    await waitRefused(display.port);
    x.write('still here');
    await until(() => Buffer.concat(replies).toString().endsWith('still here'));
  });

  it('a session that ends while its display is being bound leaves no listener behind', async () => {
    const probe = net.createServer();
    const free = await listenFirstFreeFrom(probe, OFFSET + 120);
    await new Promise((resolve) => probe.close(resolve));
    const { conn, sessions } = await start({ displayOffset: free });
    const ch = await openSession(conn);
    // Sent without waiting for the answer, then the channel is closed at once.
    requestX11(conn, ch, clientOptions()).subscribe({ error: () => undefined });
    ch.close();
    await until(() => ch.closed);
    await until(() => sessions[0]?.x11.state === 'refused');
    await waitRefused(6000 + free);
    expect(await firstValueFrom(sessions[0].x11.settled$)).toBeUndefined();
  });

  it('a display number whose port is taken on ::1 only is skipped too (X clients may try ::1 first)', async () => {
    const blocker = net.createServer();
    let taken: number;
    try {
      taken = await listenFirstFreeFrom(blocker, OFFSET + 160, '::1');
    } catch {
      return; // no IPv6 loopback here: nothing can be taken on it
    }
    try {
      const { display } = await granted(
        { displayOffset: taken },
        { connect: () => connectX11Display(fakeTarget()) },
      );
      expect(display.displayNumber).toBeGreaterThan(taken);
    } finally {
      blocker.close();
    }
  });

  it('refuses x11-req by policy, a second x11-req on a session, and odd auth data', async () => {
    const { conn, sessions } = await start({ allow: () => sessions.length > 1 });
    const first = await openSession(conn);
    expect(await firstValueFrom(requestX11(conn, first, clientOptions()))).toBe(false);
    await until(() => sessions.length === 1);
    expect(await firstValueFrom(sessions[0].x11.settled$)).toBeUndefined();
    expect(sessions[0].x11.state).toBe('none');

    const second = await openSession(conn);
    expect(await firstValueFrom(requestX11(conn, second, clientOptions()))).toBe(true);
    expect(await firstValueFrom(requestX11(conn, second, clientOptions()))).toBe(false);
    const x = sessions[1].x11;
    expect(x.state).toBe('granted');
    const third = await openSession(conn);
    const odd = await firstValueFrom(
      third.request({
        type: 'x11-req',
        singleConnection: false,
        authProtocol: 'MIT MAGIC',
        authCookie: 'abcd',
        screen: 0,
      }),
    );
    expect(odd).toBe(false);
    const notHex = await firstValueFrom(
      third.request({
        type: 'x11-req',
        singleConnection: false,
        authProtocol: 'MIT-MAGIC-COOKIE-1',
        authCookie: 'xyz',
        screen: 0,
      }),
    );
    expect(notHex).toBe(false);
  });

  it('forwardX11 asks on each session channel and reports refusals; bad client options are usage errors', async () => {
    const { conn } = await start({ allow: () => false });
    const refused: Channel[] = [];
    const ch = await firstValueFrom(
      conn.session().pipe(forwardX11(conn, { ...clientOptions(), onRefused: (c) => refused.push(c) })),
    );
    expect(refused).toEqual([ch]);
    const other = await openSession(conn);
    await expect(
      firstValueFrom(requestX11(conn, other, { ...clientOptions(), display: ':5' })),
    ).rejects.toThrow(UsageError);
    const { conn: fresh } = await start();
    const c2 = await openSession(fresh);
    await expect(firstValueFrom(requestX11(fresh, c2, { display: 'nodisplay' }))).rejects.toThrow(UsageError);
    await expect(
      firstValueFrom(
        requestX11(fresh, c2, { display: ':0', auth: { protocol: 'MIT-MAGIC-COOKIE-1', cookie: 'zz' } }),
      ),
    ).rejects.toThrow(UsageError);
    await expect(firstValueFrom(of(c2).pipe(forwardX11(fresh, { display: '' })))).rejects.toThrow(
      /DISPLAY is not set/,
    );
  });

  function fakeTarget() {
    return { kind: 'tcp' as const, host: '127.0.0.1', port: fakeX.port, displayNumber: 0, screen: 0 };
  }
});

/** Polls `cond` every 10 ms for up to 5 s. */
async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Binds `server` to `host` on the first free X port from display `first`; returns the display number. */
async function listenFirstFreeFrom(server: net.Server, first: number, host = '127.0.0.1'): Promise<number> {
  for (let n = first; n < first + 100; n++) {
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(6000 + n, host, () => resolve(true));
    });
    if (ok) return n;
  }
  throw new Error('no free display port');
}
