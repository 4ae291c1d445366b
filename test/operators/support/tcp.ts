/**
 * Real loopback TCP for the forwarding tests: small servers started by a test and closed by it, and a client
 * that sends bytes, half-closes and collects what comes back. Everything is bounded (sizes and times).
 */
import * as net from 'node:net';
import { ReplaySubject, type Subscription } from 'rxjs';
import type { Connection } from '../../../src/connection/connection.js';
import { connectedPair, type PairOptions } from '../../../src/testing/index.js';

export interface TcpServer {
  port: number;
  close(): Promise<void>;
}

/** Listens on loopback; `handle` gets each socket (half-open allowed). */
export async function startServer(
  handle: (socket: net.Socket) => void,
  host = '127.0.0.1',
): Promise<TcpServer> {
  const { server, close } = await listenHalfOpen({ port: 0, host }, handle);
  return { port: (server.address() as net.AddressInfo).port, close };
}

/**
 * Listens where `options` says (a loopback port or a Unix socket path); `handle` gets each socket, half-open
 * allowed. `close` destroys the sockets still open, then stops the server.
 */
export async function listenHalfOpen(
  options: net.ListenOptions,
  handle: (socket: net.Socket) => void,
): Promise<{ server: net.Server; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => resolve());
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Echoes every byte, and ends its side only after the client ended its own (half-close both ways). */
export const echo = (socket: net.Socket) => socket.pipe(socket);

/** Counts bytes until the client's FIN, then answers `N\n` and ends: only works if half-close travels. */
export const countUntilEof = (socket: net.Socket) => {
  let n = 0;
  socket.on('data', (d: Buffer) => {
    n += d.length;
  });
  socket.on('end', () => socket.end(`${n}\n`));
};

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}

export interface Exchange {
  received: Buffer;
  /** The peer reset the connection (closing with our bytes unread does that) instead of ending it. */
  reset: boolean;
}

/** Connects, writes `data`, half-closes and reads until the other side ends (or `timeoutMs`). */
export function exchange(
  port: number,
  data: Uint8Array,
  host = '127.0.0.1',
  timeoutMs = 10_000,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no end from port ${port} within ${timeoutMs} ms (got ${Buffer.concat(chunks).length} bytes)`,
        ),
      );
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    let reset = false;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') {
        reset = true;
        return;
      }
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), reset });
    });
    socket.on('connect', () => socket.end(data));
  });
}

/** Resolves once connecting to `port` is refused (a listener went away), polling for up to `timeoutMs`. */
export async function waitRefused(port: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });
    if (refused) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts connections`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface LivePair {
  client: ReplaySubject<Connection>;
  server: ReplaySubject<Connection>;
  stop(): void;
}

/** An in-memory client/server pair kept connected until `stop()`. */
export function livePair(opts?: PairOptions): LivePair {
  const { client$, server$ } = connectedPair(opts);
  const client = new ReplaySubject<Connection>(1);
  const server = new ReplaySubject<Connection>(1);
  const subs: Subscription[] = [server$.subscribe(server), client$.subscribe(client)];
  return {
    client,
    server,
    stop: () => {
      for (const s of subs) s.unsubscribe();
    },
  };
}
