/**
 * Unix-domain sockets for streamlocal forwarding (OpenSSH PROTOCOL §2.4), beside the TCP sockets of
 * src/io/net-sockets.ts: a listener and an outgoing connection, both half-open like the TCP ones, and the
 * `Endpoint` a forwarding end can be (a TCP host and port, or a socket path).
 */
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import * as net from 'node:net';
import { Observable } from 'rxjs';
import { connectSocket, connectWith, type SocketAddress } from '../src/io/net-sockets.js';
import type { HostPort } from './forwarding-error.js';

/** A Unix-domain socket, by its file system path. */
export interface StreamlocalPath {
  path: string;
}

/** Where a forwarded connection goes: a TCP host and port, or a Unix-domain socket. */
export type Endpoint = HostPort | StreamlocalPath;

/** Where a forwarding listens: a TCP address (host undefined: every interface), or a Unix-domain socket. */
export type ListenEndpoint = SocketAddress | StreamlocalPath;

export function isStreamlocal(e: Endpoint | ListenEndpoint): e is StreamlocalPath {
  return 'path' in e && typeof e.path === 'string';
}

/**
 * Whether a path the peer sent can name a socket file: not empty, and without NUL (which would cut the path
 * for a C program, and which Node takes, at the start, for Linux's abstract socket namespace).
 */
export function usablePath(path: string): boolean {
  return path !== '' && !path.includes('\0');
}

/** `path /run/x.sock` or `host port 22`, for messages. */
export function describeEndpoint(e: Endpoint | ListenEndpoint): string {
  return isStreamlocal(e) ? `path ${e.path}` : `${e.host ?? '*'} port ${e.port}`;
}

export interface StreamlocalListenOptions {
  /**
   * Permission bits of the socket (default 0o600, as OpenSSH's StreamLocalBindMask 0177 gives): connecting
   * needs write permission, so by default only this user can reach it.
   */
  mode?: number;
  /** Remove a stale socket (only a socket) at the path before binding, like StreamLocalBindUnlink=yes. */
  unlinkExisting?: boolean;
  /** Refuse connections beyond this many at once; default 1024. */
  maxConnections?: number;
}

export type StreamlocalListenEvent =
  /** The socket exists and accepts (first event). */
  | { type: 'listening'; path: string }
  /** An accepted connection, paused: nothing is read until it is piped. */
  | { type: 'connection'; socket: net.Socket };

/**
 * Listens on a Unix-domain socket at `path` until unsubscribed; the socket file is removed then (Node unlinks
 * the path of a listener it bound when closing it). Errors with the raw error (EADDRINUSE when the file
 * exists, EACCES...).
 */
export function listenStreamlocal(
  path: string,
  opts: StreamlocalListenOptions = {},
): Observable<StreamlocalListenEvent> {
  return new Observable<StreamlocalListenEvent>((subscriber) => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      // Until someone pipes it, an error (a reset) must not become an uncaught 'error' event.
      socket.on('error', () => undefined);
      subscriber.next({ type: 'connection', socket });
    });
    server.maxConnections = opts.maxConnections ?? 1024;
    server.once('error', (err) => subscriber.error(err));
    try {
      if (opts.unlinkExisting && lstatSync(path, { throwIfNoEntry: false })?.isSocket()) unlinkSync(path);
      // Node binds a path synchronously, so the mode is set before any event can reach a client of ours.
      server.listen(path);
      if (server.listening) chmodSync(path, opts.mode ?? 0o600);
    } catch (err) {
      server.close();
      subscriber.error(err);
      return;
    }
    server.once('listening', () => subscriber.next({ type: 'listening', path }));
    return () => {
      if (server.listening) server.close();
    };
  });
}

/**
 * Connects to the Unix-domain socket at `path`; emits the socket (paused) once connected, errors with the raw
 * connect error otherwise. Unsubscribing destroys the socket.
 */
export function connectStreamlocal(path: string): Observable<net.Socket> {
  return connectWith(() => net.connect({ path, allowHalfOpen: true }));
}

/** Connects to either kind of endpoint. */
export function connectEndpoint(target: Endpoint): Observable<net.Socket> {
  return isStreamlocal(target) ? connectStreamlocal(target.path) : connectSocket(target);
}
