/**
 * Edge adapter: serves an AgentServer on a unix-domain socket, like `ssh-agent -a path`. The socket is made
 * owner-only (0600); put it in a private directory too (OpenSSH uses a mkdtemp 0700 directory), because
 * between bind and chmod the socket briefly has the umask's mode, and Node cannot check the peer's uid.
 */
import { chmod, unlink } from 'node:fs/promises';
import * as net from 'node:net';
import { UsageError } from '../errors.js';
import type { AgentServer } from './agent-server.js';
import { agentStream } from './agent-stream.js';

export interface AgentListener {
  readonly path: string;
  /** Stops listening, ends every connection and removes the socket file. */
  close(): Promise<void>;
}

export interface ServeAgentOptions {
  /** Milliseconds on a monotonic clock; default performance.now(). */
  clock?: () => number;
}

/**
 * @example
 * const listener = await serveAgent(new AgentServer(), join(privateDir, 'agent.sock'));
 * process.env.SSH_AUTH_SOCK = listener.path; // ssh-add, ssh and ssh-keygen -Y sign now use it
 */
export async function serveAgent(
  server: AgentServer,
  path: string,
  options: ServeAgentOptions = {},
): Promise<AgentListener> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0'))
    throw new UsageError('agent socket path must be a non-empty string without NUL');
  const clock = options.clock ?? (() => performance.now());
  const sockets = new Set<net.Socket>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  // Keys with a lifetime are wiped on time even when nobody asks (the core also expires them lazily).
  const scheduleExpiry = () => {
    if (timer) clearTimeout(timer);
    const deadline = server.nextDeadline();
    if (deadline === undefined) return;
    timer = setTimeout(
      () => {
        server.expire(clock());
        scheduleExpiry();
      },
      Math.max(0, Math.min(deadline - clock(), 2 ** 31 - 1)),
    );
    timer.unref();
  };

  const listener = net.createServer((socket) => {
    sockets.add(socket);
    const stream = agentStream(server);
    socket.on('data', (chunk: Buffer) => {
      try {
        const out = stream.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength), clock());
        if (out.length > 0) socket.write(out);
      } catch {
        socket.destroy(); // framing broke: nothing after this can be trusted
      }
      scheduleExpiry();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      stream.close();
      sockets.delete(socket);
    });
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(path, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  try {
    await chmod(path, 0o600);
  } catch (e) {
    listener.close();
    throw e;
  }

  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        if (timer) clearTimeout(timer);
        for (const s of sockets) s.destroy();
        listener.close(() => {
          unlink(path).then(resolve, () => resolve());
        });
      }),
  };
}
