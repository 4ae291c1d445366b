/**
 * Agent message framing (draft-miller-ssh-agent-04 §3): every message travels as
 *
 *     uint32  length
 *     byte[length] message      (the first byte is the message number)
 *
 * The length is checked against the cap before a single byte of the body is buffered, so a peer that
 * announces 4 GiB costs us 4 bytes of memory, not 4 GiB.
 */
import { DecodeError } from '../errors.js';

/** OpenSSH's AGENT_MAX_LEN (ssh-agent.c) and MAX_AGENT_REPLY_LEN (authfd.c): 256 KiB per message. */
export const AGENT_MAX_MESSAGE_BYTES = 256 * 1024;

/** Prefixes one message with its uint32 length. */
export function frameAgentMessage(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + message.length);
  new DataView(out.buffer).setUint32(0, message.length);
  out.set(message, 4);
  return out;
}

/**
 * Reassembles whole messages from arbitrary chunks of a byte stream. Errors are sticky: after a bad length
 * every later chunk is refused too, because the stream has lost its message boundaries.
 *
 * @example
 * const frames = new AgentFrameReader();
 * for (const message of frames.push(chunk)) handle(message);
 */
export class AgentFrameReader {
  private header = new Uint8Array(4);
  private headerFill = 0;
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private failed: DecodeError | null = null;

  constructor(private readonly maxMessageBytes = AGENT_MAX_MESSAGE_BYTES) {}

  /** True when a message has been started but not finished (for "stream ended mid-message" checks). */
  get partial(): boolean {
    return this.headerFill > 0 || this.body !== null;
  }

  /**
   * Feeds one chunk; returns every message it completed, in order.
   * @throws DecodeError for an empty message or one over the cap (and on every call after that)
   */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.body === null) {
        const take = Math.min(4 - this.headerFill, chunk.length - i);
        this.header.set(chunk.subarray(i, i + take), this.headerFill);
        this.headerFill += take;
        i += take;
        if (this.headerFill < 4) break;
        const length = new DataView(this.header.buffer).getUint32(0);
        this.headerFill = 0;
        // A message always has at least its number byte; zero would be a frame with no type.
        if (length === 0) throw this.fail('agent message of length 0');
        if (length > this.maxMessageBytes)
          throw this.fail(`agent message of ${length} bytes is over the ${this.maxMessageBytes}-byte limit`);
        this.body = new Uint8Array(length);
        this.bodyFill = 0;
      }
      const take = Math.min(this.body.length - this.bodyFill, chunk.length - i);
      this.body.set(chunk.subarray(i, i + take), this.bodyFill);
      this.bodyFill += take;
      i += take;
      if (this.bodyFill === this.body.length) {
        out.push(this.body);
        this.body = null;
      }
    }
    return out;
  }

  /** Drops (and zeroes) a half-received message, e.g. when the stream closes. */
  clear(): void {
    this.body?.fill(0);
    this.body = null;
    this.header.fill(0);
    this.headerFill = 0;
  }

  private fail(message: string): DecodeError {
    this.clear();
    this.failed = new DecodeError(message);
    return this.failed;
  }
}
