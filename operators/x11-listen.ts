/**
 * The server's end of an X11 display (RFC 4254 §6.3.2): a listener on the loopback port 6000 + N for the first
 * free display number N, as sshd's x11_create_display_inet does with `X11UseLocalhost yes`, and an `x11`
 * channel to the client for each X connection made there.
 *
 * The display is announced as `localhost:N`, which X clients may try over ::1 first, so like sshd we take a
 * number only when its port is free on both loopbacks, and listen on both (on 127.0.0.1 alone when this host
 * has no IPv6 loopback). The two binds run one after the other: a listener is never dropped half-bound.
 */
import type { Socket } from 'node:net';
import { catchError, defer, map, Observable, tap, throwError } from 'rxjs';
import { encodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { Connection } from '../src/connection/connection.js';
import { type ListenEvent, listenSockets } from '../src/io/net-sockets.js';
import type { ForwardingLog } from './forwarding-error.js';
import { pipeOpenedChannel } from './pipe-opened-channel.js';
import { X11_BASE_PORT } from './x11-display.js';

const IPV4_LOOPBACK = '127.0.0.1';
const IPV6_LOOPBACK = '::1';
/** Errors that mean "no IPv6 loopback here", not "taken". */
const NO_IPV6 = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT']);

/** Listens on the first display number in [first, last] whose port is free; errors when none is. */
export function listenFirstFreeDisplay(
  first: number,
  last: number,
  maxConnections: number,
): Observable<{ ev: ListenEvent; displayNumber: number }> {
  return defer(() => {
    let bound = false;
    return listenLoopback(X11_BASE_PORT + first, maxConnections).pipe(
      tap((ev) => {
        if (ev.type === 'listening') bound = true;
      }),
      map((ev) => ({ ev, displayNumber: first })),
      catchError((err: NodeJS.ErrnoException) =>
        !bound && err.code === 'EADDRINUSE' && first < last
          ? listenFirstFreeDisplay(first + 1, last, maxConnections)
          : throwError(() => err),
      ),
    );
  });
}

/** 127.0.0.1, then ::1, on `port`; one `listening` event once both are bound (or IPv6 is absent). */
function listenLoopback(port: number, maxConnections: number): Observable<ListenEvent> {
  return new Observable<ListenEvent>((subscriber) => {
    const opts = { maxConnections };
    const listening: ListenEvent = { type: 'listening', address: IPV4_LOOPBACK, port };
    const v6 = () =>
      listenSockets({ host: IPV6_LOOPBACK, port }, opts).subscribe({
        next: (ev) => subscriber.next(ev.type === 'listening' ? listening : ev),
        error: (err: NodeJS.ErrnoException) => {
          if (NO_IPV6.has(err.code ?? '') && !subscriber.closed) subscriber.next(listening);
          else subscriber.error(err);
        },
      });
    let ipv6: { unsubscribe(): void } | undefined;
    const ipv4 = listenSockets({ host: IPV4_LOOPBACK, port }, opts).subscribe({
      next: (ev) => {
        if (ev.type === 'listening') ipv6 = v6();
        else subscriber.next(ev);
      },
      error: (err) => subscriber.error(err),
    });
    return () => {
      ipv6?.unsubscribe();
      ipv4.unsubscribe();
    };
  });
}

/** Opens `x11` for one accepted X connection and joins them; completes when it is over. */
export function openX11Channel(conn: Connection, socket: Socket, onError?: ForwardingLog): Observable<never> {
  // RFC 4254 §6.3.2: string originator address, uint32 originator port
  const data = encodeChannelOpenPayload({
    type: 'x11',
    originatorAddress: socket.remoteAddress ?? IPV4_LOOPBACK,
    originatorPort: socket.remotePort ?? 0,
  });
  return pipeOpenedChannel(conn.openChannel('x11', data), socket, 'X11 connection', onError);
}
