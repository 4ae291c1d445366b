/**
 * A channel's data stream as a ByteIO, so anything that speaks over a byte pipe can speak over an SSH channel:
 * an AgentClient over a forwarded `auth-agent@openssh.com` channel (OpenSSH PROTOCOL.agent), or a nested SSH
 * connection over a `direct-tcpip` channel. Only channel data (RFC 4254 §5.2) is carried; extended data is
 * dropped, EOF or CLOSE completes `input`.
 *
 * @example
 * conn.openChannel('auth-agent@openssh.com').pipe(map((ch) => new AgentClient(channelByteIO(ch))))
 */
import { filter, map, Subject, share, takeWhile, tap } from 'rxjs';
import type { Channel } from '../connection/channels/channel.js';
import type { ByteIO } from './byte-io.js';

/** Outgoing bytes queued in the channel (waiting for the peer's window) above which `write` says "full". */
const HIGH_WATER = 1 << 20;

/**
 * Subscribing to `input` subscribes to the channel (once, shared); unsubscribing the last input subscriber
 * closes the channel, as does `end()` (after EOF and the queued data). `drained` is fed by that same
 * subscription: a second subscriber of its own could take messages the channel held for the first.
 */
export function channelByteIO(channel: Channel): ByteIO {
  const drained = new Subject<void>();
  const input = channel.pipe(
    tap((msg) => {
      if (msg.type === 'writable' && msg.bufferedAmount < HIGH_WATER) drained.next();
    }),
    takeWhile((msg) => msg.type !== 'eof' && msg.type !== 'close'),
    filter((msg) => msg.type === 'data'),
    map((msg) => (msg as { data: Uint8Array }).data.slice()),
    share(),
  );
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
    },
  };
}
