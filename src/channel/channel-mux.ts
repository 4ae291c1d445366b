/**
 * The channel layer of the connection protocol (RFC 4254 §5), sans-I/O: channel messages in (`receive`),
 * commands from the application (`open`, `write`, `eof`, `close`, `request`, ...), payloads out through
 * `send`, and events out through `poll`. It owns channel ids (channel-table.ts), the open/EOF/CLOSE lifecycle,
 * request/reply ordering and both directions of flow control (channel-record.ts, receive-window.ts,
 * send-queue.ts).
 *
 * Peer misbehaviour throws ProtocolError from `receive` (the core then disconnects); application misuse
 * throws UsageError from the commands. Event payloads (`data`) are views into the received payload.
 */
import { ProtocolError, UsageError } from '../errors.js';
import { joinParts } from '../transport/packet-encoder.js';
import { MSG } from '../wire/message-numbers.js';
import type { ChannelEvent } from './channel-events.js';
import * as m from './channel-messages.js';
import { type ChannelRecord, LEGAL_IN_PHASE } from './channel-record.js';
import { ChannelTable } from './channel-table.js';
import { assertName, assertUint32 } from './checked-writer.js';
import { EventQueue } from './event-queue.js';
import {
  type ChannelMuxOptions,
  type ChannelOpenOptions,
  type MuxLimits,
  resolveMuxOptions,
  resolveWindow,
  type SendParts,
  type SendPayload,
} from './mux-options.js';
import { ReceiveWindow } from './receive-window.js';

export type { ChannelEvent } from './channel-events.js';
export type { ChannelMuxOptions, ChannelOpenOptions, SendParts } from './mux-options.js';

const EXTENDED_DATA_STDERR = 1; // RFC 4254 §5.2
const EMPTY = new Uint8Array(0);

/**
 * @example
 * const mux = new ChannelMux({ send: (p) => transport.send(p) }, (head, tail) => transport.send(head, tail));
 * const id = mux.open('session');
 * mux.receive(payload); // each connection-layer payload numbered 90..100
 * for (let e = mux.poll(); e; e = mux.poll()) {
 *   if (e.type === 'data') { use(e.data); mux.consumed(e.id, e.data.length); }
 * }
 */
export class ChannelMux {
  private readonly channels: ChannelTable;
  private readonly events = new EventQueue<ChannelEvent>();
  private readonly limits: MuxLimits;
  private readonly send: SendPayload;

  /** `sendParts` takes DATA and EXTENDED_DATA as header and data; without it they are joined for `send`. */
  constructor(options: ChannelMuxOptions, sendParts?: SendParts) {
    const send = options.send;
    this.send = (payload, tail) => {
      if (tail === undefined) send(payload);
      else if (sendParts) sendParts(payload, tail);
      else send(joinParts(payload, tail));
    };
    this.limits = resolveMuxOptions(options);
    this.channels = new ChannelTable(this.limits.maxSendPacket, this.send);
  }

  /** Channels whose id is in use: opening, offered, open or closing. */
  get openChannels(): number {
    return this.channels.size;
  }

  /** The next event, or undefined when there is none. */
  poll(): ChannelEvent | undefined {
    return this.events.poll();
  }

  // ---- commands ----------------------------------------------------------------------------------------

  /** Sends CHANNEL_OPEN and returns our id; 'open-confirmed' or 'open-failed' follows. */
  open(channelType: string, data: Uint8Array = EMPTY, opts?: ChannelOpenOptions): number {
    assertName(channelType, 'channel type');
    const w = resolveWindow(opts, this.limits);
    const id = this.channels.allocateId();
    const open = { channelType, senderChannel: id, initialWindow: w.window, maxPacket: w.maxPacket, data };
    this.send(m.encodeChannelOpen(open));
    this.channels.add(id, -1, 'opening', w);
    return id;
  }

  /** Confirms a channel the peer asked for ('open-request'). */
  acceptOpen(id: number, opts?: ChannelOpenOptions & { data?: Uint8Array }): void {
    const ch = this.channels.offered(id);
    const w = resolveWindow(opts, this.limits);
    ch.in = new ReceiveWindow(w.window, w.maxPacket);
    ch.phase = 'open';
    const { peerId: recipientChannel } = ch;
    const data = opts?.data ?? EMPTY;
    this.send(
      m.encodeChannelOpenConfirmation({
        recipientChannel,
        senderChannel: id,
        initialWindow: w.window,
        maxPacket: w.maxPacket,
        data,
      }),
    );
  }

  /** Refuses a channel the peer asked for, with an RFC 4254 §5.1 reason code; the id is freed. */
  rejectOpen(id: number, reason: number, description: string): void {
    const ch = this.channels.offered(id);
    assertUint32(reason, 'reason code');
    this.channels.delete(id);
    this.send(m.encodeChannelOpenFailure(ch.peerId, reason, description));
  }

