/**
 * Model-based test: random sequences of open / write / consume / request / eof / close on both sides of a
 * multiplexer pair, with messages delivered in random-sized bursts. After every step no window is
 * negative and nothing unconsumed exceeds its window; at the end, with every reader draining, each
 * direction of each channel delivered exactly what was written (or a prefix of it when the reader closed),
 * requests were answered in order, and every channel someone closed is closed on both sides.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChannelMux } from '../../src/channel/channel-mux.js';

type Side = 'a' | 'b';
const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

interface PerSide {
  id?: number;
  window: number;
  written: number[];
  stderrWritten: number[];
  received: number[];
  stderrReceived: number[];
  unconsumed: number;
  eofCalled: boolean;
  closeCalled: boolean;
  eofSeen: number;
  closeSeen: number;
  confirmed: boolean;
  /** Sequence numbers of our want_reply requests not yet answered, and the answers we got. */
  awaiting: number[];
  replies: { seq: number; ok: boolean }[];
}

interface Logical {
  index: number;
  sides: Record<Side, PerSide>;
}

type Op =
  | {
      kind: 'open';
      side: Side;
      window: number;
      maxPacket: number;
      acceptWindow: number;
      acceptMaxPacket: number;
    }
  | { kind: 'write'; side: Side; ch: number; n: number; stderr: boolean }
  | { kind: 'consume'; side: Side; ch: number; n: number }
  | { kind: 'request'; side: Side; ch: number; wantReply: boolean }
  | { kind: 'eof' | 'close'; side: Side; ch: number }
  | { kind: 'deliver'; side: Side; count: number };

const side = fc.constantFrom<Side>('a', 'b');
const ch = fc.nat(5);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('open' as const),
    side,
    window: fc.integer({ min: 1, max: 300 }),
    maxPacket: fc.integer({ min: 1, max: 64 }),
    acceptWindow: fc.integer({ min: 1, max: 300 }),
    acceptMaxPacket: fc.integer({ min: 1, max: 64 }),
  }),
  fc.record({
    kind: fc.constant('write' as const),
    side,
    ch,
    n: fc.integer({ min: 1, max: 500 }),
    stderr: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('consume' as const), side, ch, n: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant('request' as const), side, ch, wantReply: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('eof' as const, 'close' as const), side, ch }),
  fc.record({ kind: fc.constant('deliver' as const), side, count: fc.integer({ min: 1, max: 30 }) }),
);

function newSide(window: number): PerSide {
  return {
    window,
    written: [],
    stderrWritten: [],
    received: [],
    stderrReceived: [],
    unconsumed: 0,
    eofCalled: false,
    closeCalled: false,
    eofSeen: 0,
    closeSeen: 0,
    confirmed: false,
    awaiting: [],
    replies: [],
  };
}

class Model {
  readonly mux: Record<Side, ChannelMux>;
  readonly wire: Record<Side, Uint8Array[]> = { a: [], b: [] };
  readonly channels: Logical[] = [];
  /** Logical channels opened by each side whose open has not reached the other side yet, in order. */
  private readonly opening: Record<Side, { logical: Logical; window: number; maxPacket: number }[]> = {
    a: [],
    b: [],
  };
  private seq = 0;

  constructor() {
    this.mux = {
      a: new ChannelMux({ send: (p) => this.wire.a.push(p) }),
      b: new ChannelMux({ send: (p) => this.wire.b.push(p) }),
    };
  }

  /** The logical channel with index `i` (mod count) that is still usable on `s`, if any. */
  pick(s: Side, i: number): { l: Logical; me: PerSide; id: number } | undefined {
    const live = this.channels.filter((l) => l.sides[s].id !== undefined && l.sides[s].closeSeen === 0);
    if (live.length === 0) return undefined;
    const l = live[i % live.length];
    return { l, me: l.sides[s], id: l.sides[s].id as number };
  }

  apply(op: Op): void {
    const s = op.side;
    const mux = this.mux[s];
    switch (op.kind) {
      case 'open': {
        const logical: Logical = {
          index: this.channels.length,
          sides: { a: newSide(0), b: newSide(0) },
        };
        logical.sides[s] = newSide(op.window);
        logical.sides[other(s)] = newSide(op.acceptWindow);
        logical.sides[s].id = mux.open('session', undefined, { window: op.window, maxPacket: op.maxPacket });
        this.channels.push(logical);
        this.opening[s].push({ logical, window: op.acceptWindow, maxPacket: op.acceptMaxPacket });
        return;
      }
      case 'deliver':
        for (let i = 0; i < op.count && this.deliver(s); i++);
        return;
    }
    const c = this.pick(s, op.ch);
    if (!c) return;
    const { l, me, id } = c;
    switch (op.kind) {
      case 'write': {
        if (me.eofCalled || me.closeCalled) return expect(() => mux.write(id, Uint8Array.of(1))).toThrow();
        const target = op.stderr ? me.stderrWritten : me.written;
        const bytes = Uint8Array.from({ length: op.n }, (_, k) => (target.length + k + l.index * 37) % 256);
        target.push(...bytes);
        mux.write(id, bytes, op.stderr ? 1 : undefined);
        return;
      }
      case 'consume': {
        const n = Math.min(op.n, me.unconsumed);
        if (me.closeCalled || n === 0) return;
        me.unconsumed -= n;
        mux.consumed(id, n);
        return;
      }
      case 'request': {
        if (me.closeCalled || !me.confirmed) return;
        const seq = this.seq++;
        if (op.wantReply) me.awaiting.push(seq);
        mux.request(id, 'test', op.wantReply, Uint8Array.of(seq & 0xff));
        return;
      }
      case 'eof':
        if (me.closeCalled) return;
        me.eofCalled = true;
        mux.eof(id);
        return;
      case 'close':
        me.closeCalled = true;
        mux.close(id);
        return;
    }
  }

