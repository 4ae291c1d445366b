/**
 * A loopback TCP echo server for the forwarding tests, and a client that pushes bytes through a port and
 * reads everything back. The echo server half-closes when its client does, so a forwarded connection must
 * carry EOF both ways (RFC 4254 §5.3) for `exchange` to finish.
 */
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

export async function startEchoServer(): Promise<EchoServer> {
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
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
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
  const run = new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
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
  return withDeadline(run, ms, `echo through port ${port}`);
}