  /** Sends data (or extended data of `dataType`, 1 = stderr), queueing what the peer's window cannot take. */
  write(id: number, data: Uint8Array, dataType?: number): void {
    const ch = this.channels.mine(id, 'write');
    if (ch.eofQueued || ch.closeQueued) throw new UsageError(`write on channel ${id} after eof() or close()`);
    if (dataType !== undefined) assertUint32(dataType, 'extended data type');
    if (data.length > 0) ch.write(data, dataType, this.limits.writableThreshold);
  }

  /** Sends EOF once the data written so far is out (RFC 4254 §5.3). Calling it again does nothing. */
  eof(id: number): void {
    const ch = this.channels.mine(id, 'eof');
    if (ch.closeQueued) throw new UsageError(`eof on channel ${id} after close()`);
    ch.eofQueued = true;
    this.settle(ch);
  }

  /**
   * Sends CLOSE once written data (and a requested EOF) is out, or at once with `discard` (queued data is
   * dropped). Data the peer still sends is consumed and dropped. 'close' follows when the peer's CLOSE
   * arrives. Calling it again does nothing (except that `discard` still drops the queue).
   */
  close(id: number, opts?: { discard?: boolean }): void {
    const ch = this.channels.mine(id, 'close');
    if (opts?.discard) ch.out.clear();
    if (ch.closeQueued) return this.settle(ch);
    ch.closeQueued = true;
    // The application will not read what is buffered: release it, so that a peer blocked on our window can
    // go on (our CLOSE may be waiting behind its window). Pointless if the CLOSE goes out right now.
    const released = ch.in.release();
    this.settle(ch);
    ch.adjust(released);
  }

  /** Sends CHANNEL_REQUEST (RFC 4254 §5.4) at once, ahead of queued data; with wantReply a 'reply' follows. */
  request(id: number, requestType: string, wantReply: boolean, data: Uint8Array = EMPTY): void {
    const ch = this.channels.mine(id, 'request');
    if (ch.phase !== 'open') throw new UsageError(`request on channel ${id} before it is confirmed`);
    if (ch.closeQueued) throw new UsageError(`request on channel ${id} after close()`);
    assertName(requestType, 'request type');
    this.send(m.encodeChannelRequestMessage({ recipientChannel: ch.peerId, requestType, wantReply, data }));
    if (wantReply) ch.ourRequests++;
  }

  /** Answers the peer's oldest unanswered want_reply request. After our CLOSE nothing is sent (§5.3). */
  reply(id: number, ok: boolean): void {
    const ch = this.channels.mine(id, 'reply');
    if (ch.peerRequests === 0) throw new UsageError(`reply on channel ${id}: no request is waiting for one`);
    ch.peerRequests--;
    if (!ch.closeSent) this.send(ok ? m.encodeChannelSuccess(ch.peerId) : m.encodeChannelFailure(ch.peerId));
  }

  /** The application used `n` received bytes: this (and nothing else) refills the peer's window. */
  consumed(id: number, n: number): void {
    const ch = this.channels.mine(id, 'consumed');
    if (!ch.closeQueued) ch.adjust(ch.in.consume(n)); // after close() everything was released already
  }

  /** Bytes accepted by write() and not yet sent (waiting for window); 0 for an unknown id. */
  bufferedAmount(id: number): number {
    return this.channels.get(id)?.out.bufferedAmount ?? 0;
  }

  /** Flow-control counters of a channel, for diagnostics and tests. */
  windows(id: number): { send: number; receive: number; bufferedIn: number } | undefined {
    const ch = this.channels.get(id);
    return ch && { send: ch.out.peerWindow, receive: ch.in.remaining, bufferedIn: ch.in.bufferedIn };
  }

  // ---- peer messages -----------------------------------------------------------------------------------

