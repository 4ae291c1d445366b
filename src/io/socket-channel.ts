/**
 * Joins a TCP socket and a forwarding channel (RFC 4254 §7.1-7.2) in both directions, with backpressure
 * (the channel window is refilled only as the socket takes bytes, and socket reads pause while the channel's
 * queue is long). Half-close travels both ways (RFC 4254 §5.3): the socket's FIN becomes a channel EOF, the
 * channel's EOF becomes a FIN, and the other direction keeps flowing until it ends too.
 *
 * @example
 * conn.openChannel('direct-tcpip', data).pipe(switchMap((ch) => pipeSocketChannel(socket, ch))).subscribe();
 */
import type { Socket } from 'node:net';
import { pipeline, type Transform } from 'node:stream';
import { Observable } from 'rxjs';
import type { Channel } from '../connection/channels/channel.js';
import { channelDuplex } from './channel-duplex.js';

/**
 * Completes when both directions are over (or either side failed), after sending CLOSE. Unsubscribing
 * destroys the socket and closes the channel.
 *
 * An optional `gate` sits between the channel and the socket (X11 forwarding checks its setup message there):
 * the gate's own error is a verdict on what the peer sent, so it ends both sides and becomes this
 * observable's error.
 */
export function pipeSocketChannel(socket: Socket, channel: Channel, gate?: Transform): Observable<never> {
  return new Observable<never>((subscriber) => {
    // A forwarding channel has no exit status: its EOF ends the incoming stream.
    const duplex = channelDuplex(channel, { endAfterExit: false });
    let refusal: Error | undefined;
    // Registered before the pipelines', so the verdict is known before they tear the other streams down.
    gate?.once('error', (e) => {
      refusal = e;
    });
    let open = 2;
    const directionDone = (err: Error | null | undefined) => {
      if (subscriber.closed) return;
      if (err) {
        socket.destroy();
        duplex.destroy();
        channel.close();
        // Only the gate's verdict is news; a reset of either side is an ordinary end.
        if (refusal) subscriber.error(refusal);
        else subscriber.complete();
        return;
      }
      if (--open === 0) {
        channel.close();
        subscriber.complete();
      }
    };
    // socket → channel: the socket's FIN ends the duplex, whose final() sends EOF.
    pipeline(socket, duplex, directionDone);
    // channel → socket: the channel's EOF (or its end) ends the socket's writable side with a FIN.
    if (gate) pipeline(duplex, gate, socket, directionDone);
    else pipeline(duplex, socket, directionDone);
    // A channel closed by the peer delivers no more; once our last bytes reach the socket, stop reading it.
    channel.onEnd(() => {
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
    });
    return () => {
      socket.destroy();
      duplex.destroy();
      channel.close();
    };
  });
}
