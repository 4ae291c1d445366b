/**
 * Server side of local forwarding to Unix-domain sockets (OpenSSH PROTOCOL §2.4, `ssh -L ...:/socket`):
 * accepts the client's `direct-streamlocal@openssh.com` opens whose socket path passes `policy`, connects to
 * the socket and only then confirms the channel; a socket that cannot be reached is refused with
 * SSH_OPEN_CONNECT_FAILED, a forbidden one with SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1). Emits
 * each forwarded connection once established.
 *
 * The default policy allows every path, as sshd's `AllowStreamLocalForwarding yes` does: the file system's
 * permissions for this process's user decide, so run it as the user the client logged in as.
 *
 * @example
 * serve(listenTcp(addr), opts).pipe(allowDirectStreamlocal((r) => r.socketPath.startsWith('/run/app/')))
 *   .subscribe((r) => log(`forwarding to ${r.socketPath}`));
 */
import type { OperatorFunction } from 'rxjs';
import type { Connection } from '../src/connection/connection.js';
import { connectIncoming } from './connect-incoming.js';
import type { ForwardingLog } from './forwarding-error.js';
import { serveDirectOpens } from './serve-direct-opens.js';
import { usablePath } from './streamlocal-sockets.js';

export interface DirectStreamlocalRequest {
  connection: Connection;
  /** The socket the client asked us to connect to. */
  socketPath: string;
}

/** Decides synchronously whether a socket may be reached. */
export type DirectStreamlocalPolicy = (request: DirectStreamlocalRequest) => boolean;

export interface AllowDirectStreamlocalOptions {
  policy?: DirectStreamlocalPolicy;
  onError?: ForwardingLog;
}

const CHANNEL = 'direct-streamlocal@openssh.com';

export function allowDirectStreamlocal(
  opts: AllowDirectStreamlocalOptions | DirectStreamlocalPolicy = {},
): OperatorFunction<Connection, DirectStreamlocalRequest> {
  const { policy = () => true, onError } = typeof opts === 'function' ? { policy: opts } : opts;
  return serveDirectOpens<DirectStreamlocalRequest>(CHANNEL, {
    // PROTOCOL §2.4: string socket path, string reserved, uint32 reserved
    request: (connection, p) => (p.type === CHANNEL ? { connection, socketPath: p.socketPath } : undefined),
    allowed: (request) => usablePath(request.socketPath) && policy(request),
    connect: (inc, request) => connectIncoming(inc, { path: request.socketPath }, onError),
  });
}
