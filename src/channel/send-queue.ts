/**
 * Outbound flow control of one channel (RFC 4254 §5.2): data goes out in packets no larger than the peer's
 * maximum packet size and never beyond the window it granted; what does not fit waits here until a
 * WINDOW_ADJUST. The queue is per channel, so a peer that stops reading one channel stalls only that one.
 */
import { ProtocolError } from '../errors.js';
import { MAX_UINT32 } from './checked-writer.js';

/** One DATA (dataType undefined) or EXTENDED_DATA packet's worth of bytes, ready to encode. */
export type EmitData = (data: Uint8Array, dataType: number | undefined) => void;

interface Chunk {
  data: Uint8Array;
  dataType: number | undefined;
}

export class SendQueue {
  private window = 0;
  private peerMaxPacket = 0;
  private chunks: Chunk[] = [];
  private head = 0;
  private queued = 0;

  /** `maxSendPacket` is our own cap on a packet's data, below the transport's payload limit. */
  constructor(private readonly maxSendPacket: number) {}

  /** Window the peer granted that we have not used yet. */
  get peerWindow(): number {
    return this.window;
  }

  /** Bytes accepted by write() and not yet sent. */
  get bufferedAmount(): number {
    return this.queued;
  }

  /** The peer's initial window and maximum packet size (from its OPEN or OPEN_CONFIRMATION). */
  start(window: number, maxPacket: number): void {
    // A zero max packet would make every send loop spin; the multiplexer refuses it before it gets here.
    if (maxPacket < 1) throw new ProtocolError('peer maximum packet size is 0');
    this.window = window;
    this.peerMaxPacket = maxPacket;
  }

  /** RFC 4254 §5.2: the window "MUST NOT be increased above 2^32 - 1"; OpenSSH disconnects when it would. */
  addWindow(n: number, channel: number): void {
    if (this.window + n > MAX_UINT32) {
      throw new ProtocolError(`channel ${channel}: WINDOW_ADJUST of ${n} would take the window past 2^32-1`);
    }
    this.window += n;
  }

  /** Sends what the window allows now (no copy) and queues a copy of the rest, behind anything queued. */
  write(data: Uint8Array, dataType: number | undefined, emit: EmitData): void {
    let offset = 0;
    if (this.queued === 0) offset = this.sendFrom(data, dataType, emit);
    if (offset < data.length) {
      this.chunks.push({ data: data.slice(offset), dataType }); // the caller may reuse its buffer
      this.queued += data.length - offset;
    }
  }

  /** Sends queued data while the window allows. */
  flush(emit: EmitData): void {
    while (this.head < this.chunks.length && this.window > 0) {
      const chunk = this.chunks[this.head];
      const sent = this.sendFrom(chunk.data, chunk.dataType, emit);
      this.queued -= sent;
      if (sent < chunk.data.length) {
        chunk.data = chunk.data.subarray(sent);
        return;
      }
      this.head++;
    }
    if (this.head === this.chunks.length) this.clear();
  }

  /** Drops everything queued (the channel is closing without sending it). */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.queued = 0;
  }

  /** Sends `data` in packets of at most min(peer max packet, our cap, window); returns how much went out. */
  private sendFrom(data: Uint8Array, dataType: number | undefined, emit: EmitData): number {
    let offset = 0;
    while (offset < data.length && this.window > 0) {
      const n = Math.min(data.length - offset, this.peerMaxPacket, this.maxSendPacket, this.window);
      emit(data.subarray(offset, offset + n), dataType);
      this.window -= n;
      offset += n;
    }
    return offset;
  }
}
