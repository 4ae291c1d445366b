/**
 * The sans-I/O half of an agent client: requests become framed bytes, incoming bytes become replies paired
 * with their requests. The agent protocol has no request ids; an agent answers each request in order on one
 * connection (draft-miller-ssh-agent-04 §3), so pairing is first in, first out.
 */
import { DecodeError, ProtocolError, type SshError } from '../errors.js';
import { AgentFrameReader, frameAgentMessage } from './agent-framing.js';
import {
  type AgentRequest,
  type AgentResponse,
  decodeAgentResponse,
  encodeAgentRequest,
} from './agent-messages.js';

/** One reply, tagged with the id `request()` returned. A malformed reply fails only its own request. */
export type AgentReply = { id: number; response: AgentResponse } | { id: number; error: DecodeError };

/**
 * @example
 * const core = new AgentClientCore();
 * const { id, bytes } = core.request({ type: 'request-identities' });
 * socket.write(bytes);
 * for (const reply of core.receive(chunk)) settle(reply.id, reply);
 */
export class AgentClientCore {
  private readonly frames = new AgentFrameReader();
  private readonly pending: number[] = [];
  private nextId = 1;
  private failure: SshError | null = null;

  /** Requests sent and not yet answered. */
  get outstanding(): number {
    return this.pending.length;
  }

  /** Encodes and frames a request; the reply will carry the returned id. */
  request(req: AgentRequest): { id: number; bytes: Uint8Array } {
    if (this.failure) throw this.failure;
    const message = encodeAgentRequest(req);
    const bytes = frameAgentMessage(message);
    if (req.type === 'add-identity' || req.type === 'lock' || req.type === 'unlock') message.fill(0);
    const id = this.nextId++;
    this.pending.push(id);
    return { id, bytes };
  }

  /**
   * Feeds bytes from the agent and returns the replies they completed.
   * @throws DecodeError for a broken frame, ProtocolError for a reply nobody asked for (both sticky: the
   *   stream cannot be trusted after either, so every outstanding request should be failed)
   */
  receive(chunk: Uint8Array): AgentReply[] {
    if (this.failure) throw this.failure;
    let messages: Uint8Array[];
    try {
      messages = this.frames.push(chunk);
    } catch (e) {
      this.failure = e as DecodeError;
      throw e;
    }
    const replies: AgentReply[] = [];
    for (const message of messages) {
      const id = this.pending.shift();
      if (id === undefined) {
        this.failure = new ProtocolError('agent sent a reply with no request outstanding');
        throw this.failure;
      }
      try {
        replies.push({ id, response: decodeAgentResponse(message) });
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        replies.push({ id, error: e });
      }
    }
    return replies;
  }

  /** True when the stream stopped in the middle of a reply (for a precise "connection lost" message). */
  get midReply(): boolean {
    return this.frames.partial;
  }
}
