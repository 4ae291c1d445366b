/**
 * Server side of local forwarding (RFC 4254 §7.2): accepts the client's `direct-tcpip` opens whose target
 * passes `policy` (by default loopback addresses only, like a PermitOpen limited to this machine), connects
 * to the target and only then confirms the channel; an unreachable target is refused with
 * SSH_OPEN_CONNECT_FAILED, a forbidden one with SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (§5.1). Emits each
 * forwarded connection once established.
 *
 * @example
 * serve(listenTcp(addr), opts).pipe(allowDirectTcpip((t) => t.port === 5432)).subscribe((t) => log(t.host, t.port));
 */
import type { OperatorFunction } from 'rxjs';
import type { Connection } from '../src/connection/connection.js';
import { connectIncoming } from './connect-incoming.js';
import type { ForwardingLog } from './forwarding-error.js';
import { isLoopback } from './loopback.js';
import { serveDirectOpens } from './serve-direct-opens.js';

export interface DirectTcpipRequest {
  connection: Connection;
  /** The host and port the client asked us to connect to. */
  host: string;
  port: number;
  /** Where the forwarded connection came from, as the client reports it. */
  originatorAddress: string;
  originatorPort: number;
}

/** Decides synchronously whether a target may be reached. */
export type DirectTcpipPolicy = (request: DirectTcpipRequest) => boolean;

export interface AllowDirectTcpipOptions {
  policy?: DirectTcpipPolicy;
  onError?: ForwardingLog;
}

/** The default policy: targets on this machine's loopback interface only. */
export const loopbackTargetsOnly: DirectTcpipPolicy = (r) => isLoopback(r.host);

export function allowDirectTcpip(
  opts: AllowDirectTcpipOptions | DirectTcpipPolicy = {},
): OperatorFunction<Connection, DirectTcpipRequest> {
  const { policy = loopbackTargetsOnly, onError } = typeof opts === 'function' ? { policy: opts } : opts;
  return serveDirectOpens<DirectTcpipRequest>('direct-tcpip', {
    request: (connection, p) => {
      if (p.type !== 'direct-tcpip') return undefined;
      const { host, port, originatorAddress, originatorPort } = p;
      return { connection, host, port, originatorAddress, originatorPort };
    },
    allowed: policy,
    connect: (inc, request) => connectIncoming(inc, request, onError),
  });
}
