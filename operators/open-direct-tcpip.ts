/**
 * Client side of local forwarding (RFC 4254 §7.2): one `direct-tcpip` channel per accepted socket, naming the
 * target and where the socket came from, joined to the socket once the server confirms.
 */
import type { Socket } from 'node:net';
import type { Observable } from 'rxjs';
import { encodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { Channel } from '../src/connection/channels/channel.js';
import type { Connection } from '../src/connection/connection.js';
import type { ForwardingLog, HostPort } from './forwarding-error.js';
import { pipeOpenedChannel } from './pipe-opened-channel.js';

/** Opens `direct-tcpip` to `target` on behalf of `socket` (its address is the originator). */
export function openDirectTcpip(conn: Connection, target: HostPort, socket: Socket): Observable<Channel> {
  // §7.2: string host to connect, uint32 port to connect, string originator IP address, uint32 originator port
  const data = encodeChannelOpenPayload({
    type: 'direct-tcpip',
    host: target.host,
    port: target.port,
    originatorAddress: socket.remoteAddress ?? '127.0.0.1',
    originatorPort: socket.remotePort ?? 0,
  });
  return conn.openChannel('direct-tcpip', data);
}

/**
 * Forwards one accepted socket to `target` through the server; completes when the forwarded connection is
 * over. A refused open closes the socket and is reported to `onError`, never thrown.
 */
export function forwardSocket(
  conn: Connection,
  socket: Socket,
  target: HostPort,
  onError?: ForwardingLog,
): Observable<never> {
  return pipeOpenedChannel(
    openDirectTcpip(conn, target, socket),
    socket,
    `forwarding to ${target.host} port ${target.port}`,
    onError,
  );
}
