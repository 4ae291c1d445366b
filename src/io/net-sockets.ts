/**
 * Raw node:net sockets for port forwarding (RFC 4254 §7): a listener whose accepted sockets are handed on
 * untouched, and an outgoing connection. Both keep half-open TCP (`allowHalfOpen`), so one side's FIN becomes
 * a channel EOF without closing the other direction. A socket lives as long as the subscription that made it.
 */
import * as net from 'node:net';
import { Observable } from 'rxjs';

export interface SocketAddress {
  /** Host or address; undefined listens on every interface. */
  host?: string;
  port: number;
}

export type ListenEvent =
  /** The listener is bound (first event); `port` is the one the kernel chose when 0 was asked. */
  | { type: 'listening'; address: string; port: number }
  /** An accepted connection, paused: nothing is read until it is piped. */
  | { type: 'connection'; socket: net.Socket };

export interface ListenOptions {
  /** Refuse connections beyond this many at once (net.Server#maxConnections); default 1024. */
  maxConnections?: number;
}

/** Listens on `addr` until unsubscribed. Errors with the raw listen error (EADDRINUSE, EACCES...). */
export function listenSockets(addr: SocketAddress, opts: ListenOptions = {}): Observable<ListenEvent> {
  return new Observable<ListenEvent>((subscriber) => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => {
      // Until someone pipes it, an error (a reset) must not become an uncaught 'error' event.
      socket.on('error', () => undefined);
      socket.setNoDelay(true);
      subscriber.next({ type: 'connection', socket });
    });
    server.maxConnections = opts.maxConnections ?? 1024;
    server.once('error', (err) => subscriber.error(err));
    server.listen({ host: addr.host, port: addr.port }, () => {
      const bound = server.address() as net.AddressInfo;
      subscriber.next({ type: 'listening', address: bound.address, port: bound.port });
    });
    return () => {
      if (server.listening) server.close();
      // Unsubscribed while still binding: close once bound, or the listener would outlive its subscription.
      else server.once('listening', () => server.close());
    };
  });
}

/**
 * Connects to `addr`; emits the socket once connected, errors with the raw connect error otherwise.
 * Unsubscribing destroys the socket.
 */
export function connectSocket(addr: Required<SocketAddress>): Observable<net.Socket> {
  return connectWith(() => {
    const socket = net.connect({ host: addr.host, port: addr.port, allowHalfOpen: true });
    socket.setNoDelay(true);
    return socket;
  });
}

/**
 * Subscribing calls `connect` (a TCP or Unix-domain `net.connect`); emits the socket, paused, once connected,
 * errors with the raw connect error otherwise. Unsubscribing destroys the socket.
 */
export function connectWith(connect: () => net.Socket): Observable<net.Socket> {
  return new Observable<net.Socket>((subscriber) => {
    const socket = connect();
    let connected = false;
    // After the connect, errors reach whoever pipes the socket; this listener only keeps them from being uncaught.
    socket.on('error', (err) => {
      if (!connected) subscriber.error(err);
    });
    socket.once('connect', () => {
      connected = true;
      socket.pause();
      subscriber.next(socket);
    });
    return () => socket.destroy();
  });
}
