/**
 * A channel as a Subject-like pipe, in the manner of RxJS's WebSocketSubject: `next(bytes)` sends data,
 * `complete()` sends EOF, `error()` closes it, and subscribing receives its `ChannelMsg`s. Messages that arrive
 * before the first subscriber are held (bounded by the channel window, which is only refilled as messages are
 * delivered). When the last subscriber leaves, the channel is closed.
 *
 * Flow control: by default data counts as consumed once every subscriber's `next` has returned, so a slow
 * synchronous consumer slows its own sender and no other channel. With `manualConsume`, the application
 * calls `consume(n)` itself (the Node Duplex adapter does this when its reader has taken the bytes).
 */
import { Observable, type Observer, Subject, type Subscriber } from 'rxjs';
import type { ChannelMux } from '../../channel/channel-mux.js';
import {
  type ChannelRequest,
  channelRequestName,
  encodeChannelRequest,
} from '../../channel/channel-requests.js';
import { utf8 } from '../../crypto/bytes.js';
import { ChannelClosedError, type SshError, UsageError } from '../../errors.js';
import type { ChannelMsg } from './channel-msg.js';

/**
 * The reactive side learns of a close one event after the multiplexer did, so a command may name a channel the
 * multiplexer already retired; such a command has nothing left to do. Ids are never reused soon (see
 * ChannelMux.allocateId), so it cannot reach another channel.
 */
function ignoreRetired(command: (mux: ChannelMux) => void): (mux: ChannelMux) => void {
  return (mux) => {
    try {
      command(mux);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
    }
  };
}

export interface ChannelHost {
  /** Runs a command against the multiplexer and flushes what it produced. */
  channels(command: (mux: ChannelMux) => void): void;
}

export class Channel extends Observable<ChannelMsg> implements Observer<Uint8Array | string> {
  /** Sends extended data type 1 (stderr), RFC 4254 §5.2. */
  readonly stderr: Observer<Uint8Array | string>;
  manualConsume = false;
  private readonly subject = new Subject<ChannelMsg>();
  private held: { msg: ChannelMsg; after?: () => void }[] | undefined = [];
  private subscribers = 0;
  private closedLocally = false;
  private ended = false;
  private readonly pendingReplies: ((ok: boolean) => void)[] = [];
  private readonly endHooks: ((error?: SshError) => void)[] = [];
  private failure?: SshError;
  private readonly peerRequests: { ok?: boolean }[] = [];

  constructor(
    private readonly host: ChannelHost,
    readonly id: number,
    readonly channelType: string,
    /** Type-specific data of the open (e.g. a forwarded-tcpip's addresses), decoded by the opener. */
    readonly openData: Uint8Array = new Uint8Array(0),
  ) {
    super((subscriber) => this.attach(subscriber));
    this.stderr = {
      next: (d) => this.write(d, 1),
      error: () => this.close(),
      complete: () => undefined,
    };
  }

  get closed(): boolean {
    return this.ended;
  }

  next(data: Uint8Array | string): void {
    this.write(data);
  }

  /** Sends EOF (RFC 4254 §5.3): we send no more data; the peer may still send. */
  complete(): void {
    if (!this.ended && !this.closedLocally) this.host.channels(ignoreRetired((m) => m.eof(this.id)));
  }

  error(_err: unknown): void {
    this.close();
  }

  /** Sends CLOSE (RFC 4254 §5.3). The channel ends once the peer's CLOSE arrives. */
  close(): void {
    if (this.ended || this.closedLocally) return;
    this.closedLocally = true;
    this.host.channels(ignoreRetired((m) => m.close(this.id)));
  }

  /** Bytes written but not yet sent because the peer's window is full. */
  get bufferedAmount(): number {
    let n = 0;
    if (!this.ended) this.host.channels(ignoreRetired((m) => (n = m.bufferedAmount(this.id))));
    return n;
  }

  /** Marks `n` received bytes as consumed, refilling the peer's window (only with `manualConsume`). */
  consume(n: number): void {
    if (!this.ended && n > 0) this.host.channels(ignoreRetired((m) => m.consumed(this.id, n)));
  }