  /** Delivers one message sent by `from`, and handles the events it causes. */
  deliver(from: Side): boolean {
    const p = this.wire[from].shift();
    if (!p) return false;
    const to = other(from);
    this.mux[to].receive(p);
    this.drain(to);
    return true;
  }

  drain(s: Side): void {
    const mux = this.mux[s];
    const bySide = (id: number) =>
      this.channels.find((l) => l.sides[s].id === id && l.sides[s].closeSeen === 0);
    for (let e = mux.poll(); e; e = mux.poll()) {
      if (e.type === 'open-request') {
        const pending = this.opening[other(s)].shift();
        if (!pending) throw new Error('unexpected open request');
        pending.logical.sides[s].id = e.id;
        pending.logical.sides[s].confirmed = true;
        mux.acceptOpen(e.id, { window: pending.window, maxPacket: pending.maxPacket });
        continue;
      }
      const l = bySide(e.id);
      if (!l) throw new Error(`event ${e.type} for unknown id ${e.id}`);
      const me = l.sides[s];
      switch (e.type) {
        case 'open-confirmed':
          me.confirmed = true;
          break;
        case 'data':
          me.received.push(...e.data);
          me.unconsumed += e.data.length;
          break;
        case 'extended-data':
          me.stderrReceived.push(...e.data);
          me.unconsumed += e.data.length;
          break;
        case 'eof':
          me.eofSeen++;
          break;
        case 'close':
          me.closeSeen++;
          break;
        case 'request':
          if (e.wantReply) mux.reply(e.id, e.data[0] % 3 !== 0);
          break;
        case 'reply': {
          const seq = me.awaiting.shift();
          if (seq === undefined) throw new Error('reply without a request');
          me.replies.push({ seq, ok: e.ok });
          break;
        }
        case 'open-failed':
          throw new Error('no open should fail here');
      }
    }
  }

  checkInvariants(): void {
    for (const l of this.channels) {
      for (const s of ['a', 'b'] as const) {
        const me = l.sides[s];
        if (me.id === undefined || me.closeSeen) continue;
        const w = this.mux[s].windows(me.id);
        if (!w) throw new Error(`channel ${me.id} missing on ${s}`);
        expect(w.send).toBeGreaterThanOrEqual(0);
        expect(w.receive).toBeGreaterThanOrEqual(0); // both ends are conforming: never any overrun
        expect(w.bufferedIn).toBeLessThanOrEqual(me.window);
      }
    }
  }

  /** Every reader drains everything until nothing moves. */
  settle(): void {
    for (let round = 0; round < 100_000; round++) {
      let moved = this.deliver('a') || this.deliver('b');
      for (const l of this.channels) {
        for (const s of ['a', 'b'] as const) {
          const me = l.sides[s];
          if (me.id !== undefined && !me.closeSeen && !me.closeCalled && me.unconsumed > 0) {
            this.mux[s].consumed(me.id, me.unconsumed);
            me.unconsumed = 0;
            moved = true;
          }
        }
      }
      if (!moved) return;
    }
    throw new Error('pair never settled');
  }
}

function checkOutcome(model: Model): void {
  for (const l of model.channels) {
    for (const s of ['a', 'b'] as const) {
      const me = l.sides[s];
      const peer = l.sides[other(s)];
      // What `s` wrote reaches the peer in order: all of it unless the peer closed (then a prefix).
      const exact = !peer.closeCalled;
      for (const [sent, got] of [
        [me.written, peer.received],
        [me.stderrWritten, peer.stderrReceived],
      ]) {
        if (exact) expect(got).toEqual(sent);
        else expect(got).toEqual(sent.slice(0, got.length));
      }
      if (me.eofCalled && !peer.closeCalled && !me.closeCalled) expect(peer.eofSeen).toBe(1);
      expect(peer.eofSeen).toBeLessThanOrEqual(me.eofCalled ? 1 : 0);
      // Replies come back in request order, each carrying the answer to that request.
      for (const r of me.replies) expect(r.ok).toBe((r.seq & 0xff) % 3 !== 0);
      const sorted = [...me.replies].sort((x, y) => x.seq - y.seq);
      expect(me.replies).toEqual(sorted);
      if (!me.closeCalled && !peer.closeCalled) expect(me.awaiting).toEqual([]);
      // A channel either side closed is closed on both, once.
      const closing = me.closeCalled || peer.closeCalled;
      expect(me.closeSeen).toBe(closing ? 1 : 0);
    }
  }
  const live = (s: Side) =>
    model.channels.filter(
      (l) => !l.sides.a.closeCalled && !l.sides.b.closeCalled && l.sides[s].id !== undefined,
    ).length;
  expect(model.mux.a.openChannels).toBe(live('a'));
  expect(model.mux.b.openChannels).toBe(live('b'));
}

describe('multiplexer pair, model-based', () => {
  it('delivers all data in order, never overruns a window, closes cleanly', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => {
        const model = new Model();
        for (const op of ops) {
          model.apply(op);
          model.checkInvariants();
        }
        model.settle();
        model.checkInvariants();
        checkOutcome(model);
      }),
      { seed: 4254, numRuns: 400 },
    );
  });
});
