/**
 * The skeleton of every client-side listener (-L, -D): listen on a local address while the connection lives,
 * emit where it listens, and hand each accepted socket to `serve`. A listen failure is a ForwardingError; a
 * failure of one served socket is `serve`'s to report.
 */
import type { Socket } from 'node:net';
import { catchError, mergeMap, type Observable, of, takeUntil, throwError } from 'rxjs';
import type { Connection } from '../src/connection/connection.js';
import { listenSockets, type SocketAddress } from '../src/io/net-sockets.js';
import { forwardingError } from './forwarding-error.js';

export interface ListeningAddress {
  address: string;
  port: number;
}

export function serveLocalSockets(
  conn: Connection,
  listen: SocketAddress,
  serve: (socket: Socket) => Observable<never>,
): Observable<ListeningAddress> {
  return listenSockets(listen).pipe(
    catchError((err) =>
      throwError(() =>
        forwardingError(`cannot listen to port ${listen.port} on ${listen.host ?? '*'}`, err, 'local'),
      ),
    ),
    mergeMap((ev) =>
      ev.type === 'listening' ? of({ address: ev.address, port: ev.port }) : serve(ev.socket),
    ),
    takeUntil(conn.disconnect$),
  );
}
