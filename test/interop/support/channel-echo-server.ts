/**
 * A loopback TCP (or Unix-socket) echo server for the forwarding tests, and a client that pushes bytes through
 * a port and reads everything back. The echo server half-closes when its client does, so a forwarded connection must
 * carry EOF both ways (RFC 4254 §5.3) for `exchange` to finish.
 */
import { chmod } from 'node:fs/promises';
import * as net from 'node:net';
import { LOOPBACK } from '../harness/index.js';
import { chunksOf, KiB, withDeadline } from './channel-run.js';

export interface EchoServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections whose client half-closed (EOF reached the echo server). */
  readonly sawEnd: number;
  close(): Promise<void>;
}

/** Listens on a loopback TCP port, or on a Unix socket at `path` (made connectable by anyone). */
export async function startEchoServer(path?: string): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let sawEnd = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('end', () => sawEnd++);
    // pipe() ends our side when the client's side ends: EOF echoes too.
    socket.pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (path === undefined) server.listen(0, LOOPBACK, () => resolve());
    else server.listen(path, () => resolve());
  });
  // sshd connects to a Unix socket as the logged-in user, not as root.
  if (path !== undefined) await chmod(path, 0o777);
  const port = path === undefined ? (server.address() as net.AddressInfo).port : 0;
  return {
    port,
    get accepted() {
      return accepted;
    },
    get sawEnd() {
      return sawEnd;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Connects to `port`, writes `data` (with the socket's own backpressure), half-closes, and resolves with
 * everything read until the other side's EOF.
 */
export function exchange(port: number, data: Uint8Array, ms = 30_000, host = LOOPBACK): Promise<Buffer> {
  return exchangeWith({ host, port }, data, ms, `echo through port ${port}`);
}

/** {@link exchange} with any address, e.g. `{ path }` for a Unix socket. */
export function exchangeWith(
  address: net.TcpNetConnectOpts | net.IpcNetConnectOpts,
  data: Uint8Array,
  ms = 30_000,
  what = 'echo',
): Promise<Buffer> {
  const run = new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect({ ...address, allowHalfOpen: true });
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', reject);
    socket.on('end', () => {
      socket.end();
      resolve(Buffer.concat(received));
    });
    socket.on('connect', async () => {
      for (const chunk of chunksOf(data, 64 * KiB)) {
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
      socket.end();
    });
  });
  return withDeadline(run, ms, what);
}
