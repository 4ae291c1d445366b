/**
 * The common end of every forwarding that opens a channel for a socket it accepted (`direct-tcpip`,
 * `forwarded-tcpip`, the streamlocal pair, `x11`): join the two once the peer confirms, report a refused open
 * or a broken connection to `onError` instead of failing the listener, and close the socket at the end.
 */
import type { Socket } from 'node:net';
import { catchError, EMPTY, finalize, type Observable, switchMap } from 'rxjs';
import type { Channel } from '../src/connection/channels/channel.js';
import { pipeSocketChannel } from '../src/io/socket-channel.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';

/** Pipes `socket` through the channel `open$` yields; completes when the forwarded connection is over. */
export function pipeOpenedChannel(
  open$: Observable<Channel>,
  socket: Socket,
  what: string,
  onError?: ForwardingLog,
): Observable<never> {
  return open$.pipe(
    switchMap((ch) => pipeSocketChannel(socket, ch)),
    catchError((err) => {
      onError?.(forwardingError(what, err));
      return EMPTY;
    }),
    finalize(() => socket.destroy()),
  );
}
