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
import { mergeMap, Observable, type OperatorFunction, Subscription } from 'rxjs';
import {
  decodeGlobalRequestPayload,
  encodeTcpipForwardReply,
} from '../src/channel/global-request-payloads.js';
import type { Connection, GlobalRequestMsg } from '../src/connection/connection.js';
import { listenSockets } from '../src/io/net-sockets.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';
import { forwardToClient } from './open-forwarded-tcpip.js';

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
        const listeners = new Map<string, Subscription>();
        /** Every listener, bound or still binding, for the teardown. */
        const allListeners = new Subscription();
        /** Forwarded connections outlive a cancelled listener, as in OpenSSH; they end with the connection. */
        const forwarded = new Subscription();
        const key = (address: string, port: number) => `${address}\n${port}`;
        let binding = 0;

        const forward = (req: GlobalRequestMsg, address: string, port: number) => {
          const request: RemoteForwardRequest = { connection, address, port };
          let bindAddress: string | false = false;
          try {
            bindAddress = listeners.size + binding < maxForwards && policy(request);
          } catch {
            // A throwing policy fails closed.
          }
          if (bindAddress === false) return req.reply(false);
          req.defer();
          binding++;
          let fwd: RemoteForward | undefined;
          const sub = listenSockets({ host: bindAddress, port }).subscribe({
            next: (ev) => {
              if (ev.type === 'connection') {
                const link = { address, port: fwd!.boundPort };
                forwarded.add(forwardToClient(connection, link, ev.socket, o.onError).subscribe());
                return;
              }
              binding--;
              fwd = { ...request, boundPort: ev.port, bindAddress: ev.address };
              listeners.set(key(address, ev.port), sub);
              // RFC 4254 §7.1: the bound port is in the reply only when the client asked for port 0.
              req.reply(true, port === 0 ? encodeTcpipForwardReply(ev.port) : undefined);
              subscriber.next(fwd);
            },
            error: (err) => {
              if (fwd) listeners.delete(key(address, fwd.boundPort));
              else {
                binding--;
                req.reply(false);
              }
              o.onError?.(forwardingError(`cannot listen to port ${port} on ${bindAddress}`, err, 'local'));
            },
          });
          allListeners.add(sub);
        };

        const cancel = (req: GlobalRequestMsg, address: string, port: number) => {
          const sub = listeners.get(key(address, port));
          listeners.delete(key(address, port));
          sub?.unsubscribe();
          req.reply(sub !== undefined);
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
          else if (p.type === 'cancel-tcpip-forward') cancel(req, p.address, p.port);
        });
        // Not added to `requests`: that one closes when the connection completes globalRequests$, first.
        const ended = connection.disconnect$.subscribe(() => subscriber.complete());

        return () => {
          requests.unsubscribe();
          ended.unsubscribe();
          allListeners.unsubscribe();
          forwarded.unsubscribe();
          listeners.clear();
        };
      }),
  );
}