  /** Sends a channel request (RFC 4254 §6); with `wantReply` the observable emits the peer's answer. */
  request(req: ChannelRequest, wantReply = true): Observable<boolean> {
    return new Observable<boolean>((subscriber) => {
      if (this.ended) {
        subscriber.error(new ChannelClosedError());
        return;
      }
      if (wantReply) {
        this.pendingReplies.push((ok) => {
          subscriber.next(ok);
          subscriber.complete();
        });
      }
      this.host.channels((m) =>
        m.request(this.id, channelRequestName(req), wantReply, encodeChannelRequest(req)),
      );
      if (!wantReply) {
        subscriber.next(true);
        subscriber.complete();
      }
    });
  }

  // ---- called by the connection ------------------------------------------------------------------------

  /**
   * Delivers one message from the multiplexer; `after` runs once subscribers have seen it (a request that
   * nobody answered is refused then, not while it waits for the first subscriber).
   */
  deliver(msg: ChannelMsg, after?: () => void): void {
    if (msg.type === 'success' || msg.type === 'failure') {
      this.pendingReplies.shift()?.(msg.type === 'success');
    }
    if (this.held) {
      this.held.push({ msg, after });
      return;
    }
    this.release(msg, after);
  }

  private release(msg: ChannelMsg, after?: () => void): void {
    this.subject.next(msg);
    after?.();
    const n = msg.type === 'data' || msg.type === 'extended-data' ? msg.data.length : 0;
    if (n > 0 && !this.manualConsume) this.consume(n);
  }

  /** The channel is fully closed (both CLOSEs); completes every subscriber. */
  /**
   * The channel is over: after both CLOSEs, or with `error` when the connection ended first (then the final
   * `close` message carries the error, so a cut connection never looks like a command that finished).
   */
  end(error?: SshError): void {
    if (this.ended) return;
    this.deliver(error ? { type: 'close', error } : { type: 'close' });
    this.ended = true;
    this.failure = error;
    for (const r of this.pendingReplies.splice(0)) r(false);
    if (!this.held) this.subject.complete();
    for (const hook of this.endHooks.splice(0)) hook(error);
  }

  /**
   * Reserves the reply to the peer's next want_reply request. Answers are sent strictly in request order
   * (RFC 4254 §5.4): an early answer waits for the ones before it.
   */
  replySlot(): (ok: boolean) => void {
    const slot: { ok?: boolean } = {};
    this.peerRequests.push(slot);
    return (ok) => {
      if (slot.ok !== undefined) return;
      slot.ok = ok;
      const ready: boolean[] = [];
      while (this.peerRequests.length && this.peerRequests[0].ok !== undefined)
        ready.push(this.peerRequests.shift()!.ok!);
      // After the channel ended its id may belong to another channel: late answers go nowhere.
      if (ready.length && !this.ended)
        this.host.channels(
          ignoreRetired((m) => {
            for (const r of ready) m.reply(this.id, r);
          }),
        );
    };
  }

  /** Runs `hook` once the channel has fully closed (without subscribing, so held messages stay held). */
  onEnd(hook: (error?: SshError) => void): void {
    if (this.ended) hook(this.failure);
    else this.endHooks.push(hook);
  }

  private attach(subscriber: Subscriber<ChannelMsg>): () => void {
    this.subscribers++;
    const sub = this.subject.subscribe(subscriber);
    const held = this.held;
    if (held) {
      this.held = undefined;
      for (const { msg, after } of held) this.release(msg, after);
      if (this.ended) this.subject.complete();
    }
    return () => {
      sub.unsubscribe();
      if (--this.subscribers === 0) this.close();
    };
  }

  private write(data: Uint8Array | string, dataType?: number): void {
    if (this.ended || this.closedLocally) return;
    const bytes = typeof data === 'string' ? utf8(data) : data;
    if (bytes.length > 0) this.host.channels(ignoreRetired((m) => m.write(this.id, bytes, dataType)));
  }
}
