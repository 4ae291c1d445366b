/**
 * A channel as a Node `Duplex`, with backpressure both ways: the peer's window is refilled only when the
 * reader has taken the bytes (push() said yes, or _read asked for more), and writes call back only once the
 * channel's outgoing queue is short, so `pipe()` and `stream.pipeline()` slow the right side down.
 *
 * stderr arrives on `duplex.stderr` (a Readable), and the exit status or signal as an `exit` event
 * (`code`, `signal`) emitted before `end`, so no API shape loses them.
 */
import { Duplex, PassThrough } from 'node:stream';
import type { Channel } from '../connection/channels/channel.js';

/** Outgoing bytes queued in the channel above which writes wait for the `writable` message. */
const HIGH_WATER = 1 << 20;

export interface ChannelDuplex extends Duplex {
  readonly stderr: PassThrough;
  readonly channel: Channel;
}

/**
 * `endAfterExit` holds 'end' after EOF until the exit status or CLOSE arrives; that is the client side of a
 * session (sshd often sends EOF first). Forwarded connections and a server's session input have no exit
 * status, so for them EOF ends the stream (the default unless the channel is a client's session).
 */
export function channelDuplex(channel: Channel, opts: { endAfterExit?: boolean } = {}): ChannelDuplex {
  const endAfterExit = opts.endAfterExit ?? channel.channelType === 'session';
  channel.manualConsume = true;
  let unconsumed = 0;
  let paused = false;
  let eofSeen = false;
  let exited = false;
  let readableEnded = false;
  const endReadable = () => {
    if (readableEnded) return;
    readableEnded = true;
    duplex.push(null);
    if (!stderr.writableEnded) stderr.end();
  };
  let waitingWrite: (() => void) | undefined;
  const stderr = new PassThrough();

  const duplex = new Duplex({
    allowHalfOpen: true,
    read() {
      paused = false;
      if (unconsumed > 0) {
        const n = unconsumed;
        unconsumed = 0;
        channel.consume(n);
      }
    },
    write(chunk: Buffer, _enc, callback) {
      channel.next(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (channel.bufferedAmount < HIGH_WATER) callback();
      else waitingWrite = () => callback();
    },
    final(callback) {
      channel.complete();
      callback();
    },
    destroy(err, callback) {
      // After a clean end (the peer's EOF was read) the peer is about to send its exit status and CLOSE; closing
      // now would drop them. The channel then ends on the peer's CLOSE, which we answer.
      if (err || !eofSeen) channel.close();
      callback(err);
    },
  }) as ChannelDuplex;
  Object.assign(duplex, { stderr, channel });

  channel.subscribe({
    next: (msg) => {
      switch (msg.type) {
        case 'data':
          {
            // Copy: the bytes are a view into a packet buffer that will be reused. Always hand them over;
            // while the reader is behind, only the window refill waits (for _read).
            const accepted = duplex.push(Buffer.from(msg.data));
            if (paused || !accepted) {
              paused = true;
              unconsumed += msg.data.length;
            } else {
              channel.consume(msg.data.length);
            }
          }
          return;
        case 'extended-data':
          if (msg.dataType === 1) stderr.write(Buffer.from(msg.data));
          channel.consume(msg.data.length);
          return;
        case 'exit-status':
        case 'exit-signal':
          exited = true;
          if (msg.type === 'exit-status') duplex.emit('exit', msg.code, null);
          else duplex.emit('exit', null, msg.signal);
          if (eofSeen) endReadable();
          return;
        case 'eof':
          // sshd often sends EOF before the exit status; 'end' waits for it (or for CLOSE), so 'exit' comes first.
          eofSeen = true;
          if (exited || !endAfterExit) endReadable();
          return;
        case 'close':
          // The connection ended before the channel closed: the stream fails, so a cut transfer never looks
          // complete. (No error on stderr: nobody may be listening there; the duplex carries it.)
          if (msg.error) {
            waitingWrite = undefined;
            stderr.destroy();
            duplex.destroy(msg.error);
          }
          return;
        case 'writable': {
          const w = waitingWrite;
          waitingWrite = undefined;
          w?.();
          return;
        }
      }
    },
    complete: () => {
      endReadable();
      waitingWrite?.();
    },
  });
  return duplex;
}
