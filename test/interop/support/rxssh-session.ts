/**
 * Opens an rxssh client connection over a socket we create ourselves, so the test knows its local port:
 * sshd's log names connections only by "127.0.0.1 port N", which is how a test finds its own lines.
 * The Connection stays open until `close()` (firstValueFrom would unsubscribe, and unsubscribing disconnects).
 */
import * as net from 'node:net';
import { type Subscription, timeout } from 'rxjs';
import type { Connection } from '../../../src/connection/connection.js';
import { type ConnectOptions, connect, fromSocket } from '../../../src/index.js';
import { LOOPBACK } from '../harness/index.js';

export interface RxsshSession {
  conn: Connection;
  localPort: number;
  /** Unsubscribes, which sends SSH_MSG_DISCONNECT if the connection is still up. */
  close(): void;
}

/** Thrown instead of the connect error, carrying the local port so the test can still read sshd's log. */
export class SessionFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly localPort: number,
  ) {
    super(`rxssh connection from port ${localPort} failed: ${(cause as Error)?.message ?? cause}`);
  }
}

function openSocket(port: number, host: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Connects and authenticates; rejects with a {@link SessionFailure} wrapping the typed rxssh error. */
export async function openRxssh(
  port: number,
  options: ConnectOptions,
  timeoutMs = 30_000,
  host = LOOPBACK,
): Promise<RxsshSession> {
  const socket = await openSocket(port, host);
  const localPort = socket.localPort ?? 0;
  return new Promise((resolve, reject) => {
    let subscription: Subscription | undefined;
    let settled = false;
    subscription = connect(fromSocket(socket), { host, port, ...options })
      .pipe(timeout({ first: timeoutMs }))
      .subscribe({
        next: (conn) => {
          settled = true;
          resolve({ conn, localPort, close: () => subscription?.unsubscribe() });
        },
        error: (err) => {
          socket.destroy();
          if (!settled) reject(new SessionFailure(err, localPort));
        },
      });
  });
}

/** Opens, runs `body`, and always closes. */
export async function withRxssh<T>(
  port: number,
  options: ConnectOptions,
  body: (session: RxsshSession) => Promise<T> | T,
): Promise<T> {
  const session = await openRxssh(port, options);
  try {
    return await body(session);
  } finally {
    session.close();
  }
}
