/**
 * node:net adapters: a TCP client connection and a listening server, as ByteIO. TCP_NODELAY is on by default:
 * SSH is request/response heavy and Nagle's algorithm costs round trips (ssh2 users measured 8-26× slower SFTP).
 */
import * as net from 'node:net';
import { Observable } from 'rxjs';
import { ConnectionLostError } from '../errors.js';
import type { ByteIO } from './byte-io.js';
import { fromDuplex } from './node-duplex.js';

export interface TcpOptions {
  host: string;
  port: number;
  noDelay?: boolean;
}

export function fromSocket(socket: net.Socket, noDelay = true): ByteIO {
  socket.setNoDelay(noDelay);
  const remote = socket.remoteAddress
    ? { address: socket.remoteAddress, port: socket.remotePort ?? 0 }
    : undefined;
  return fromDuplex(socket, remote);
}

/** Opens a TCP connection; emits the ByteIO once connected, errors with ConnectionLostError otherwise. */
export function connectTcp(opts: TcpOptions): Observable<ByteIO> {
  return new Observable<ByteIO>((subscriber) => {
    const socket = net.connect({ host: opts.host, port: opts.port });
    const onError = (err: Error) =>
      subscriber.error(
        new ConnectionLostError(`connect to ${opts.host} port ${opts.port}: ${err.message}`, err),
      );
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      subscriber.next(fromSocket(socket, opts.noDelay ?? true));
      subscriber.complete();
    });
    return () => {
      if (!socket.readyState.startsWith('open')) socket.destroy();
    };
  });
}

/** Listens on a TCP address; emits one ByteIO per accepted connection. Unsubscribing closes the listener. */
export function listenTcp(
  opts: TcpOptions,
  onListening?: (address: net.AddressInfo) => void,
): Observable<ByteIO> {
  return new Observable<ByteIO>((subscriber) => {
    const server = net.createServer((socket) => subscriber.next(fromSocket(socket, opts.noDelay ?? true)));
    server.on('error', (err) => subscriber.error(err));
    server.listen(opts.port, opts.host, () => onListening?.(server.address() as net.AddressInfo));
    return () => server.close();
  });
}
