/**
 * A channel's data stream as a ByteIO, so anything that speaks over a byte pipe can speak over an SSH channel:
 * an AgentClient over a forwarded `auth-agent@openssh.com` channel (OpenSSH PROTOCOL.agent), or a nested SSH
 * connection over a `direct-tcpip` channel. Only channel data (RFC 4254 §5.2) is carried; extended data is
 * dropped; EOF or CLOSE completes `input`.
 *
 * @example
 * conn.openChannel('auth-agent@openssh.com').pipe(map((ch) => new AgentClient(channelByteIO(ch))))
 */
import { Observable, Subject, type Subscription, share } from 'rxjs';
import type { Channel } from '../connection/channels/channel.js';
import type { ByteIO } from './byte-io.js';

/** Outgoing bytes queued in the channel (waiting for the peer's window) above which `write` says "full". */
const HIGH_WATER = 1 << 20;

/**
 * Subscribing to `input` subscribes to the channel. The peer's EOF or CLOSE completes `input` but keeps the
 * channel open for our writes (a half-close, RFC 4254 §5.3): `end()` closes it, after EOF and the queued data.
 * Unsubscribing `input` before it completed closes the channel too. `drained` is fed by the same subscription:
 * a second subscriber of its own could take messages the channel held for the first.
 */
export function channelByteIO(channel: Channel): ByteIO {
  const drained = new Subject<void>();
  let kept: Subscription | undefined;
  const input = new Observable<Uint8Array>((subscriber) => {
    let ended = false;
    const sub = channel.subscribe({
      next: (msg) => {
        if (msg.type === 'writable' && msg.bufferedAmount < HIGH_WATER) drained.next();
        // Copy: the bytes are a view into a packet buffer that will be reused.
        else if (msg.type === 'data') subscriber.next(msg.data.slice());
        else if (msg.type === 'eof' || msg.type === 'close') {
          ended = true;
          subscriber.complete();
        }
      },
      complete: () => {
        ended = true;
        subscriber.complete();
      },
      // The connection ended under the channel: the byte stream failed, it did not end.
      error: (err: unknown) => {
        ended = true;
        subscriber.error(err);
      },
    });
    return () => {
      if (ended) kept = sub;
      else sub.unsubscribe();
    };
  }).pipe(share());
  return {
    input,
    drained: drained.asObservable(),
    write(bytes) {
      channel.next(bytes);
      return channel.bufferedAmount < HIGH_WATER;
    },
    end() {
      // RFC 4254 §5.3: EOF says we are done sending; CLOSE follows once the queued data is out.
      channel.complete();
      channel.close();
      kept?.unsubscribe();
    },
  };
}
