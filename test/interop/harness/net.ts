/** Loopback port helpers: pick a free port, wait until something accepts on it. */
import { connect, createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * Asks the kernel for a free loopback port by binding port 0, then releases it.
 * Another process may take it before the caller binds, so callers retry on EADDRINUSE.
 */
export function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls until a TCP connection to 127.0.0.1:port succeeds. Resolves false after `timeoutMs`
 * or as soon as `abandon()` says the server is gone.
 */
export async function waitForTcp(
  port: number,
  timeoutMs = 10_000,
  intervalMs = 50,
  abandon: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (abandon()) return false;
    if (await tryConnect(port)) return true;
    await sleep(intervalMs);
  }
  return false;
}