  /** One connection-layer payload numbered 90..100. Throws ProtocolError (DecodeError) on bad input. */
  receive(payload: Uint8Array): void {
    const type = payload[0];
    if (type === MSG.CHANNEL_OPEN) return this.onOpen(m.decodeChannelOpen(payload));
    if (!(type >= MSG.CHANNEL_OPEN_CONFIRMATION && type <= MSG.CHANNEL_FAILURE)) {
      throw new ProtocolError(`message ${type} is not a channel message`);
    }
    // Every message after OPEN starts with the recipient channel: find the channel before the rest.
    const id = m.decodeRecipient(payload);
    const ch = this.channels.get(id);
    if (!ch) throw new ProtocolError(`message ${type} for channel ${id}, which does not exist`);
    if (!LEGAL_IN_PHASE[ch.phase].has(type))
      throw new ProtocolError(`message ${type} on channel ${id} while ${ch.phase}`);
    // After our CLOSE the peer may not have seen it yet: ignore what it still sends until its CLOSE (§5.3).
    if (ch.closeSent && type !== MSG.CHANNEL_CLOSE) return;
    switch (type) {
      case MSG.CHANNEL_OPEN_CONFIRMATION:
        return this.onConfirmation(ch, m.decodeChannelOpenConfirmation(payload));
      case MSG.CHANNEL_OPEN_FAILURE: {
        const { reason, description } = m.decodeChannelOpenFailure(payload);
        this.channels.delete(id);
        return this.emit({ type: 'open-failed', id, reason, description });
      }
      case MSG.CHANNEL_WINDOW_ADJUST:
        ch.out.addWindow(m.decodeChannelWindowAdjust(payload).bytesToAdd, id);
        return this.settle(ch);
      case MSG.CHANNEL_DATA:
        return this.onData(ch, undefined, m.decodeChannelData(payload).data);
      case MSG.CHANNEL_EXTENDED_DATA: {
        const x = m.decodeChannelExtendedData(payload);
        return this.onData(ch, x.dataType, x.data);
      }
      case MSG.CHANNEL_EOF:
        m.decodeBareChannelMessage(payload, MSG.CHANNEL_EOF);
        if (ch.peerEof) return;
        ch.peerEof = true;
        return this.emit({ type: 'eof', id });
      case MSG.CHANNEL_CLOSE:
        m.decodeBareChannelMessage(payload, MSG.CHANNEL_CLOSE);
        ch.answerClose();
        this.channels.delete(id);
        return this.emit({ type: 'close', id });
      case MSG.CHANNEL_REQUEST: {
        const { requestType, wantReply, data } = m.decodeChannelRequestMessage(payload);
        if (wantReply) ch.peerRequests++;
        return this.emit({ type: 'request', id, requestType, wantReply, data });
      }
      default: {
        m.decodeBareChannelMessage(payload, type as m.BareChannelMessage);
        if (ch.ourRequests === 0) throw new ProtocolError(`channel ${id}: reply without a request`);
        ch.ourRequests--;
        return this.emit({ type: 'reply', id, ok: type === MSG.CHANNEL_SUCCESS });
      }
    }
  }

  private onOpen(o: m.ChannelOpen): void {
    const refuse = (reason: number, why: string) =>
      this.send(m.encodeChannelOpenFailure(o.senderChannel, reason, why));
    // A zero max packet can carry no data (ssh2 #1504 class): refuse the channel rather than spin on it.
    if (o.maxPacket === 0)
      return refuse(m.ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED, 'maximum packet size 0');
    if (this.channels.size >= this.limits.maxChannels) {
      return refuse(m.ChannelOpenFailure.RESOURCE_SHORTAGE, 'too many channels');
    }
    const id = this.channels.allocateId();
    const ch = this.channels.add(id, o.senderChannel, 'offered', resolveWindow(undefined, this.limits));
    ch.out.start(o.initialWindow, o.maxPacket);
    const { channelType, data, initialWindow: peerWindow, maxPacket: peerMaxPacket } = o;
    this.emit({ type: 'open-request', id, channelType, data, peerWindow, peerMaxPacket });
  }

  private onConfirmation(ch: ChannelRecord, c: m.ChannelOpenConfirmation): void {
    if (c.maxPacket === 0) throw new ProtocolError(`channel ${ch.id}: confirmed with maximum packet size 0`);
    ch.peerId = c.senderChannel;
    ch.phase = 'open';
    ch.out.start(c.initialWindow, c.maxPacket);
    const { data, initialWindow: peerWindow, maxPacket: peerMaxPacket } = c;
    this.emit({ type: 'open-confirmed', id: ch.id, data, peerWindow, peerMaxPacket });
    this.settle(ch); // data, EOF or CLOSE asked for while opening
  }

  private onData(ch: ChannelRecord, dataType: number | undefined, data: Uint8Array): void {
    const kind = dataType === undefined ? 'data' : 'extended data';
    // RFC 4254 §5.3: no data after EOF; OpenSSH disconnects on extended data after EOF too.
    if (ch.peerEof) throw new ProtocolError(`channel ${ch.id}: ${kind} after EOF`);
    const max = this.limits.maxAcceptedPacket;
    if (data.length > max)
      throw new ProtocolError(`channel ${ch.id}: ${data.length} bytes of ${kind}, over ${max}`);
    ch.in.receive(data.length, ch.id);
    // Dropped bytes (unknown extended types, §5.2; anything after our close()) still count against the
    // window, so they are consumed at once.
    if (ch.closeQueued || (dataType !== undefined && dataType !== EXTENDED_DATA_STDERR)) {
      return ch.adjust(ch.in.consume(data.length));
    }
    if (data.length === 0) return;
    if (dataType === undefined) this.emit({ type: 'data', id: ch.id, data });
    else this.emit({ type: 'extended-data', id: ch.id, dataType, data });
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private settle(ch: ChannelRecord): void {
    const writable = ch.settle(this.limits.writableThreshold);
    if (writable !== undefined) this.emit({ type: 'writable', id: ch.id, bufferedAmount: writable });
  }

  private emit(e: ChannelEvent): void {
    this.events.push(e);
  }
}
