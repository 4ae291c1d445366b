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
import { filter, mergeMap, Observable, type OperatorFunction, switchMap, take, takeUntil } from 'rxjs';
import {
  decodeTcpipForwardReply,
  encodeGlobalRequestPayload,
} from '../src/channel/global-request-payloads.js';
import { decodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import type { Connection } from '../src/connection/connection.js';
import { ProtocolError } from '../src/errors.js';
import { connectIncomingEndpoint } from './connect-incoming-streamlocal.js';
import { ForwardingError, type ForwardingLog, type HostPort } from './forwarding-error.js';
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

/** What differs between the two kinds of remote listener: request names, payloads, replies, channels. */
interface RemoteListenerKind {
  request: { name: string; data: Uint8Array };
  /** The listener from the success reply's data. */
  bound(reply: Uint8Array): RemoteListening;
  cancel(bound: RemoteListening): { name: string; data: Uint8Array };
  /** Whether a channel the server opened belongs to this listener. */
  isOurs(inc: IncomingChannel, bound: RemoteListening): boolean;
}

function streamlocalKind(path: string): RemoteListenerKind {
  // PROTOCOL §2.4: string socket path (both requests); the success reply carries no data.
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

function tcpipKind(bind: HostPort): RemoteListenerKind {
  // RFC 4254 §7.1: string address to bind, uint32 port number to bind (both requests).
  const payload = (type: 'tcpip-forward' | 'cancel-tcpip-forward', port: number) => ({
    name: type,
    data: encodeGlobalRequestPayload({ type, address: bind.host, port }),
  });
  const portOf = (b: RemoteListening) => ('port' in b ? b.port : bind.port);
  return {
    request: payload('tcpip-forward', bind.port),
    bound: (reply) => {
      // §7.1: a request for port 0 is answered with the port that was bound.
      const port = bind.port === 0 ? decodeTcpipForwardReply(reply) : bind.port;
      if (port === undefined) throw new ProtocolError('tcpip-forward for port 0: the reply carries no port');
      return { port };
    },
    cancel: (b) => payload('cancel-tcpip-forward', portOf(b)),
    isOurs: (inc, b) => {
      // §7.2: the address and port that were connected, i.e. the forward's own address.
      const p = decodeOpen(inc, 'forwarded-tcpip');
      return p?.type === 'forwarded-tcpip' && p.port === portOf(b) && sameAddress(p.host, bind.host);
    },
  };
}

function decodeOpen(inc: IncomingChannel, type: string) {
  if (inc.channelType !== type) return undefined;
  try {
    return decodeChannelOpenPayload(inc.channelType, inc.data);
  } catch {
    return undefined; // malformed: left unanswered, so the connection refuses it
  }
}

/** Loopback and wildcard spellings differ between clients and servers; compare what they mean. */
function sameAddress(a: string, b: string): boolean {
  const norm = (h: string) => {
    const x = h.toLowerCase();
    if (x === 'localhost' || x === '127.0.0.1' || x === '::1') return 'loopback';
    if (x === '' || x === '*' || x === '0.0.0.0' || x === '::') return 'any';
    return x;
  };
  return norm(a) === norm(b);
}

export function forwardRemoteStreamlocal(
  opts: ForwardRemoteStreamlocalOptions,
): OperatorFunction<Connection, RemoteListening> {
  const { bind, target, onError } = opts;
  return switchMap(
    (conn) =>
      new Observable<RemoteListening>((subscriber) => {
        const kind = isStreamlocal(bind) ? streamlocalKind(bind.path) : tcpipKind(bind);
        let bound: RemoteListening | undefined;
        let stopped = false;
        const cancel = (b: RemoteListening) => {
          const { name, data } = kind.cancel(b);
          if (!conn.closed) conn.globalRequest(name, data).subscribe({ error: () => undefined });
        };

        // Listen for the server's opens before asking, so none can slip past.
        const incoming = conn.incomingChannels$
          .pipe(
            filter((inc) => bound !== undefined && kind.isOurs(inc, bound)),
            mergeMap((inc) => connectIncomingEndpoint(inc, target, onError)),
          )
          .subscribe();
        // Separate from `incoming`, which closes first when the connection completes incomingChannels$.
        const ended = conn.disconnect$.subscribe(() => subscriber.complete());

        // Not torn down with the rest: a reply that comes after unsubscribing still needs its cancel.
        conn
          .globalRequest(kind.request.name, kind.request.data)
          .pipe(take(1), takeUntil(conn.disconnect$))
          .subscribe({
            next: ({ ok, data }) => {
              if (!ok) {
                const what = `remote forwarding failed for listen ${describeEndpoint(bind)}`;
                subscriber.error(new ForwardingError(what, 'policy'));
                return;
              }
              let listening: RemoteListening;
              try {
                listening = kind.bound(data);
              } catch (e) {
                subscriber.error(e);
                return;
              }
              if (stopped) return cancel(listening);
              bound = listening;
              subscriber.next(listening);
            },
            // The connection ended before the reply: `ended` completes us.
            error: () => undefined,
          });

        return () => {
          stopped = true;
          incoming.unsubscribe();
          ended.unsubscribe();
          if (bound !== undefined) cancel(bound);
        };
      }),
  );
}
