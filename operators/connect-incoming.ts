/**
 * Answers a forwarding channel the peer opened (`direct-tcpip` on a server, `forwarded-tcpip` on a client,
 * RFC 4254 §7) by connecting to its target first: the open is confirmed once the TCP connection is up and
 * refused with SSH_OPEN_CONNECT_FAILED (§5.1) when it cannot be made, as OpenSSH does.
 */
import { catchError, EMPTY, finalize, map, merge, type Observable, switchMap } from 'rxjs';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import { connectSocket } from '../src/io/net-sockets.js';
import { pipeSocketChannel } from '../src/io/socket-channel.js';
import { ChannelOpenFailure } from '../src/wire/connection-messages.js';
import { type ForwardingLog, forwardingError, type HostPort } from './forwarding-error.js';

/**
 * Defers `incoming` at once (so call this while it is being delivered), then connects to `target`. Emits once
 * when the channel is accepted and completes when the forwarded connection is over. Unsubscribing early
 * refuses the open.
 */
export function connectIncoming(
  incoming: IncomingChannel,
  target: HostPort,
  onError?: ForwardingLog,
): Observable<void> {
  incoming.defer();
  return connectSocket({ host: target.host, port: target.port }).pipe(
    switchMap((socket) => {
      const channel = incoming.accept();
      return merge([undefined], pipeSocketChannel(socket, channel));
    }),
    map(() => undefined),
    catchError((err) => {
      const e = forwardingError(`connect to ${target.host} port ${target.port} failed`, err);
      incoming.reject(ChannelOpenFailure.CONNECT_FAILED, e.message);
      onError?.(e);
      return EMPTY;
    }),
    // Refusing after an accept does nothing; this only answers an open still waiting for its connection.
    finalize(() => incoming.reject(ChannelOpenFailure.CONNECT_FAILED, 'forwarding stopped')),
  );
}
