/** What the channel multiplexer reports, in the order it happened (see ChannelMux.poll). */

export type ChannelEvent =
  /** The peer wants to open a channel; `id` is ours, already allocated. Answer with acceptOpen/rejectOpen. */
  | {
      type: 'open-request';
      id: number;
      channelType: string;
      data: Uint8Array;
      peerWindow: number;
      peerMaxPacket: number;
    }
  /** Our open() was confirmed. */
  | { type: 'open-confirmed'; id: number; data: Uint8Array; peerWindow: number; peerMaxPacket: number }
  /** Our open() was refused (RFC 4254 §5.1 reason code). The id is freed; no 'close' follows. */
  | { type: 'open-failed'; id: number; reason: number; description: string }
  /** Call consumed(id, data.length) once the bytes are used: that, and only that, refills the window. */
  | { type: 'data'; id: number; data: Uint8Array }
  /** dataType 1 is stderr (RFC 4254 §5.2); other types are dropped and never reported. */
  | { type: 'extended-data'; id: number; dataType: number; data: Uint8Array }
  | { type: 'eof'; id: number }
  /** Emitted once, when both CLOSEs have crossed; the id is free (and may be reused) from then on. */
  | { type: 'close'; id: number }
  /** With wantReply, answer with reply(id, ok); answers go in the order the requests came. */
  | { type: 'request'; id: number; requestType: string; wantReply: boolean; data: Uint8Array }
  /** The peer's answer to our oldest unanswered want_reply request. */
  | { type: 'reply'; id: number; ok: boolean }
  /** Data that waited for window has been sent, down to the writable threshold. */
  | { type: 'writable'; id: number; bufferedAmount: number };
