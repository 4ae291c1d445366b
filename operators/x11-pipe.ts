/**
 * Joins a forwarded `x11` channel (RFC 4254 §6.3.2) to the local X display the way src/io/socket-channel.ts
 * joins a TCP forward (it does the piping), with one step more: the first bytes from the channel must be an
 * X11 setup message carrying our fake cookie, which is replaced with the real one before anything reaches the
 * display (ssh(1) does the same in channels.c). A mismatch or malformed setup ends both sides; nothing of it
 * is passed on.
 */
import type { Socket } from 'node:net';
import { Transform } from 'node:stream';
import { defer, type Observable } from 'rxjs';
import type { Channel } from '../src/connection/channels/channel.js';
import { concatBytes } from '../src/crypto/bytes.js';
import { pipeSocketChannel } from '../src/io/socket-channel.js';
import { swapX11Cookie, type X11CookieSwap } from './x11-setup.js';

/** A Transform that holds bytes until the setup message is complete, checks it, then passes everything on. */
export function x11SetupGate(swap: X11CookieSwap): Transform {
  let held: Uint8Array | undefined = new Uint8Array(0);
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      if (!held) return callback(null, chunk);
      held = concatBytes(held, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      let verdict: ReturnType<typeof swapX11Cookie>;
      try {
        verdict = swapX11Cookie(held, swap);
      } catch (e) {
        held = undefined;
        return callback(e as Error);
      }
      if (!verdict.done) return callback();
      const rest = held.subarray(verdict.length);
      held = undefined;
      this.push(Buffer.from(verdict.setup));
      callback(null, rest.length ? Buffer.from(rest) : undefined);
    },
    flush(callback) {
      // The peer ended before a whole setup message: nothing is passed on.
      held = undefined;
      callback();
    },
  });
}

/**
 * Completes when both directions are over; errors (after closing both sides) when the setup is refused.
 * Unsubscribing destroys the socket and closes the channel.
 */
export function pipeX11Channel(socket: Socket, channel: Channel, swap: X11CookieSwap): Observable<never> {
  // A gate holds state, so each subscription gets its own.
  return defer(() => pipeSocketChannel(socket, channel, x11SetupGate(swap)));
}
