/**
 * A server session's channel as the stdio of a child process: `channelInput` is what the client types or
 * pipes (ending at its EOF, RFC 4254 §5.3), `channelOutput` writes data or extended data (stderr, type 1,
 * §5.2) and waits while the channel's queue is long, so a fast child slows down to the client's pace.
 * Neither sends EOF: the session sends exit-status first (§6.10), then EOF and CLOSE.
 */
import { type Readable, Writable } from 'node:stream';
import type { Channel } from '../../src/connection/channels/channel.js';
import { channelDuplex } from '../../src/io/channel-duplex.js';

/** Outgoing bytes queued in the channel above which writes wait for its `writable` message. */
const HIGH_WATER = 1 << 20;

/** What the client sends on the channel, with the window refilled as it is read. */
export function channelInput(channel: Channel): Readable {
  // A server's session input ends at the client's EOF (there is no exit status on this side).
  return channelDuplex(channel, { endAfterExit: false });
}

/** A Writable into the channel's data (or extended data `dataType`), with backpressure. */
export function channelOutput(channel: Channel, dataType?: 1): Writable {
  let waiting: (() => void) | undefined;
  channel.subscribe({
    next: (msg) => {
      if (msg.type !== 'writable') return;
      const w = waiting;
      waiting = undefined;
      w?.();
    },
    complete: () => waiting?.(),
    // The connection was lost: nothing more can be sent, so let the writer finish rather than wait forever.
    error: () => waiting?.(),
  });
  const send = dataType === 1 ? channel.stderr : channel;
  return new Writable({
    write(chunk: Buffer, _enc, callback) {
      send.next(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (channel.closed || channel.bufferedAmount < HIGH_WATER) callback();
      else waiting = () => callback();
    },
  });
}
