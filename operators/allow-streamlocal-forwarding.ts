/**
 * Server side of remote forwarding on Unix-domain sockets (OpenSSH PROTOCOL §2.4, `ssh -R /socket:...`):
 * answers the client's `streamlocal-forward@openssh.com` by creating the socket (the answer waits until it
 * exists), opens a `forwarded-streamlocal@openssh.com` channel to the client for each connection to it, and
 * removes the socket on `cancel-streamlocal-forward@openssh.com` or when the connection ends. Emits each
 * forward once listening.
 *
 * The default policy allows every path this process may create, as sshd's `AllowStreamLocalForwarding yes`;
 * sockets get mode 0600 (sshd's StreamLocalBindMask 0177), and a stale socket at the path makes the request
 * fail unless `socket.unlinkExisting` is set (StreamLocalBindUnlink). Forwarded connections outlive a
 * cancelled forward, as in OpenSSH, and end with the connection.
 *
 * @example
 * serve(listenTcp(addr), opts).pipe(allowStreamlocalForwarding()).subscribe((f) => log(`listening on ${f.socketPath}`));
 */
import type { Socket } from 'node:net';
import {
  catchError,
  EMPTY,
  finalize,
  mergeMap,
  Observable,
  type OperatorFunction,
  Subscription,
  switchMap,
} from 'rxjs';
import { decodeGlobalRequestPayload } from '../src/channel/global-request-payloads.js';
import { encodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { Connection, GlobalRequestMsg } from '../src/connection/connection.js';
import { pipeSocketChannel } from '../src/io/socket-channel.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';
import { listenStreamlocal, type StreamlocalListenOptions, usablePath } from './streamlocal-sockets.js';

export interface StreamlocalForwardRequest {
  connection: Connection;
  /** The socket the client asked us to create. */
  socketPath: string;
}

/** Decides synchronously whether a socket may be created. */
export type StreamlocalForwardPolicy = (request: StreamlocalForwardRequest) => boolean;

export interface AllowStreamlocalForwardingOptions {
  policy?: StreamlocalForwardPolicy;
  /** Forwards one connection may hold at once (default 64); more are refused. */
  maxForwards?: number;
  /** The sockets' mode (default 0o600) and whether a stale socket is removed first (default no). */
  socket?: StreamlocalListenOptions;
  onError?: ForwardingLog;
}

/** Opens `forwarded-streamlocal@openssh.com` for `socket`, accepted on the client's forward `path`, and joins them. */
export function forwardToClientStreamlocal(
  conn: Connection,
  path: string,
  socket: Socket,
  onError?: ForwardingLog,
): Observable<never> {
  // PROTOCOL §2.4: string socket path, string reserved
  const data = encodeChannelOpenPayload({ type: 'forwarded-streamlocal@openssh.com', socketPath: path });
  return conn.openChannel('forwarded-streamlocal@openssh.com', data).pipe(
    switchMap((ch) => pipeSocketChannel(socket, ch)),
    catchError((err) => {
      onError?.(forwardingError(`forwarded connection to ${path}`, err));
      return EMPTY;
    }),
    finalize(() => socket.destroy()),
  );
}

export function allowStreamlocalForwarding(
  opts: AllowStreamlocalForwardingOptions | StreamlocalForwardPolicy = {},
): OperatorFunction<Connection, StreamlocalForwardRequest> {
  const o = typeof opts === 'function' ? { policy: opts } : opts;
  const policy = o.policy ?? (() => true);
  const maxForwards = o.maxForwards ?? 64;
  return mergeMap(
    (connection) =>
      new Observable<StreamlocalForwardRequest>((subscriber) => {
        /** Listeners by socket path, bound or still binding; `stop` also answers a request still waiting. */
        const listeners = new Map<string, { stop(): void }>();
        const forwarded = new Subscription();

        /** Joins one accepted socket to the client; forgotten once over, so a long connection keeps no trail. */
        const forwardConnection = (socketPath: string, socket: Socket) => {
          const link: Subscription = forwardToClientStreamlocal(connection, socketPath, socket, o.onError)
            .pipe(finalize(() => forwarded.remove(link)))
            .subscribe();
          if (!link.closed) forwarded.add(link);
        };

        const forward = (req: GlobalRequestMsg, socketPath: string) => {
          const request: StreamlocalForwardRequest = { connection, socketPath };
          let allowed = false;
          try {
            allowed =
              usablePath(socketPath) &&
              !listeners.has(socketPath) &&
              listeners.size < maxForwards &&
              policy(request) === true;
          } catch {
            // A throwing policy fails closed.
          }
          if (!allowed) return req.reply(false);
          req.defer();
          let listening = false;
          const sub = listenStreamlocal(socketPath, o.socket).subscribe({
            next: (ev) => {
              if (ev.type === 'connection') return forwardConnection(socketPath, ev.socket);
              listening = true;
              req.reply(true);
              subscriber.next(request);
            },
            error: (err) => {
              listeners.delete(socketPath);
              if (!listening) req.reply(false);
              o.onError?.(forwardingError(`cannot listen to path ${socketPath}`, err, 'local'));
            },
          });
          const stop = () => {
            sub.unsubscribe(); // closing the listener removes the socket file
            // RFC 4254 §4: every request is answered, in order; one cancelled while binding fails.
            if (!listening) req.reply(false);
          };
          if (!sub.closed) listeners.set(socketPath, { stop });
        };

        const cancel = (req: GlobalRequestMsg, socketPath: string) => {
          const listener = listeners.get(socketPath);
          listeners.delete(socketPath);
          listener?.stop();
          req.reply(listener !== undefined);
        };

        const requests = connection.globalRequests$.subscribe((req) => {
          if (
            req.name !== 'streamlocal-forward@openssh.com' &&
            req.name !== 'cancel-streamlocal-forward@openssh.com'
          )
            return;
          let p: ReturnType<typeof decodeGlobalRequestPayload>;
          try {
            p = decodeGlobalRequestPayload(req.name, req.data);
          } catch {
            return req.reply(false);
          }
          if (p.type === 'streamlocal-forward@openssh.com') forward(req, p.socketPath);
          else if (p.type === 'cancel-streamlocal-forward@openssh.com') cancel(req, p.socketPath);
        });
        // Not added to `requests`: that one closes when the connection completes globalRequests$, first.
        const ended = connection.disconnect$.subscribe(() => subscriber.complete());

        return () => {
          requests.unsubscribe();
          ended.unsubscribe();
          for (const listener of listeners.values()) listener.stop();
          listeners.clear();
          forwarded.unsubscribe();
        };
      }),
  );
}
