/**
 * forwardRemote (ssh -R) against allowRemoteForwarding over the in-memory pair: the server listens on real
 * loopback TCP, each accepted connection comes back to the client as forwarded-tcpip and goes on to a real
 * echo server. Port 0 (allocated port in the reply, RFC 4254 §7.1), a fixed port, cancel, refusals.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AllowRemoteForwardingOptions,
  allowRemoteForwarding,
  ForwardingError,
  forwardRemote,
  type RemoteForward,
} from '../../operators/index.js';
import { encodeGlobalRequestPayload } from '../../src/channel/global-request-payloads.js';
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

describe('forwardRemote + allowRemoteForwarding', () => {
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

  function startServerSide(opts: AllowRemoteForwardingOptions = {}): RemoteForward[] {
    pair = livePair();
    const forwards: RemoteForward[] = [];
    subs.push(pair.server.pipe(allowRemoteForwarding(opts)).subscribe((f) => forwards.push(f)));
    return forwards;
  }

  function requestForward(bind: { host: string; port: number }, target: { host: string; port: number }) {
    return new Promise<{ port: number; sub: Subscription }>((resolve, reject) => {
      const sub = pair.client.pipe(forwardRemote({ bind, target })).subscribe({
        next: ({ port }) => resolve({ port, sub }),
        error: reject,
      });
      subs.push(sub);
    });
  }

  it('port 0: the server allocates a port, replies with it, and forwards connections to the target', async () => {
    const forwards = startServerSide();
    const { port } = await requestForward(
      { host: 'localhost', port: 0 },
      { host: '127.0.0.1', port: echoServer.port },
    );
    expect(port).toBeGreaterThan(0);
    expect(forwards).toMatchObject([
      { address: 'localhost', port: 0, boundPort: port, bindAddress: '127.0.0.1' },
    ]);
    const data = randomBytes(512 * 1024);
    const { received } = await exchange(port, data);
    expect(received.equals(data)).toBe(true);
  });

  it('a fixed port is bound as asked; half-close travels back through the client', async () => {
    startServerSide();
    const wanted = await closedPort();
    const { port } = await requestForward(
      { host: '127.0.0.1', port: wanted },
      { host: '127.0.0.1', port: counter.port },
    );
    expect(port).toBe(wanted);
    expect((await exchange(port, randomBytes(70_000))).received.toString()).toBe('70000\n');
  });

  it('two forwards on one connection each reach their own target', async () => {
    startServerSide();
    const a = await requestForward(
      { host: 'localhost', port: 0 },
      { host: '127.0.0.1', port: echoServer.port },
    );
    const b = await requestForward({ host: 'localhost', port: 0 }, { host: '127.0.0.1', port: counter.port });
    const [ra, rb] = await Promise.all([
      exchange(a.port, Buffer.from('ping')),
      exchange(b.port, Buffer.from('ping')),
    ]);
    expect(ra.received.toString()).toBe('ping');
    expect(rb.received.toString()).toBe('4\n');
  });

  it('unsubscribing sends cancel-tcpip-forward and the server stops listening', async () => {
    startServerSide();
    const { port, sub } = await requestForward(
      { host: 'localhost', port: 0 },
      { host: '127.0.0.1', port: echoServer.port },
    );
    expect((await exchange(port, Buffer.from('x'))).received.toString()).toBe('x');
    sub.unsubscribe();
    await waitRefused(port);
  });

  // RFC 4254 §4: every request with want_reply is answered, in order; the cancel finds the forward being bound.
  it('a cancel sent right behind its request: both are answered and the port is left free', async () => {
    const forwards = startServerSide();
    const conn = await firstValueFrom(pair.client);
    const port = await closedPort();
    const ask = (type: 'tcpip-forward' | 'cancel-tcpip-forward') =>
      firstValueFrom(
        conn.globalRequest(type, encodeGlobalRequestPayload({ type, address: 'localhost', port })),
      );
    const replies = Promise.all([ask('tcpip-forward'), ask('cancel-tcpip-forward')]);
    const [forwarded, cancelled] = await Promise.race([
      replies,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a reply never came')), 3_000)),
    ]);
    expect(forwarded.ok).toBe(false);
    expect(cancelled.ok).toBe(true);
    expect(forwards).toEqual([]);
    await waitBindable(port);
  });

  it('a connection that ends while its port is being bound leaves the port free', async () => {
    // The policy runs just before the bind starts: ending the connection there ends it while binding.
    let policyRan!: () => void;
    const asked = new Promise<void>((resolve) => {
      policyRan = resolve;
    });
    startServerSide({
      policy: ({ connection }) => {
        connection.close();
        policyRan();
        return '127.0.0.1';
      },
    });
    const conn = await firstValueFrom(pair.client);
    const port = await closedPort();
    const type = 'tcpip-forward';
    conn.globalRequest(type, encodeGlobalRequestPayload({ type, address: 'localhost', port })).subscribe({
      error: () => undefined,
    });
    await asked;
    await waitBindable(port);
  });

  it('the server stops listening when the connection ends', async () => {
    startServerSide();
    const { port } = await requestForward(
      { host: 'localhost', port: 0 },
      { host: '127.0.0.1', port: echoServer.port },
    );
    (await firstValueFrom(pair.client)).close();
    await waitRefused(port);
  });

  it('refuses privileged ports by default: the operator fails with a ForwardingError', async () => {
    startServerSide();
    const err = await requestForward({ host: 'localhost', port: 80 }, { host: '127.0.0.1', port: 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ForwardingError);
    expect((err as Error).message).toMatch(/listen port 80/);
  });

  it('refuses what the policy refuses, and more forwards than maxForwards', async () => {
    startServerSide({ policy: (r) => (r.address === 'localhost' ? '127.0.0.1' : false), maxForwards: 1 });
    await expect(
      requestForward({ host: '0.0.0.0', port: 0 }, { host: '127.0.0.1', port: 1 }),
    ).rejects.toBeInstanceOf(ForwardingError);
    await requestForward({ host: 'localhost', port: 0 }, { host: '127.0.0.1', port: echoServer.port });
    await expect(
      requestForward({ host: 'localhost', port: 0 }, { host: '127.0.0.1', port: echoServer.port }),
    ).rejects.toBeInstanceOf(ForwardingError);
  });

  it('a forwarded connection whose target is down is closed, and the forward keeps working', async () => {
    startServerSide();
    const down = await closedPort();
    const { port } = await requestForward({ host: 'localhost', port: 0 }, { host: '127.0.0.1', port: down });
    expect((await exchange(port, Buffer.from('x'))).received.length).toBe(0);
    expect((await exchange(port, Buffer.from('y'))).received.length).toBe(0);
  });

  // The refusal must leave at once, not with the next packet (it waits 1 s rather than forever).
  it('without allowRemoteForwarding the server refuses the request at once', async () => {
    pair = livePair();
    subs.push(pair.server.subscribe({ error: () => undefined }));
    const timeout = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('no reply within 1 s')), 1000),
    );
    await expect(
      Promise.race([requestForward({ host: 'localhost', port: 0 }, { host: '127.0.0.1', port: 1 }), timeout]),
    ).rejects.toBeInstanceOf(ForwardingError);
  });
});

/** Resolves once this process can listen on 127.0.0.1:`port` itself (nothing holds it), polling up to 2 s. */
async function waitBindable(port: number): Promise<void> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return;
    if (Date.now() > deadline) throw new Error(`port ${port} is still held`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
