/**
 * The forwarded agent of one examples/sshd.ts session as a local SSH_AUTH_SOCK (OpenSSH PROTOCOL.agent, as
 * sshd's auth_input_request_forwarding): a unix socket in a private directory (mkdtemp makes it 0700, so only
 * this user reaches the socket), each connection to it relayed over a new `auth-agent@openssh.com` channel
 * opened back to the client, whose ssh joins it to its own agent. Closing removes the socket and directory.
 * agentForwarding() (rxssh/operators) has already answered the client's auth-agent-req@openssh.com.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import type { AgentForwardingSession } from '../../operators/agent-forwarding.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { Connection } from '../../src/connection/connection.js';
import { channelByteIO } from '../../src/io/channel-byte-io.js';

const AGENT_CHANNEL = 'auth-agent@openssh.com';
/** Agent traffic is request and reply: this much unread by a local program means it is not an agent client. */
const MAX_UNREAD = 1 << 20;

export interface AgentSocket {
  readonly path: string;
  close(): void;
}

/** Sockets of sessions still open, so a server being stopped can remove them. */
const open = new Set<AgentSocket>();

/** Removes every socket still open (the server is stopping). */
export function closeAgentSockets(): void {
  for (const s of open) s.close();
}

/**
 * SSH_AUTH_SOCK for one session: made on first use once the client has asked for forwarding, removed when the
 * session's channel ends. Returns undefined while there is nothing to offer (or the socket cannot be made).
 */
export function sessionAgentSocket(
  { connection, channel, agent }: AgentForwardingSession,
  log: { log(line: string): void; debug(line: string): void },
): () => string | undefined {
  let socket: AgentSocket | undefined;
  channel.onEnd(() => socket?.close());
  return () => {
    if (!agent.requested || channel.closed) return undefined;
    try {
      socket ??= serveAgentSocket(connection, log.debug);
    } catch (e) {
      log.log(`agent forwarding: cannot make a socket: ${(e as Error).message}`);
      return undefined;
    }
    return socket.path;
  };
}

/**
 * Listens at once (the path exists when this returns, so a program started next finds it).
 * @throws when the directory or socket cannot be made
 */
export function serveAgentSocket(connection: Connection, debug: (line: string) => void): AgentSocket {
  const dir = mkdtempSync(join(tmpdir(), 'rxssh-agent-'));
  const path = join(dir, `agent.${process.pid}`);
  const relays = new Set<Subscription>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.pause(); // nothing is read until the channel is open
    const relay = connection.openChannel(AGENT_CHANNEL).subscribe({
      next: (channel) => pipe(socket, channel),
      error: (e: Error) => {
        debug(`agent forwarding: cannot open a channel to the client's agent: ${e.message}`);
        socket.destroy();
      },
      // The channel closed: whatever the client's agent sent is flushed before the socket ends.
      complete: () => socket.end(),
    });
    relays.add(relay);
    // The local program hung up: unsubscribing closes the channel.
    socket.on('close', () => {
      relays.delete(relay);
      relay.unsubscribe();
    });
  });
  server.on('error', (e) => debug(`agent forwarding: ${e.message}`));
  try {
    server.listen(path);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const socket: AgentSocket = {
    path,
    close() {
      if (!open.delete(socket)) return;
      server.close();
      for (const r of relays) r.unsubscribe();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  open.add(socket);
  return socket;
}

/** Joins the socket and the channel until either ends: EOF each way, the rest bounded by MAX_UNREAD. */
function pipe(socket: net.Socket, channel: Channel): void {
  const io = channelByteIO(channel);
  io.input.subscribe({
    next: (bytes) => {
      socket.write(bytes);
      if (socket.writableLength > MAX_UNREAD) socket.destroy();
    },
    complete: () => socket.end(),
    error: () => socket.destroy(),
  });
  io.drained?.subscribe(() => socket.resume());
  socket.on('data', (chunk: Buffer) => {
    if (io.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)) === false) socket.pause();
  });
  socket.on('end', () => io.end());
  socket.resume();
}
