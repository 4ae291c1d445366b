/**
 * Two channel multiplexers back to back: what A sends is queued for B and the other way round, delivered
 * one message at a time by a bounded driver (a livelock fails instead of hanging). Every payload sent and
 * every event polled is logged, so tests can check exact packetisation and ordering.
 */
import type { ChannelEvent, ChannelMuxOptions } from '../../src/channel/channel-mux.js';
import { ChannelMux } from '../../src/channel/channel-mux.js';
import { MSG } from '../../src/wire/message-numbers.js';

export type Side = 'a' | 'b';

export class MuxEnd {
  readonly mux: ChannelMux;
  /** Payloads this end sent, in order. */
  readonly sent: Uint8Array[] = [];
  /** Payloads sent and not yet delivered to the other end. */
  readonly inFlight: Uint8Array[] = [];
  readonly events: ChannelEvent[] = [];
  /** Consume data as soon as it is polled, except on these ids. */
  autoConsume = false;
  readonly hold = new Set<number>();
  /** Accept every open request with these options; undefined leaves them to the test. */
  autoAccept: { window?: number; maxPacket?: number } | undefined;
  /** Data received per channel id (concatenated DATA, then stderr separately). */
  readonly received = new Map<number, number[]>();

  constructor(options: Omit<ChannelMuxOptions, 'send'> = {}) {
    this.mux = new ChannelMux({
      ...options,
      send: (p) => {
        this.sent.push(p);
        this.inFlight.push(p);
      },
    });
  }

  /** Polls every event, applying auto-accept and auto-consume. */
  drain(): ChannelEvent[] {
    const out: ChannelEvent[] = [];
    for (let e = this.mux.poll(); e; e = this.mux.poll()) {
      out.push(e);
      this.events.push(e);
      if (e.type === 'open-request' && this.autoAccept) this.mux.acceptOpen(e.id, this.autoAccept);
      if (e.type === 'data') {
        const list = this.received.get(e.id) ?? [];
        for (const b of e.data) list.push(b);
        this.received.set(e.id, list);
        if (this.autoConsume && !this.hold.has(e.id)) this.mux.consumed(e.id, e.data.length);
      }
      if (e.type === 'close') this.received.delete(e.id);
    }
    return out;
  }

  /** Message numbers of what this end sent, from `from`. */
  sentTypes(from = 0): number[] {
    return this.sent.slice(from).map((p) => p[0]);
  }

  /** Data lengths of the DATA packets this end sent, from `from`. */
  dataSizes(from = 0): number[] {
    return this.sent
      .slice(from)
      .filter((p) => p[0] === MSG.CHANNEL_DATA || p[0] === MSG.CHANNEL_EXTENDED_DATA)
      .map((p) => p.length - (p[0] === MSG.CHANNEL_DATA ? 9 : 13));
  }

  eventsOf<T extends ChannelEvent['type']>(type: T): Extract<ChannelEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ChannelEvent, { type: T }> => e.type === type);
  }
}

export class MuxPair {
  readonly a: MuxEnd;
  readonly b: MuxEnd;

  constructor(optsA: Omit<ChannelMuxOptions, 'send'> = {}, optsB: Omit<ChannelMuxOptions, 'send'> = optsA) {
    this.a = new MuxEnd(optsA);
    this.b = new MuxEnd(optsB);
  }

  end(side: Side): MuxEnd {
    return side === 'a' ? this.a : this.b;
  }

  other(side: Side): MuxEnd {
    return side === 'a' ? this.b : this.a;
  }

  /** Delivers the oldest message `from` sent to the other end (then drains its events). False if none. */
  deliverOne(from: Side): boolean {
    const src = this.end(from);
    const dst = this.other(from);
    const p = src.inFlight.shift();
    if (!p) return false;
    dst.mux.receive(p);
    dst.drain();
    return true;
  }

  /** Delivers both ways, alternating, until nothing is in flight; fails after `maxSteps` messages. */
  run(maxSteps = 1_000_000): void {
    this.a.drain();
    this.b.drain();
    for (let step = 0; step < maxSteps; step++) {
      const moved = this.deliverOne('a') || this.deliverOne('b');
      if (!moved) return;
    }
    throw new Error(`pair still busy after ${maxSteps} messages (livelock?)`);
  }

  /** Opens a channel from `from`, has the other end accept it with `accept`, and returns both ids. */
  openChannel(
    from: Side,
    accept: { window?: number; maxPacket?: number } = {},
    opts?: { window?: number; maxPacket?: number },
  ): { local: number; remote: number } {
    const src = this.end(from);
    const dst = this.other(from);
    const local = src.mux.open('session', undefined, opts);
    this.deliverOne(from);
    const req = dst.events.at(-1);
    if (req?.type !== 'open-request') throw new Error('no open request arrived');
    dst.mux.acceptOpen(req.id, accept);
    this.run();
    return { local, remote: req.id };
  }
}

/** `n` bytes of a recognisable sequence starting at `seed`. */
export function pattern(n: number, seed = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (seed + i) % 251;
  return out;
}
