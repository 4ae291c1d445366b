/**
 * The multiplexer's channels by our id (RFC 4254 §5.1: each side names a channel by its own number): id
 * allocation, and the lookups that tell a channel the application may act on from one the peer only offered.
 */
import { UsageError } from '../errors.js';
import { ChannelRecord, type Phase } from './channel-record.js';
import type { ChannelOpenOptions, SendPayload } from './mux-options.js';

export class ChannelTable {
  private readonly byId = new Map<number, ChannelRecord>();
  private nextId = 0;

  constructor(
    private readonly maxSendPacket: number,
    private readonly send: SendPayload,
  ) {}

  /** Channels whose id is in use: opening, offered, open or closing. */
  get size(): number {
    return this.byId.size;
  }

  get(id: number): ChannelRecord | undefined {
    return this.byId.get(id);
  }

  delete(id: number): void {
    this.byId.delete(id);
  }

  /**
   * Ids count up (skipping ones in use) instead of reusing the lowest free one as OpenSSH does: a handle the
   * application still holds for a channel that just closed then can never reach a new channel by mistake.
   */
  allocateId(): number {
    while (this.byId.has(this.nextId)) this.nextId = (this.nextId + 1) >>> 0;
    const id = this.nextId;
    this.nextId = (id + 1) >>> 0;
    return id;
  }

  /** Records a channel under an id from allocateId; `peerId` is -1 until the peer confirms ours. */
  add(id: number, peerId: number, phase: Phase, w: Required<ChannelOpenOptions>): ChannelRecord {
    const ch = new ChannelRecord(id, peerId, phase, w, this.maxSendPacket, this.send);
    this.byId.set(id, ch);
    return ch;
  }

  /** A channel the application may act on: known, and not one the peer offered that we have not accepted. */
  mine(id: number, what: string): ChannelRecord {
    const ch = this.byId.get(id);
    if (!ch) throw new UsageError(`${what}: channel ${id} does not exist (or is already closed)`);
    if (ch.phase === 'offered') throw new UsageError(`${what}: channel ${id} is not accepted yet`);
    return ch;
  }

  /** A channel the peer asked for that waits for acceptOpen() or rejectOpen(). */
  offered(id: number): ChannelRecord {
    const ch = this.byId.get(id);
    if (ch?.phase !== 'offered')
      throw new UsageError(`channel ${id} is not an open request waiting for an answer`);
    return ch;
  }
}
