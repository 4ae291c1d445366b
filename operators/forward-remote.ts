/**
 * Remote port forwarding, `ssh -R` (RFC 4254 §7.1): asks the server to listen (`tcpip-forward`), emits the port
 * it bound (the one it chose when 0 was asked), and connects every matching `forwarded-tcpip` channel the
 * server opens to `target` on this side. Unsubscribing sends `cancel-tcpip-forward`; the connection ending
 * completes it.
 *
 * @example
 * connection$.pipe(forwardRemote({ bind: { host: 'localhost', port: 0 }, target: { host: '127.0.0.1', port: 3000 } }))
 *   .subscribe(({ port }) => console.log(`server port ${port} reaches our port 3000`));
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
import { connectIncoming } from './connect-incoming.js';
import { ForwardingError, type ForwardingLog, type HostPort } from './forwarding-error.js';

export interface ForwardRemoteOptions {
  /** The address and port the server binds (`localhost` is what OpenSSH sends by default; port 0 = any). */
  bind: HostPort;
  /** Where forwarded connections go, from this side. */
  target: HostPort;
  onError?: ForwardingLog;
}

export function forwardRemote(opts: ForwardRemoteOptions): OperatorFunction<Connection, { port: number }> {
  const { bind, target } = opts;
  return switchMap(
    (conn) =>
      new Observable<{ port: number }>((subscriber) => {
        let bound: number | undefined;
        let stopped = false;
        const forwardPayload = (type: 'tcpip-forward' | 'cancel-tcpip-forward', port: number) =>
          encodeGlobalRequestPayload({ type, address: bind.host, port });
        const cancel = (port: number) => {
          if (!conn.closed)
            conn
              .globalRequest('cancel-tcpip-forward', forwardPayload('cancel-tcpip-forward', port))
              .subscribe({ error: () => undefined }); // the connection ended: nothing left to cancel
        };

        // Listen for the server's opens before asking, so none can slip past.
        const incoming = conn.incomingChannels$
          .pipe(
            filter((inc) => bound !== undefined && isOurs(inc, bind.host, bound)),
            mergeMap((inc) => connectIncoming(inc, target, opts.onError)),
          )
          .subscribe();
        // Separate from `incoming`, which closes first when the connection completes incomingChannels$.
        const ended = conn.disconnect$.subscribe(() => subscriber.complete());

        // Not torn down with the rest: a reply that comes after unsubscribing still needs its cancel.
        conn
          .globalRequest('tcpip-forward', forwardPayload('tcpip-forward', bind.port))
          .pipe(take(1), takeUntil(conn.disconnect$))
          .subscribe({
            next: ({ ok, data }) => {
              if (!ok) {
                subscriber.error(
                  new ForwardingError(`remote port forwarding failed for listen port ${bind.port}`, 'policy'),
                );
                return;
              }
              let port: number | undefined;
              try {
                port = bind.port === 0 ? decodeTcpipForwardReply(data) : bind.port;
              } catch (e) {
                subscriber.error(e);
                return;
              }
              // RFC 4254 §7.1: a request for port 0 is answered with the port that was bound.
              if (port === undefined) {
                subscriber.error(new ProtocolError('tcpip-forward for port 0: the reply carries no port'));
                return;
              }
              if (stopped) return cancel(port);
              bound = port;
              subscriber.next({ port });
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

function isOurs(inc: IncomingChannel, host: string, port: number): boolean {
  if (inc.channelType !== 'forwarded-tcpip') return false;
  try {
    // §7.2: the address and port that were connected, i.e. the forward's own address.
    const p = decodeChannelOpenPayload(inc.channelType, inc.data);
    return p.type === 'forwarded-tcpip' && p.port === port && sameAddress(p.host, host);
  } catch {
    return false; // malformed: left unanswered, so the connection refuses it
  }
}
