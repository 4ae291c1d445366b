/**
 * The connection's channels as RxJS sees them: opening ours (cold: open on subscribe, close on unsubscribe),
 * offering the peer's opens to the application, and routing each multiplexer event to its Channel.
 */
import { Observable, Subject } from 'rxjs';
import type { ChannelEvent } from '../../channel/channel-mux.js';
import type { ChannelRequest } from '../../channel/channel-requests.js';
import { ChannelClosedError, ChannelOpenError, type SshError, UsageError } from '../../errors.js';
import { ChannelOpenFailure } from '../../wire/connection-messages.js';
import { Answerable } from './answerable.js';
import { Channel, type ChannelHost } from './channel.js';
import type { ChannelMsg } from './channel-msg.js';

export interface ChannelOptions {
  window?: number;
  maxPacket?: number;
}

/** A channel the peer wants to open. Accept or reject it while it is delivered, or `defer()` and answer later. */
export interface IncomingChannel {
  readonly channelType: string;
  /** Type-specific data (RFC 4254 §5.1), e.g. the target of a direct-tcpip open. */
  readonly data: Uint8Array;
  readonly peerWindow: number;
  readonly peerMaxPacket: number;
  accept(opts?: ChannelOptions & { data?: Uint8Array }): Channel;
  reject(reason?: number, description?: string): void;
  defer(): void;
}

type Opening = { channelType: string; resolve(ch: Channel): void; reject(err: SshError): void };

export class ChannelTable {
  readonly incoming = new Subject<IncomingChannel>();
  readonly messages = new Subject<{ channel: Channel; msg: ChannelMsg }>();
  private readonly live = new Map<number, Channel>();
  private readonly opening = new Map<number, Opening>();

  constructor(private readonly host: ChannelHost) {}

  get count(): number {
    return this.live.size;
  }

  open(channelType: string, data?: Uint8Array, opts?: ChannelOptions): Observable<Channel> {
    return new Observable<Channel>((subscriber) => {
      let id = -1;
      let channel: Channel | undefined;
      this.host.channels((m) => {
        id = m.open(channelType, data, opts);
      });
      if (id < 0) {
        subscriber.error(new ChannelClosedError('connection closed'));
        return;
      }
      this.opening.set(id, {
        channelType,
        resolve: (ch) => {
          channel = ch;
          subscriber.next(ch);
          ch.onEnd((err) => (err ? subscriber.error(err) : subscriber.complete()));
        },
        reject: (err) => subscriber.error(err),
      });
      return () => {
        this.opening.delete(id);
        channel?.close();
      };
    });
  }

  handle(e: ChannelEvent, request?: ChannelRequest): void {
    switch (e.type) {
      case 'open-request':
        return this.offer(e);
      case 'open-confirmed': {
        const pending = this.opening.get(e.id);
        const ch = new Channel(this.host, e.id, pending?.channelType ?? '', e.data);
        this.live.set(e.id, ch);
        this.opening.delete(e.id);
        if (pending) pending.resolve(ch);
        else ch.close(); // the opener went away meanwhile
        return;
      }
      case 'open-failed': {
        const pending = this.opening.get(e.id);
        this.opening.delete(e.id);
        pending?.reject(new ChannelOpenError(e.reason, e.description));
        return;
      }
      case 'close': {
        const ch = this.live.get(e.id);
        this.live.delete(e.id);
        if (ch) this.emit(ch, { type: 'close' });
        ch?.end();
        return;
      }
      case 'request': {
        const ch = this.live.get(e.id);
        if (ch && request) this.request(ch, request, e.wantReply);
        return;
      }
      default:
        return this.route(e);
    }
  }

  /** The connection ended: every channel and every pending open ends with it. */
  closeAll(cause?: SshError): void {
    const error = cause ?? new ChannelClosedError('connection closed before the channel was closed');
    for (const p of this.opening.values()) p.reject(error);
    this.opening.clear();
    for (const ch of this.live.values()) ch.end(error);
    this.live.clear();
    this.incoming.complete();
    this.messages.complete();
  }

  private route(
    e: Exclude<ChannelEvent, { type: 'open-request' | 'open-confirmed' | 'open-failed' | 'close' }>,
  ): void {
    const ch = this.live.get(e.id);
    if (!ch) return;
    switch (e.type) {
      case 'data':
        return this.deliver(ch, { type: 'data', data: e.data });
      case 'extended-data':
        return this.deliver(ch, { type: 'extended-data', dataType: e.dataType, data: e.data });
      case 'eof':
        return this.deliver(ch, { type: 'eof' });
      case 'reply':
        return this.deliver(ch, { type: e.ok ? 'success' : 'failure' });
      case 'writable':
        return this.deliver(ch, { type: 'writable', bufferedAmount: e.bufferedAmount });
    }
  }

  private request(ch: Channel, request: ChannelRequest, wantReply: boolean): void {
    // RFC 4254 §5.4: replies go in request order, whatever order the application answers in.
    const slot = wantReply ? ch.replySlot() : undefined;
    const answer = new Answerable<boolean>((ok) => slot?.(ok));
    if (request.type === 'exit-status') {
      this.deliver(ch, { type: 'exit-status', code: request.status });
    } else if (request.type === 'exit-signal') {
      this.deliver(ch, {
        type: 'exit-signal',
        signal: request.signal,
        coreDumped: request.coreDumped,
        message: request.message,
      });
    }
    this.deliver(
      ch,
      { type: 'request', request, wantReply, reply: (ok) => answer.settle(ok), defer: () => answer.defer() },
      () => answer.finish(false),
    );
  }

  private offer(e: Extract<ChannelEvent, { type: 'open-request' }>): void {
    const answer = new Answerable<
      | { ok: true; opts?: ChannelOptions & { data?: Uint8Array } }
      | { ok: false; reason: number; description: string }
    >((a) => {
      if (a.ok) this.host.channels((m) => m.acceptOpen(e.id, a.opts));
      else this.host.channels((m) => m.rejectOpen(e.id, a.reason, a.description));
    });
    let channel: Channel | undefined;
    const incoming: IncomingChannel = {
      channelType: e.channelType,
      data: e.data,
      peerWindow: e.peerWindow,
      peerMaxPacket: e.peerMaxPacket,
      accept: (opts) => {
        if (!channel) {
          if (answer.answered) throw new UsageError(`${e.channelType} open was already answered`);
          channel = new Channel(this.host, e.id, e.channelType, e.data);
          this.live.set(e.id, channel);
          answer.settle({ ok: true, opts });
        }
        return channel;
      },
      reject: (reason = ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED, description = 'refused') =>
        answer.settle({ ok: false, reason, description }),
      defer: () => answer.defer(),
    };
    this.incoming.next(incoming);
    answer.finish({
      ok: false,
      reason: ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED,
      description: `${e.channelType} channels are not accepted`,
    });
  }

  private deliver(ch: Channel, msg: ChannelMsg, after?: () => void): void {
    this.emit(ch, msg);
    ch.deliver(msg, after);
  }

  private emit(ch: Channel, msg: ChannelMsg): void {
    if (this.messages.observed) this.messages.next({ channel: ch, msg });
  }
}
