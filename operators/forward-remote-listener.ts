/**
 * The client side that `ssh -R` forwards share, whatever the server listens on (RFC 4254 §7.1-7.2 for TCP,
 * OpenSSH PROTOCOL §2.4 for socket paths): ask the server to listen, emit where it listens, hand each channel
 * it opens for that listener to `connect`, and cancel on unsubscribing. What differs between the kinds
 * (request names, payloads, replies, channel types) comes in as a `RemoteListenerKind`.
 */
import { filter, mergeMap, Observable, take, takeUntil } from 'rxjs';
import {
  decodeTcpipForwardReply,
  encodeGlobalRequestPayload,
} from '../src/channel/global-request-payloads.js';
import { decodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import type { Connection } from '../src/connection/connection.js';
import { ProtocolError } from '../src/errors.js';
import { ForwardingError, type HostPort } from './forwarding-error.js';

/** One kind of remote listener; `B` says where it listens once bound. */
export interface RemoteListenerKind<B> {
  request: { name: string; data: Uint8Array };
  /** The listener from the success reply's data. */
  bound(reply: Uint8Array): B;
  cancel(bound: B): { name: string; data: Uint8Array };
  /** Whether a channel the server opened belongs to this listener. */
  isOurs(inc: IncomingChannel, bound: B): boolean;
}

/** A TCP listener (RFC 4254 §7.1), emitting the port it bound: the one the server chose when 0 was asked. */
export function tcpipKind(bind: HostPort): RemoteListenerKind<{ port: number }> {
  // §7.1: string address to bind, uint32 port number to bind (both requests).
  const payload = (type: 'tcpip-forward' | 'cancel-tcpip-forward', port: number) => ({
    name: type,
    data: encodeGlobalRequestPayload({ type, address: bind.host, port }),
  });
  return {
    request: payload('tcpip-forward', bind.port),
    bound: (reply) => {
      // §7.1: a request for port 0 is answered with the port that was bound.
      const port = bind.port === 0 ? decodeTcpipForwardReply(reply) : bind.port;
      if (port === undefined) throw new ProtocolError('tcpip-forward for port 0: the reply carries no port');
      return { port };
    },
    cancel: ({ port }) => payload('cancel-tcpip-forward', port),
    isOurs: (inc, { port }) => {
      // §7.2: the address and port that were connected, i.e. the forward's own address.
      const p = decodeOpen(inc, 'forwarded-tcpip');
      return p?.type === 'forwarded-tcpip' && p.port === port && sameAddress(p.host, bind.host);
    },
  };
}

/** The payload of an open of `type`, or undefined for another type or a malformed one. */
export function decodeOpen(inc: IncomingChannel, type: string) {
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

/**
 * Asks the server on `conn` for a listener of `kind` and emits where it listens; each of its channels goes to
 * `connect`, which defers it at once. Fails with a ForwardingError (`refused` its message) when the server
 * says no; completes when the connection ends; unsubscribing sends the cancel request.
 */
export function requestRemoteListener<B>(
  conn: Connection,
  kind: RemoteListenerKind<B>,
  connect: (inc: IncomingChannel) => Observable<unknown>,
  refused: string,
): Observable<B> {
  return new Observable<B>((subscriber) => {
    let bound: B | undefined;
    let stopped = false;
    const cancel = (b: B) => {
      const { name, data } = kind.cancel(b);
      // The connection ended: nothing left to cancel.
      if (!conn.closed) conn.globalRequest(name, data).subscribe({ error: () => undefined });
    };

    // Listen for the server's opens before asking, so none can slip past.
    const incoming = conn.incomingChannels$
      .pipe(
        filter((inc) => bound !== undefined && kind.isOurs(inc, bound)),
        mergeMap((inc) => connect(inc)),
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
            subscriber.error(new ForwardingError(refused, 'policy'));
            return;
          }
          let listening: B;
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
  });
}
