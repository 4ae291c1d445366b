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
import { mergeMap, Observable, type OperatorFunction } from 'rxjs';
import { decodeGlobalRequestPayload } from '../src/channel/global-request-payloads.js';
import { encodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { Connection, GlobalRequestMsg } from '../src/connection/connection.js';
import type { ForwardingLog } from './forwarding-error.js';
import { pipeOpenedChannel } from './pipe-opened-channel.js';
import { ForwardListeners } from './remote-forward-listeners.js';
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
  return pipeOpenedChannel(
    conn.openChannel('forwarded-streamlocal@openssh.com', data),
    socket,
    `forwarded connection to ${path}`,
    onError,
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
        /** Listeners by socket path; closing one removes its socket file. */
        const listeners = new ForwardListeners<StreamlocalForwardRequest>(
          (f) => subscriber.next(f),
          o.onError,
        );

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
          listeners.listen(req, {
            listen$: listenStreamlocal(socketPath, o.socket),
            key: socketPath,
            // PROTOCOL §2.4: the success reply carries no data.
            bound: () => ({ key: socketPath, forward: request }),
            accept: (socket) => forwardToClientStreamlocal(connection, socketPath, socket, o.onError),
            what: `path ${socketPath}`,
          });
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
          else if (p.type === 'cancel-streamlocal-forward@openssh.com') listeners.cancel(req, p.socketPath);
        });
        // Not added to `requests`: that one closes when the connection completes globalRequests$, first.
        const ended = connection.disconnect$.subscribe(() => subscriber.complete());

        return () => {
          requests.unsubscribe();
          ended.unsubscribe();
          listeners.close();
        };
      }),
  );
}
