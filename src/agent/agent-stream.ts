/**
 * One agent connection as a sans-I/O byte pipe: framed requests in, framed responses out. The same object
 * serves a unix-socket client (agent-listen.ts) or a forwarded-agent SSH channel (`auth-agent@openssh.com`,
 * PROTOCOL §2.1 of OpenSSH), whose data is the same framed stream.
 */
import { AgentFrameReader, frameAgentMessage } from './agent-framing.js';
import type { AgentServer } from './agent-server.js';

export interface AgentStream {
  /**
   * Feeds bytes from the client; returns the bytes to send back (empty when no request completed).
   * @throws DecodeError when the framing breaks (a length of 0 or over 256 KiB): close the connection
   */
  receive(chunk: Uint8Array, now: number): Uint8Array;
  /** Forgets (and zeroes) any half-received request, e.g. when the connection ends. */
  close(): void;
}

/**
 * @example
 * const stream = agentStream(server);
 * channel.data$.subscribe((chunk) => channel.write(stream.receive(chunk, performance.now())));
 */
export function agentStream(server: AgentServer): AgentStream {
  const frames = new AgentFrameReader();
  return {
    receive(chunk, now) {
      const replies: Uint8Array[] = [];
      for (const message of frames.push(chunk)) {
        replies.push(frameAgentMessage(server.handle(message, now)));
        message.fill(0); // it may have carried a private key (ADD_IDENTITY) or a lock passphrase
      }
      if (replies.length === 1) return replies[0];
      const out = new Uint8Array(replies.reduce((n, r) => n + r.length, 0));
      let o = 0;
      for (const r of replies) {
        out.set(r, o);
        o += r.length;
      }
      return out;
    },
    close() {
      frames.clear();
    },
  };
}
