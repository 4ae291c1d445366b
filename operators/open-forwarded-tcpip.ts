/**
 * Server side of remote forwarding (RFC 4254 §7.2): each connection accepted on a forwarded port goes to the
 * client over its own `forwarded-tcpip` channel, naming the forward and where the connection came from.
 */
import type { Socket } from 'node:net';
import type { Observable } from 'rxjs';
import { encodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { Connection } from '../src/connection/connection.js';
import type { ForwardingLog } from './forwarding-error.js';
import { pipeOpenedChannel } from './pipe-opened-channel.js';

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
  return pipeOpenedChannel(
    conn.openChannel('forwarded-tcpip', data),
    socket,
    `forwarded connection to port ${forward.port}`,
    onError,
  );
}
