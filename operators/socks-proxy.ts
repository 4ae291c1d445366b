/**
 * Dynamic forwarding, `ssh -D`: a SOCKS5 server (RFC 1928; no authentication, CONNECT only, IPv4, IPv6 and
 * domain-name targets) on a local address. Each CONNECT becomes a `direct-tcpip` channel (RFC 4254 §7.2) to
 * the requested host, which the server resolves and connects to. Emits the bound address once listening.
 *
 * @example
 * connection$.pipe(socksProxy({ listen: { host: '127.0.0.1', port: 1080 } })).subscribe();
 * // curl --socks5-hostname 127.0.0.1:1080 http://intranet.example/
 */
import type { Socket } from 'node:net';
import { catchError, EMPTY, finalize, type Observable, type OperatorFunction, switchMap, tap } from 'rxjs';
import type { Connection } from '../src/connection/connection.js';
import { ChannelOpenError } from '../src/errors.js';
import type { SocketAddress } from '../src/io/net-sockets.js';
import { pipeSocketChannel } from '../src/io/socket-channel.js';
import { SocksReply } from '../src/io/socks5.js';
import { socks5Handshake } from '../src/io/socks5-handshake.js';
import { ChannelOpenFailure } from '../src/wire/connection-messages.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';
import { openDirectTcpip } from './open-direct-tcpip.js';
import { type ListeningAddress, serveLocalSockets } from './serve-local-sockets.js';

export interface SocksProxyOptions {
  listen: SocketAddress;
  onError?: ForwardingLog;
}

export function socksProxy(opts: SocksProxyOptions): OperatorFunction<Connection, ListeningAddress> {
  return switchMap((conn) =>
    serveLocalSockets(conn, opts.listen, (socket) => proxyOne(conn, socket, opts.onError)),
  );
}

function proxyOne(conn: Connection, socket: Socket, onError?: ForwardingLog): Observable<never> {
  return socks5Handshake(socket).pipe(
    switchMap((req) =>
      openDirectTcpip(conn, req, socket).pipe(
        tap({ error: (err) => req.reply(replyFor(err)) }),
        switchMap((ch) => {
          req.reply(SocksReply.SUCCEEDED);
          return pipeSocketChannel(socket, ch);
        }),
      ),
    ),
    catchError((err) => {
      onError?.(forwardingError('SOCKS5 connection', err));
      return EMPTY;
    }),
    // After a refusal the reply is still on its way: let it out before closing.
    finalize(() => (socket.writableEnded ? socket.destroySoon() : socket.destroy())),
  );
}

/** The RFC 1928 §6 reply for a refused channel open (RFC 4254 §5.1 reason codes). */
function replyFor(err: unknown): number {
  if (!(err instanceof ChannelOpenError)) return SocksReply.GENERAL_FAILURE;
  switch (err.openReason) {
    case ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED:
      return SocksReply.NOT_ALLOWED;
    case ChannelOpenFailure.CONNECT_FAILED:
      return SocksReply.HOST_UNREACHABLE;
    default:
      return SocksReply.GENERAL_FAILURE;
  }
}
