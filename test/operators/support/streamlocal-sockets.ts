/**
 * Real Unix-domain sockets for the streamlocal forwarding tests, in a temporary folder per test file: small
 * servers and a client that sends bytes, half-closes and collects what comes back. Bounded in size and time.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenHalfOpen } from './tcp.js';

export interface SocketFolder {
  path(name: string): string;
  remove(): Promise<void>;
}

export async function socketFolder(): Promise<SocketFolder> {
  const dir = await mkdtemp(join(tmpdir(), 'rxssh-streamlocal-'));
  return { path: (name) => join(dir, name), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface UnixServer {
  path: string;
  close(): Promise<void>;
}

/** Listens at `path`; `handle` gets each socket (half-open allowed). */
export async function startUnixServer(
  path: string,
  handle: (socket: net.Socket) => void,
): Promise<UnixServer> {
  const { close } = await listenHalfOpen({ path }, handle);
  return { path, close };
}

/** Connects to `address`, writes `data`, half-closes and reads until the other side ends (or `timeoutMs`). */
export function exchangeAt(
  address: { path: string } | { host: string; port: number },
  data: Uint8Array,
  timeoutMs = 10_000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ ...address, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end within ${timeoutMs} ms (got ${Buffer.concat(chunks).length} bytes)`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      socket.end();
      resolve(Buffer.concat(chunks));
    });
    socket.on('connect', () => socket.end(data));
  });
}

/** Resolves once `path` no longer exists, polling for up to `timeoutMs`; rejects otherwise. */
export async function waitGone(path: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} still exists`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Connects to `address`, writes a few bytes, and resolves with what came back once the connection is closed,
 * by an end or by a reset (a forward that cannot reach its target closes with our bytes unread).
 */
export function closedAt(address: { path: string }, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ ...address, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${address.path} still open after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.on('connect', () => socket.write('hello?'));
  });
}
