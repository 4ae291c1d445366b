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
import { type OperatorFunction, switchMap } from 'rxjs';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import type { Connection } from '../src/connection/connection.js';
import { connectIncoming } from './connect-incoming.js';
import { requestRemoteListener, tcpipKind } from './forward-remote-listener.js';
import type { ForwardingLog, HostPort } from './forwarding-error.js';

export interface ForwardRemoteOptions {
  /** The address and port the server binds (`localhost` is what OpenSSH sends by default; port 0 = any). */
  bind: HostPort;
  /** Where forwarded connections go, from this side. */
  target: HostPort;
  onError?: ForwardingLog;
}

export function forwardRemote(opts: ForwardRemoteOptions): OperatorFunction<Connection, { port: number }> {
  const { bind, target, onError } = opts;
  const refused = `remote port forwarding failed for listen port ${bind.port}`;
  const connect = (inc: IncomingChannel) => connectIncoming(inc, target, onError);
  // The payloads are encoded per connection, so a bad bind fails the stream instead of throwing here.
  return switchMap((conn) => requestRemoteListener(conn, tcpipKind(bind), connect, refused));
}
