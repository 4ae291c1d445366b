/**
 * Answers a forwarding channel the peer opened (`direct-tcpip` or `direct-streamlocal@openssh.com` on a server,
 * `forwarded-tcpip` or `forwarded-streamlocal@openssh.com` on a client; RFC 4254 §7, OpenSSH PROTOCOL §2.4) by
 * connecting to its target, a TCP address or a Unix-domain socket, first: the open is confirmed once the
 * connection is up and refused with SSH_OPEN_CONNECT_FAILED (RFC 4254 §5.1) when it cannot be made, as
 * OpenSSH does.
 */
import { catchError, EMPTY, finalize, map, merge, type Observable, switchMap } from 'rxjs';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import { pipeSocketChannel } from '../src/io/socket-channel.js';
import { ChannelOpenFailure } from '../src/wire/connection-messages.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';
import { connectEndpoint, describeEndpoint, type Endpoint } from './streamlocal-sockets.js';

/**
 * Defers `incoming` at once (so call this while it is being delivered), then connects to `target`. Emits once
 * when the channel is accepted and completes when the forwarded connection is over. Unsubscribing early
 * refuses the open.
 */
export function connectIncoming(
  incoming: IncomingChannel,
  target: Endpoint,
  onError?: ForwardingLog,
): Observable<void> {
  incoming.defer();
  return connectEndpoint(target).pipe(
    switchMap((socket) => merge([undefined], pipeSocketChannel(socket, incoming.accept()))),
    map(() => undefined),
    catchError((err) => {
      const e = forwardingError(`connect to ${describeEndpoint(target)} failed`, err);
      incoming.reject(ChannelOpenFailure.CONNECT_FAILED, e.message);
      onError?.(e);
      return EMPTY;
    }),
    // Refusing after an accept does nothing; this only answers an open still waiting for its connection.
    finalize(() => incoming.reject(ChannelOpenFailure.CONNECT_FAILED, 'forwarding stopped')),
  );
}
