/**
 * Local forwarding with Unix-domain sockets, `ssh -L` with a socket path at either end (OpenSSH PROTOCOL
 * §2.4): listens on a local socket path or TCP address and carries each accepted connection to `target`, as
 * seen from the server, over its own channel: `direct-streamlocal@openssh.com` for a socket path,
 * `direct-tcpip` (RFC 4254 §7.2) for a host and port. Emits where it listens once listening; unsubscribing,
 * or the connection ending, stops listening (removing the socket file) and closes every forwarded connection.
 *
 * @example
 * // ssh -L /tmp/docker.sock:/var/run/docker.sock
 * connection$.pipe(forwardLocalStreamlocal({ listen: { path: '/tmp/docker.sock' }, target: { path: '/var/run/docker.sock' } }))
 *   .subscribe(() => console.log('DOCKER_HOST=unix:///tmp/docker.sock'));
 */
import type { Socket } from 'node:net';
import {
  catchError,
  mergeMap,
  type Observable,
  type OperatorFunction,
  of,
  switchMap,
  takeUntil,
  throwError,
} from 'rxjs';
import { encodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { Channel } from '../src/connection/channels/channel.js';
import type { Connection } from '../src/connection/connection.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';
import { forwardSocket } from './open-direct-tcpip.js';
import { pipeOpenedChannel } from './pipe-opened-channel.js';
import { type ListeningAddress, serveLocalSockets } from './serve-local-sockets.js';
import {
  describeEndpoint,
  type Endpoint,
  isStreamlocal,
  type ListenEndpoint,
  listenStreamlocal,
  type StreamlocalListenOptions,
  type StreamlocalPath,
} from './streamlocal-sockets.js';

export interface ForwardLocalStreamlocalOptions {
  /** Where to listen: `{ path }` for a Unix-domain socket, or a TCP address (port 0: the kernel chooses). */
  listen: ListenEndpoint;
  /** Where the server connects to: `{ path }` of a socket on the server, or a host and port. */
  target: Endpoint;
  /** For a socket `listen`: its mode (default 0o600) and whether a stale socket is removed first. */
  socket?: StreamlocalListenOptions;
  /** Told about forwarded connections that failed (the server refused the channel, a socket reset...). */
  onError?: ForwardingLog;
}

/** Opens `direct-streamlocal@openssh.com` to the socket at `path` on the server. */
export function openDirectStreamlocal(conn: Connection, path: string): Observable<Channel> {
  // PROTOCOL §2.4: string socket path, string reserved, uint32 reserved
  const data = encodeChannelOpenPayload({ type: 'direct-streamlocal@openssh.com', socketPath: path });
  return conn.openChannel('direct-streamlocal@openssh.com', data);
}

/** Forwards one accepted socket to `target` through the server; completes when it is over, never errors. */
function forwardTo(conn: Connection, socket: Socket, target: Endpoint, onError?: ForwardingLog) {
  if (!isStreamlocal(target)) return forwardSocket(conn, socket, target, onError);
  return pipeOpenedChannel(
    openDirectStreamlocal(conn, target.path),
    socket,
    `forwarding to ${describeEndpoint(target)}`,
    onError,
  );
}

export function forwardLocalStreamlocal(
  opts: ForwardLocalStreamlocalOptions,
): OperatorFunction<Connection, ListeningAddress | StreamlocalPath> {
  const { listen, target, onError } = opts;
  return switchMap((conn) => {
    const serve = (socket: Socket) => forwardTo(conn, socket, target, onError);
    if (!isStreamlocal(listen)) return serveLocalSockets(conn, listen, serve);
    return listenStreamlocal(listen.path, opts.socket).pipe(
      catchError((err) =>
        throwError(() => forwardingError(`cannot listen to ${describeEndpoint(listen)}`, err, 'local')),
      ),
      mergeMap((ev) => (ev.type === 'listening' ? of<StreamlocalPath>({ path: ev.path }) : serve(ev.socket))),
      takeUntil(conn.disconnect$),
    );
  });
}
