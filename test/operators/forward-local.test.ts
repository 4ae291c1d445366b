/**
 * forwardLocal (ssh -L) against allowDirectTcpip over the in-memory pair, with real loopback TCP at both ends:
 * bytes both ways, half-close both ways, refusals by policy and by an unreachable target, and teardown.
 */
import { randomBytes } from 'node:crypto';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  allowDirectTcpip,
  type DirectTcpipRequest,
  ForwardingError,
  forwardLocal,
} from '../../operators/index.js';
import { ChannelOpenError } from '../../src/errors.js';
import {
  closedPort,
  countUntilEof,
  echo,
  exchange,
  type LivePair,
  livePair,
  startServer,
  type TcpServer,
  waitRefused,
} from './support/tcp.js';

describe('forwardLocal + allowDirectTcpip', () => {
  let echoServer: TcpServer;
  let counter: TcpServer;
  let pair: LivePair;
  const subs: Subscription[] = [];

  beforeAll(async () => {
    echoServer = await startServer(echo);
    counter = await startServer(countUntilEof);
  });
  afterAll(async () => {
    await echoServer.close();
    await counter.close();
  });
  afterEach(() => {
    for (const s of subs.splice(0)) s.unsubscribe();
    pair?.stop();
  });

  /** Starts the pair, the server's policy and a local forward to `target`; resolves with the bound port. */
  async function forward(
    target: { host: string; port: number },
    serverOpts: Parameters<typeof allowDirectTcpip>[0] = {},
    onError?: (e: Error) => void,
  ): Promise<{ port: number; opened: DirectTcpipRequest[] }> {
    pair = livePair();
    const opened: DirectTcpipRequest[] = [];
    subs.push(pair.server.pipe(allowDirectTcpip(serverOpts)).subscribe((r) => opened.push(r)));
    const bound = pair.client.pipe(forwardLocal({ listen: { host: '127.0.0.1', port: 0 }, target, onError }));
    const port = await new Promise<number>((resolve, reject) => {
      subs.push(bound.subscribe({ next: (a) => resolve(a.port), error: reject }));
    });
    return { port, opened };
  }

  it('carries 1 MiB both ways and ends only after both sides ended', async () => {
    const { port, opened } = await forward({ host: '127.0.0.1', port: echoServer.port });
    const data = randomBytes(1 << 20);
    const { received } = await exchange(port, data);
    expect(received.length).toBe(data.length);
    expect(received.equals(data)).toBe(true);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({
      host: '127.0.0.1',
      port: echoServer.port,
      originatorAddress: '127.0.0.1',
    });
  });

  it('passes the client FIN on as EOF and still delivers the answer that follows it', async () => {
    const { port } = await forward({ host: '127.0.0.1', port: counter.port });
    const { received } = await exchange(port, randomBytes(300_000));
    expect(received.toString()).toBe('300000\n');
  });

  it('serves several connections at once', async () => {
    const { port } = await forward({ host: 'localhost', port: counter.port });
    const sizes = [0, 1, 65_536, 200_001, 12_345];
    const answers = await Promise.all(sizes.map((n) => exchange(port, randomBytes(n))));
    expect(answers.map((a) => a.received.toString())).toEqual(sizes.map((n) => `${n}\n`));
  });

  it('refuses non-loopback targets by default (administratively prohibited) and closes the socket', async () => {
    const errors: Error[] = [];
    const { port, opened } = await forward({ host: '192.0.2.1', port: 80 }, {}, (e) => errors.push(e));
    const { received } = await exchange(port, Buffer.from('hello'));
    expect(received.length).toBe(0);
    expect(opened).toHaveLength(0);
    expect(errors[0]).toBeInstanceOf(ForwardingError);
    expect((errors[0] as ForwardingError).cause).toBeInstanceOf(ChannelOpenError);
    expect(((errors[0] as ForwardingError).cause as ChannelOpenError).openReason).toBe(1);
  });

  it('applies a custom policy', async () => {
    const errors: Error[] = [];
    const { port } = await forward(
      { host: '127.0.0.1', port: echoServer.port },
      { policy: (r) => r.port !== echoServer.port },
      (e) => errors.push(e),
    );
    expect((await exchange(port, Buffer.from('x'))).received.length).toBe(0);
    expect(((errors[0] as ForwardingError).cause as ChannelOpenError).openReason).toBe(1);
  });

  it('refuses (administratively prohibited) when the policy throws: it fails closed', async () => {
    const errors: Error[] = [];
    const { port, opened } = await forward(
      { host: '127.0.0.1', port: echoServer.port },
      {
        policy: () => {
          throw new Error('policy bug');
        },
      },
      (e) => errors.push(e),
    );
    expect((await exchange(port, Buffer.from('x'))).received.length).toBe(0);
    expect(opened).toHaveLength(0);
    expect(((errors[0] as ForwardingError).cause as ChannelOpenError).openReason).toBe(1);
  });

  it('refuses with CONNECT_FAILED when the target does not answer', async () => {
    const errors: Error[] = [];
    const { port } = await forward({ host: '127.0.0.1', port: await closedPort() }, {}, (e) =>
      errors.push(e),
    );
    expect((await exchange(port, Buffer.from('x'))).received.length).toBe(0);
    const cause = (errors[0] as ForwardingError).cause as ChannelOpenError;
    expect(cause.openReason).toBe(2);
    expect(cause.description).toMatch(/ECONNREFUSED/);
  });

  it('stops listening when unsubscribed', async () => {
    const { port } = await forward({ host: '127.0.0.1', port: echoServer.port });
    expect((await exchange(port, Buffer.from('abc'))).received.toString()).toBe('abc');
    for (const s of subs.splice(0)) s.unsubscribe();
    await waitRefused(port);
  });

  it('stops listening when the connection ends', async () => {
    const { port } = await forward({ host: '127.0.0.1', port: echoServer.port });
    (await firstValueFrom(pair.client)).close();
    await waitRefused(port);
  });

  it('fails with a ForwardingError when the port is taken', async () => {
    pair = livePair();
    const taken = echoServer.port;
    const err = await firstValueFrom(
      pair.client.pipe(
        forwardLocal({ listen: { host: '127.0.0.1', port: taken }, target: { host: 'x', port: 1 } }),
      ),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForwardingError);
    expect((err as ForwardingError).message).toMatch(/EADDRINUSE/);
  });
});
