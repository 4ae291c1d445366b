/**
 * One channel's state inside the multiplexer: its phase, both flow-control directions, the EOF/CLOSE
 * handshake of each side (RFC 4254 §5.3) and the two request/reply counters (§5.4). The ordering rules live
 * here: EOF and CLOSE leave only after the data queued before them, and nothing leaves after our CLOSE.
 */
import { MSG } from '../wire/message-numbers.js';
import * as m from './channel-messages.js';
import type { SendPayload } from './mux-options.js';
import { ReceiveWindow } from './receive-window.js';
import { SendQueue } from './send-queue.js';

/** opening: we sent OPEN; offered: the peer sent OPEN and we have not answered; open: confirmed. */
export type Phase = 'opening' | 'offered' | 'open';

/** Which channel messages the peer may send in each phase (RFC 4254 §5.1-5.4). */
export const LEGAL_IN_PHASE: Record<Phase, ReadonlySet<number>> = {
  // We sent OPEN: the peer answers with a confirmation or a failure, nothing else.
  opening: new Set([MSG.CHANNEL_OPEN_CONFIRMATION, MSG.CHANNEL_OPEN_FAILURE]),
  // The peer sent OPEN and we have not confirmed: it cannot know our id yet.
  offered: new Set(),
  open: new Set([
    MSG.CHANNEL_WINDOW_ADJUST,
    MSG.CHANNEL_DATA,
    MSG.CHANNEL_EXTENDED_DATA,
    MSG.CHANNEL_EOF,
    MSG.CHANNEL_CLOSE,
    MSG.CHANNEL_REQUEST,
    MSG.CHANNEL_SUCCESS,
    MSG.CHANNEL_FAILURE,
  ]),
};

export class ChannelRecord {
  readonly out: SendQueue;
  in: ReceiveWindow;
  /** Our side: eof()/close() asked for (they leave once queued data is out), and actually sent. */
  eofQueued = false;
  eofSent = false;
  closeQueued = false;
  closeSent = false;
  peerEof = false;
  /** want_reply requests we sent that are unanswered, and the peer's that we have not answered. */
  ourRequests = 0;
  peerRequests = 0;
  /** Set when write() had to queue; a 'writable' event is owed when the queue drains. */
  writableArmed = false;

  constructor(
    readonly id: number,
    public peerId: number,
    public phase: Phase,
    window: { window: number; maxPacket: number },
    maxSendPacket: number,
    private readonly send: SendPayload,
  ) {
    this.out = new SendQueue(maxSendPacket);
    this.in = new ReceiveWindow(window.window, window.maxPacket);
  }

  write(data: Uint8Array, dataType: number | undefined, writableThreshold: number): void {
    this.out.write(data, dataType, this.emitData);
    if (this.out.bufferedAmount > writableThreshold) this.writableArmed = true;
  }

  /**
   * Sends queued data the window allows, then a requested EOF and CLOSE once nothing is queued. Returns the
   * queued amount when a 'writable' event is owed, else undefined.
   */
  settle(writableThreshold: number): number | undefined {
    if (this.phase !== 'open' || this.closeSent) return undefined;
    this.out.flush(this.emitData);
    const queued = this.out.bufferedAmount;
    if (queued === 0 && this.eofQueued && !this.eofSent) {
      this.eofSent = true;
      this.send(m.encodeChannelEof(this.peerId));
    }
    if (queued === 0 && this.closeQueued) {
      this.closeSent = true;
      this.send(m.encodeChannelClose(this.peerId));
      return undefined;
    }
    // After eof() or close() nothing more can be written, so there is nobody to wake.
    if (!this.writableArmed || queued > writableThreshold || this.eofQueued || this.closeQueued)
      return undefined;
    this.writableArmed = false;
    return queued;
  }

  /** Sends a WINDOW_ADJUST unless pointless (the peer sent EOF) or forbidden (we sent CLOSE, §5.3). */
  adjust(bytes: number): void {
    if (bytes > 0 && this.phase === 'open' && !this.peerEof && !this.closeSent) {
      this.send(m.encodeChannelWindowAdjust(this.peerId, bytes));
    }
  }

  /** The peer sent CLOSE: answer once, with nothing before it (queued data is dropped, the peer is gone). */
  answerClose(): void {
    this.out.clear();
    if (!this.closeSent) {
      this.closeSent = true;
      this.send(m.encodeChannelClose(this.peerId));
    }
  }

  private readonly emitData = (data: Uint8Array, dataType: number | undefined): void => {
    // Header and data go separately: the data is copied once, by the transport into the packet.
    const head =
      dataType === undefined
        ? m.encodeChannelDataHeader(this.peerId, data.length)
        : m.encodeChannelExtendedDataHeader(this.peerId, dataType, data.length);
    this.send(head, data);
  };
}
