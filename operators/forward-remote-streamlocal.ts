/**
 * Remote forwarding with Unix-domain sockets, `ssh -R` with a socket path at either end (OpenSSH PROTOCOL
 * §2.4): asks the server to listen on a socket path (`streamlocal-forward@openssh.com`, whose connections come
 * as `forwarded-streamlocal@openssh.com` channels) or on a TCP port (`tcpip-forward` and `forwarded-tcpip`,
 * RFC 4254 §7.1-7.2), emits where it listens (`{ path }`, or `{ port }` with the port bound when 0 was asked),
 * and connects every matching channel to `target` on this side: a socket path or a host and port.
 * Unsubscribing sends the matching cancel request; the connection ending completes it.
 *
 * @example
 * // ssh -R /tmp/app.sock:/run/app.sock
 * connection$.pipe(forwardRemoteStreamlocal({ bind: { path: '/tmp/app.sock' }, target: { path: '/run/app.sock' } }))
 *   .subscribe(() => console.log('the server has /tmp/app.sock'));
 */
import { type Observable, type OperatorFunction, switchMap } from 'rxjs';
import { encodeGlobalRequestPayload } from '../src/channel/global-request-payloads.js';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import type { Connection } from '../src/connection/connection.js';
import { connectIncoming } from './connect-incoming.js';
import {
  decodeOpen,
  type RemoteListenerKind,
  requestRemoteListener,
  tcpipKind,
} from './forward-remote-listener.js';
import type { ForwardingLog } from './forwarding-error.js';
import {
  describeEndpoint,
  type Endpoint,
  isStreamlocal,
  type StreamlocalPath,
} from './streamlocal-sockets.js';

export interface ForwardRemoteStreamlocalOptions {
  /** Where the server listens: `{ path }` of a socket on the server, or an address and port (0: any). */
  bind: Endpoint;
  /** Where forwarded connections go, from this side: `{ path }` of a local socket, or a host and port. */
  target: Endpoint;
  onError?: ForwardingLog;
}

/** Where the server listens for us: the socket path, or the TCP port it bound. */
export type RemoteListening = StreamlocalPath | { port: number };

/** A socket path on the server (PROTOCOL §2.4), whose success reply carries no data. */
function streamlocalKind(path: string): RemoteListenerKind<StreamlocalPath> {
  // PROTOCOL §2.4: string socket path (both requests).
  const payload = (type: 'streamlocal-forward@openssh.com' | 'cancel-streamlocal-forward@openssh.com') => ({
    name: type,
    data: encodeGlobalRequestPayload({ type, socketPath: path }),
  });
  return {
    request: payload('streamlocal-forward@openssh.com'),
    bound: () => ({ path }),
    cancel: () => payload('cancel-streamlocal-forward@openssh.com'),
    isOurs: (inc) => {
      const p = decodeOpen(inc, 'forwarded-streamlocal@openssh.com');
      return p?.type === 'forwarded-streamlocal@openssh.com' && p.socketPath === path;
    },
  };
}

export function forwardRemoteStreamlocal(
  opts: ForwardRemoteStreamlocalOptions,
): OperatorFunction<Connection, RemoteListening> {
  const { bind, target, onError } = opts;
  const refused = `remote forwarding failed for listen ${describeEndpoint(bind)}`;
  const connect = (inc: IncomingChannel) => connectIncoming(inc, target, onError);
  return switchMap(
    (conn): Observable<RemoteListening> =>
      isStreamlocal(bind)
        ? requestRemoteListener(conn, streamlocalKind(bind.path), connect, refused)
        : requestRemoteListener(conn, tcpipKind(bind), connect, refused),
  );
}
