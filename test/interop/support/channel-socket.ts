/**
 * An rxssh client connection whose socket the test holds, so it can cut the network under a running channel
 * (`socket.destroy()`, as a dead link or a killed peer would) and see what the channel APIs report.
 */
import * as net from 'node:net';
import type { Subscription } from 'rxjs';
import { type Connection, type ConnectOptions, connect, fromSocket } from '../../../src/index.js';
import { LOOPBACK } from '../harness/index.js';
import { withDeadline } from './channel-run.js';

export interface SocketSession {
  conn: Connection;
  socket: net.Socket;
  /** Unsubscribes from connect() (which disconnects) and destroys the socket. */
  close(): void;
}

export async function openOnSocket(port: number, options: ConnectOptions): Promise<SocketSession> {
  const socket = net.connect({ host: LOOPBACK, port });
  await withDeadline(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }),
    10_000,
    'TCP connect',
  );
  let sub: Subscription | undefined;
  const conn = await withDeadline(
    new Promise<Connection>((resolve, reject) => {
      sub = connect(fromSocket(socket), { host: LOOPBACK, port, ...options }).subscribe({
        next: resolve,
        error: reject,
      });
    }),
    30_000,
    'SSH connect',
  ).catch((e) => {
    sub?.unsubscribe();
    socket.destroy();
    throw e;
  });
  return {
    conn,
    socket,
    close: () => {
      sub?.unsubscribe();
      socket.destroy();
    },
  };
}
