/**
 * Server side of remote forwarding (RFC 4254 §7.2): each connection accepted on a forwarded port goes to the
 * client over its own `forwarded-tcpip` channel, naming the forward and where the connection came from.
 */
import type { Socket } from 'node:net';
import { catchError, EMPTY, finalize, type Observable, switchMap } from 'rxjs';
import { encodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { Connection } from '../src/connection/connection.js';
import { pipeSocketChannel } from '../src/io/socket-channel.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';

/**
 * Opens `forwarded-tcpip` for `socket`, accepted on the forward the client knows as `address`:`port`, and
 * joins the two; completes when the forwarded connection is over. A refused open closes the socket and is
 * reported to `onError`.
 */
export function forwardToClient(
  conn: Connection,
  forward: { address: string; port: number },
  socket: Socket,
  onError?: ForwardingLog,
): Observable<never> {
  // §7.2: string address that was connected, uint32 port that was connected, string originator IP, uint32 port
  const data = encodeChannelOpenPayload({
    type: 'forwarded-tcpip',
    host: forward.address,
    port: forward.port,
    originatorAddress: socket.remoteAddress ?? '',
    originatorPort: socket.remotePort ?? 0,
  });
  return conn.openChannel('forwarded-tcpip', data).pipe(
    switchMap((ch) => pipeSocketChannel(socket, ch)),
    catchError((err) => {
      onError?.(forwardingError(`forwarded connection to port ${forward.port}`, err));
      return EMPTY;
    }),
    finalize(() => socket.destroy()),
  );
}
