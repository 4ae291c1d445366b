/**
 * Server side of remote forwarding (RFC 4254 §7.1): answers the client's `tcpip-forward` by listening (the
 * answer waits until the port is bound; port 0 is answered with the port the kernel chose), opens a
 * `forwarded-tcpip` channel to the client for each accepted connection, and stops listening on
 * `cancel-tcpip-forward` or when the connection ends. Emits each forward once listening.
 *
 * By default every forward binds the loopback interface whatever address was asked, as OpenSSH's
 * `GatewayPorts no` does (sshd_config(5)), and privileged ports (below 1024) are refused.
 *
 * @example
 * serve(listenTcp(addr), opts).pipe(allowRemoteForwarding()).subscribe((f) => log(`forwarding port ${f.port}`));
 */
import { mergeMap, Observable, type OperatorFunction } from 'rxjs';
import {
  decodeGlobalRequestPayload,
  encodeTcpipForwardReply,
} from '../src/channel/global-request-payloads.js';
import type { Connection, GlobalRequestMsg } from '../src/connection/connection.js';
import { listenSockets } from '../src/io/net-sockets.js';
import type { ForwardingLog } from './forwarding-error.js';
import { forwardToClient } from './open-forwarded-tcpip.js';
import { ForwardListeners } from './remote-forward-listeners.js';

export interface RemoteForwardRequest {
  connection: Connection;
  /** The address the client asked to bind (`localhost`, `''` for all, an address...). */
  address: string;
  /** The port it asked for (0: any). */
  port: number;
}

/** Returns the local address to bind for a request, or false to refuse it. */
export type RemoteForwardPolicy = (request: RemoteForwardRequest) => string | false;

export interface AllowRemoteForwardingOptions {
  policy?: RemoteForwardPolicy;
  /** Forwards one connection may hold at once (default 64); more are refused. */
  maxForwards?: number;
  onError?: ForwardingLog;
}

export interface RemoteForward extends RemoteForwardRequest {
  /** The port actually bound. */
  boundPort: number;
  bindAddress: string;
}

/** The default policy: loopback only (`GatewayPorts no`), unprivileged ports only. */
export const loopbackBindOnly: RemoteForwardPolicy = ({ address, port }) => {
  if (port !== 0 && port < 1024) return false;
  return address === '::1' ? '::1' : '127.0.0.1';
};

export function allowRemoteForwarding(
  opts: AllowRemoteForwardingOptions | RemoteForwardPolicy = {},
): OperatorFunction<Connection, RemoteForward> {
  const o = typeof opts === 'function' ? { policy: opts } : opts;
  const policy = o.policy ?? loopbackBindOnly;
  const maxForwards = o.maxForwards ?? 64;
  return mergeMap(
    (connection) =>
      new Observable<RemoteForward>((subscriber) => {
        /** Listeners by the address and port the client knows them as (the bound port, not 0). */
        const listeners = new ForwardListeners<RemoteForward>((f) => subscriber.next(f), o.onError);
        const key = (address: string, port: number) => `${address}\n${port}`;

        const forward = (req: GlobalRequestMsg, address: string, port: number) => {
          const request: RemoteForwardRequest = { connection, address, port };
          // A fixed port has its name while binding already, so a cancel right behind the request finds it.
          const name = port === 0 ? undefined : key(address, port);
          let bindAddress: string | false = false;
          try {
            const free = listeners.size < maxForwards && (name === undefined || !listeners.has(name));
            bindAddress = free && policy(request);
          } catch {
            // A throwing policy fails closed.
          }
          if (bindAddress === false) return req.reply(false);
          listeners.listen(req, {
            listen$: listenSockets({ host: bindAddress, port }),
            key: name,
            bound: (ev) => ({
              key: key(address, ev.port),
              // RFC 4254 §7.1: the bound port is in the reply only when the client asked for port 0.
              reply: port === 0 ? encodeTcpipForwardReply(ev.port) : undefined,
              forward: { ...request, boundPort: ev.port, bindAddress: ev.address },
            }),
            accept: (socket, f) =>
              forwardToClient(connection, { address, port: f.boundPort }, socket, o.onError),
            what: `port ${port} on ${bindAddress}`,
          });
        };

        const requests = connection.globalRequests$.subscribe((req) => {
          if (req.name !== 'tcpip-forward' && req.name !== 'cancel-tcpip-forward') return;
          let p: ReturnType<typeof decodeGlobalRequestPayload>;
          try {
            p = decodeGlobalRequestPayload(req.name, req.data);
          } catch {
            return req.reply(false);
          }
          if (p.type === 'tcpip-forward') forward(req, p.address, p.port);
          else if (p.type === 'cancel-tcpip-forward') listeners.cancel(req, key(p.address, p.port));
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
