/**
 * Local port forwarding, `ssh -L` (RFC 4254 §7.2): listens on a local address and carries each accepted TCP
 * connection to `target` (as seen from the server) over its own `direct-tcpip` channel. Emits the bound
 * address once listening (useful with port 0); unsubscribing, or the connection ending, stops listening and
 * closes every forwarded connection.
 *
 * @example
 * connection$.pipe(forwardLocal({ listen: { host: '127.0.0.1', port: 0 }, target: { host: 'db', port: 5432 } }))
 *   .subscribe(({ port }) => console.log(`psql -h 127.0.0.1 -p ${port}`));
 */
import { type OperatorFunction, switchMap } from 'rxjs';
import type { Connection } from '../src/connection/connection.js';
import type { SocketAddress } from '../src/io/net-sockets.js';
import type { ForwardingLog, HostPort } from './forwarding-error.js';
import { forwardSocket } from './open-direct-tcpip.js';
import { type ListeningAddress, serveLocalSockets } from './serve-local-sockets.js';

export interface ForwardLocalOptions {
  /** Where to listen; port 0 lets the kernel choose. Host undefined listens on every interface. */
  listen: SocketAddress;
  /** Where the server connects to. */
  target: HostPort;
  /** Told about forwarded connections that failed (the server refused the channel, a socket reset...). */
  onError?: ForwardingLog;
}

export type { ListeningAddress };

export function forwardLocal(opts: ForwardLocalOptions): OperatorFunction<Connection, ListeningAddress> {
  return switchMap((conn) =>
    serveLocalSockets(conn, opts.listen, (socket) => forwardSocket(conn, socket, opts.target, opts.onError)),
  );
}
