/**
 * Everything a channel can receive, as one discriminated union (RFC 4254 §5-6): data, extended data,
 * EOF, CLOSE, each request kind (decoded), exit status and signal lifted out for convenience, replies to our
 * own requests, and window news for senders.
 */
import type { ChannelRequest } from '../../channel/channel-requests.js';
import type { SshError } from '../../errors.js';

/** A request from the peer. With `wantReply`, answer with `reply(ok)` while handling it, or `defer()` it. */
export interface IncomingRequest {
  type: 'request';
  request: ChannelRequest;
  wantReply: boolean;
  reply(ok: boolean): void;
  defer(): void;
}

export type ChannelMsg =
  | { type: 'data'; data: Uint8Array }
  /** RFC 4254 §5.2: dataType 1 is stderr. */
  | { type: 'extended-data'; dataType: number; data: Uint8Array }
  | { type: 'eof' }
  /**
   * The channel is over. With `error`, the connection ended before the channel's CLOSE exchange, so the output
   * may be cut short: a reason to report, not a normal end. (Subscribers still complete, never error, so a
   * handler without an error callback cannot crash the process when a peer vanishes.)
   */
  | { type: 'close'; error?: SshError }
  | IncomingRequest
  /** RFC 4254 §6.10: the remote command's exit status. */
  | { type: 'exit-status'; code: number }
  /** RFC 4254 §6.10: the remote command was killed by a signal (name without "SIG"). */
  | { type: 'exit-signal'; signal: string; coreDumped: boolean; message: string }
  /** The answer to one of our want_reply requests, in order. */
  | { type: 'success' }
  | { type: 'failure' }
  /** Our queued output drained: a sender holding back may write again. */
  | { type: 'writable'; bufferedAmount: number };

export const STDERR = 1;
