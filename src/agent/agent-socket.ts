/**
 * Edge adapter: connects an AgentClient to a local agent's unix-domain socket (OpenSSH's SSH_AUTH_SOCK).
 */
import * as net from 'node:net';
import { ConnectionLostError, UsageError } from '../errors.js';
import type { ByteIO } from '../io/byte-io.js';
import { fromDuplex } from '../io/node-duplex.js';
import { AgentClient } from './agent-client.js';

/** Opens the socket at `path` as a ByteIO. @throws UsageError for a bad path, ConnectionLostError if refused */
export function connectAgentSocket(path: string): Promise<ByteIO> {
  // An agent path may come from the environment or a config file: check it is a plain path first.
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0'))
    return Promise.reject(new UsageError('agent socket path must be a non-empty string without NUL'));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ path });
    const onError = (err: Error) =>
      reject(new ConnectionLostError(`cannot connect to agent at ${path}: ${err.message}`, err));
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.on('error', () => {}); // later errors reach the client through the ByteIO's input
      resolve(fromDuplex(socket));
    });
  });
}

/**
 * Connects to the agent at `path`, by default `$SSH_AUTH_SOCK`.
 * @example const agent = await connectAgent(); const keys = await agent.identities(); agent.close();
 */
export async function connectAgent(
  path: string | undefined = process.env.SSH_AUTH_SOCK,
): Promise<AgentClient> {
  if (path === undefined) throw new UsageError('no agent: SSH_AUTH_SOCK is not set');
  return new AgentClient(await connectAgentSocket(path));
}
