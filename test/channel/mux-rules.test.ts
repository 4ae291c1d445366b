/**
 * One multiplexer against a hand-driven peer: every rule of RFC 4254 §5 (and OpenSSH's limits) that a
 * misbehaving peer or a careless application can break, fed as raw payloads.
 */
import { describe, expect, it } from 'vitest';
import * as cm from '../../src/channel/channel-messages.js';
import type { ChannelEvent } from '../../src/channel/channel-mux.js';
import { ChannelMux, type ChannelMuxOptions } from '../../src/channel/channel-mux.js';
import { DecodeError, ProtocolError, UsageError } from '../../src/errors.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { pattern } from './mux-pair.js';

const PEER = 77; // the peer's id for the channel under test

/** A mux, what it sent, its events, and helpers to act as the peer. */
function solo(options: Omit<ChannelMuxOptions, 'send'> = {}) {
  const sent: Uint8Array[] = [];
  const mux = new ChannelMux({ ...options, send: (p) => sent.push(p) });
  const events = (): ChannelEvent[] => {
    const out: ChannelEvent[] = [];
    for (let e = mux.poll(); e; e = mux.poll()) out.push(e);
    return out;
  };
  const types = (from = 0) => sent.slice(from).map((p) => p[0]);
  /** The peer opens a channel and we accept it; returns our id. */
  const peerOpens = (
    o: { window?: number; maxPacket?: number; ours?: { window?: number; maxPacket?: number } } = {},
  ) => {
    mux.receive(
      cm.encodeChannelOpen({
        channelType: 'session',
        senderChannel: PEER,
        initialWindow: o.window ?? 1 << 20,
        maxPacket: o.maxPacket ?? 1 << 15,
        data: new Uint8Array(0),
      }),
    );
    const [e] = events();
    if (e?.type !== 'open-request') throw new Error('expected an open request');
    mux.acceptOpen(e.id, o.ours);
    return e.id;
  };
  return { mux, sent, events, types, peerOpens };
}

describe('receive-side limits', () => {
  it('tolerates up to 10 % over the window, refuses beyond (OpenSSH channels.c)', () => {
    const s = solo();
    const id = s.peerOpens({ ours: { window: 100, maxPacket: 100 } });
    s.mux.receive(cm.encodeChannelData(id, pattern(100)));
    s.mux.receive(cm.encodeChannelData(id, pattern(10)));
    expect(s.mux.windows(id)).toMatchObject({ receive: -10, bufferedIn: 110 });
    expect(() => s.mux.receive(cm.encodeChannelData(id, pattern(1)))).toThrow(ProtocolError);
  });

  it('counts extended data against the same window', () => {
    const s = solo();
    const id = s.peerOpens({ ours: { window: 100, maxPacket: 100 } });
    s.mux.receive(cm.encodeChannelExtendedData(id, 1, pattern(105)));
    expect(() => s.mux.receive(cm.encodeChannelData(id, pattern(6)))).toThrow(ProtocolError);
  });

  it('refuses DATA larger than maxAcceptedPacket even inside the window', () => {
    const s = solo({ maxAcceptedPacket: 64, maxPacket: 32 });
    const id = s.peerOpens();
    s.mux.receive(cm.encodeChannelData(id, pattern(64)));
    expect(() => s.mux.receive(cm.encodeChannelData(id, pattern(65)))).toThrow(ProtocolError);
    expect(() => s.mux.receive(cm.encodeChannelExtendedData(id, 1, pattern(65)))).toThrow(ProtocolError);
  });

  it('refuses data and extended data after the peer EOF', () => {
    const s = solo();
    const id = s.peerOpens();
    s.mux.receive(cm.encodeChannelEof(id));
    s.mux.receive(cm.encodeChannelEof(id)); // a repeated EOF is harmless
    expect(s.events()).toEqual([{ type: 'eof', id }]);
    expect(() => s.mux.receive(cm.encodeChannelData(id, pattern(1)))).toThrow(ProtocolError);
    expect(() => s.mux.receive(cm.encodeChannelExtendedData(id, 1, pattern(1)))).toThrow(ProtocolError);
    s.mux.receive(
      cm.encodeChannelRequestMessage({
        recipientChannel: id,
        requestType: 'exit-status',
        wantReply: false,
        data: new Uint8Array(4),
      }),
    );
    expect(s.events()).toHaveLength(1); // requests after EOF are fine (exit-status)
  });

  it('drops extended data types other than stderr, consuming them itself', () => {
    const s = solo();
    const id = s.peerOpens({ ours: { window: 100, maxPacket: 10 } });
    const mark = s.sent.length;
    s.mux.receive(cm.encodeChannelExtendedData(id, 2, pattern(39)));
    expect(s.events()).toEqual([]);
    expect(s.mux.windows(id)).toMatchObject({ bufferedIn: 0, receive: 61 });
    s.mux.receive(cm.encodeChannelExtendedData(id, 7, pattern(1)));
    expect(s.sent.slice(mark)).toEqual([cm.encodeChannelWindowAdjust(PEER, 40)]);
    s.mux.receive(cm.encodeChannelExtendedData(id, 1, pattern(3)));
    expect(s.events()).toEqual([{ type: 'extended-data', id, dataType: 1, data: pattern(3) }]);
  });

  it('events carry views of the received payload, not copies', () => {
    const s = solo();
    const id = s.peerOpens();
    const payload = cm.encodeChannelData(id, pattern(5));
    s.mux.receive(payload);
    const [e] = s.events();
    expect(e.type === 'data' && e.data.buffer).toBe(payload.buffer);
  });

  it('refills only on consumed(), and only what was consumed', () => {
    const s = solo();
    const id = s.peerOpens({ ours: { window: 1000, maxPacket: 100 } });
    const mark = s.sent.length;
    for (let i = 0; i < 10; i++) s.mux.receive(cm.encodeChannelData(id, pattern(100)));
    expect(s.types(mark)).toEqual([]);
    s.mux.consumed(id, 399); // threshold min(500, max(400, 125)) = 400
    expect(s.types(mark)).toEqual([]);
    s.mux.consumed(id, 1);
    expect(s.sent.slice(mark)).toEqual([cm.encodeChannelWindowAdjust(PEER, 400)]);
    expect(() => s.mux.consumed(id, 601)).toThrow(UsageError);
  });
});

describe('send-side limits', () => {
  it('refuses a WINDOW_ADJUST that would take the window past 2^32-1', () => {
    const s = solo();
    const id = s.peerOpens({ window: 0xffffffff - 10 });
    s.mux.receive(cm.encodeChannelWindowAdjust(id, 10));
    expect(s.mux.windows(id)?.send).toBe(0xffffffff);
    expect(() => s.mux.receive(cm.encodeChannelWindowAdjust(id, 1))).toThrow(ProtocolError);
  });

  it('refuses an OPEN with max packet 0 (OPEN_FAILURE, no event, no id) and a CONFIRMATION with it', () => {
    const s = solo();
    s.mux.receive(
      cm.encodeChannelOpen({
        channelType: 'session',
        senderChannel: 5,
        initialWindow: 100,
        maxPacket: 0,
        data: new Uint8Array(0),
      }),
    );
    expect(s.events()).toEqual([]);
    expect(s.mux.openChannels).toBe(0);
    expect(cm.decodeChannelOpenFailure(s.sent[0])).toMatchObject({
      recipientChannel: 5,
      reason: cm.ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED,
    });
    const id = s.mux.open('session');
    const confirm = {
      recipientChannel: id,
      senderChannel: 1,
      initialWindow: 100,
      maxPacket: 0,
      data: new Uint8Array(0),
    };
    expect(() => s.mux.receive(cm.encodeChannelOpenConfirmation(confirm))).toThrow(ProtocolError);
  });

  it('refuses opens beyond maxChannels with RESOURCE_SHORTAGE and no open-request', () => {
    const s = solo({ maxChannels: 2 });
    s.mux.open('session');
    s.peerOpens();
    const mark = s.sent.length;
    s.mux.receive(
      cm.encodeChannelOpen({
        channelType: 'session',
        senderChannel: 9,
        initialWindow: 1,
        maxPacket: 1,
        data: new Uint8Array(0),
      }),
    );
    expect(s.events()).toEqual([]);
    expect(cm.decodeChannelOpenFailure(s.sent[mark])).toMatchObject({ recipientChannel: 9, reason: 4 });
    expect(s.mux.openChannels).toBe(2);
  });

  it('emits writable once the queue drains to the threshold', () => {
    const s = solo({ writableThreshold: 5 });
    const id = s.peerOpens({ window: 10, maxPacket: 10 });
    s.mux.write(id, pattern(30));
    expect(s.mux.bufferedAmount(id)).toBe(20);
    s.mux.receive(cm.encodeChannelWindowAdjust(id, 10));
    expect(s.events()).toEqual([]);
    s.mux.receive(cm.encodeChannelWindowAdjust(id, 6));
    expect(s.events()).toEqual([{ type: 'writable', id, bufferedAmount: 4 }]);
    s.mux.receive(cm.encodeChannelWindowAdjust(id, 10));
    expect(s.events()).toEqual([]); // once per stall
  });

  it('close({ discard: true }) sends CLOSE at once, without the queued data', () => {
    const s = solo();
    const id = s.peerOpens({ window: 0 });
    s.mux.write(id, pattern(10));
    const mark = s.sent.length;
    s.mux.close(id, { discard: true });
    expect(s.types(mark)).toEqual([MSG.CHANNEL_CLOSE]);
  });
});

describe('ids, phases and stray messages', () => {
  it('a message for an unknown id is a protocol error, whatever its type', () => {
    const s = solo();
    const stray = [
      cm.encodeChannelOpenConfirmation({
        recipientChannel: 3,
        senderChannel: 1,
        initialWindow: 1,
        maxPacket: 1,
        data: new Uint8Array(0),
      }),
      cm.encodeChannelOpenFailure(3, 1, ''),
      cm.encodeChannelWindowAdjust(3, 1),
      cm.encodeChannelData(3, pattern(1)),
      cm.encodeChannelExtendedData(3, 1, pattern(1)),
      cm.encodeChannelEof(3),
      cm.encodeChannelClose(3),
      cm.encodeChannelRequestMessage({
        recipientChannel: 3,
        requestType: 'x',
        wantReply: true,
        data: new Uint8Array(0),
      }),
      cm.encodeChannelSuccess(3),
      cm.encodeChannelFailure(3),
    ];
    for (const p of stray) expect(() => s.mux.receive(p), `message ${p[0]}`).toThrow(ProtocolError);
  });

  it('after our CLOSE, the peer’s messages are ignored until its CLOSE; then the id is unknown', () => {
    const s = solo();
    const id = s.peerOpens();
    s.mux.receive(
      cm.encodeChannelRequestMessage({
        recipientChannel: id,
        requestType: 'shell',
        wantReply: true,
        data: new Uint8Array(0),
      }),
    );
    s.events();
    s.mux.close(id);
    const mark = s.sent.length;
    s.mux.receive(cm.encodeChannelData(id, pattern(5)));
    s.mux.receive(cm.encodeChannelWindowAdjust(id, 5));
    s.mux.receive(cm.encodeChannelSuccess(id)); // no request of ours outstanding, but ignored now
    s.mux.receive(cm.encodeChannelEof(id));
    s.mux.reply(id, true); // unanswered request: after our CLOSE nothing more is sent
    expect(s.events()).toEqual([]);
    expect(s.types(mark)).toEqual([]);
    s.mux.receive(cm.encodeChannelClose(id));
    expect(s.events()).toEqual([{ type: 'close', id }]);
    expect(s.types(mark)).toEqual([]); // our CLOSE already went out
    expect(() => s.mux.receive(cm.encodeChannelData(id, pattern(1)))).toThrow(ProtocolError);
  });

  it('refuses messages that are wrong for the phase of the channel', () => {
    const s = solo();
    const opening = s.mux.open('session');
    expect(() => s.mux.receive(cm.encodeChannelData(opening, pattern(1)))).toThrow(ProtocolError);
    expect(() => s.mux.receive(cm.encodeChannelClose(opening))).toThrow(ProtocolError);
    const open = s.peerOpens();
    const confirm = {
      recipientChannel: open,
      senderChannel: 1,
      initialWindow: 1,
      maxPacket: 1,
      data: new Uint8Array(0),
    };
    expect(() => s.mux.receive(cm.encodeChannelOpenConfirmation(confirm))).toThrow(ProtocolError);
    s.mux.receive(
      cm.encodeChannelOpen({
        channelType: 'x11',
        senderChannel: 1,
        initialWindow: 1,
        maxPacket: 1,
        data: new Uint8Array(0),
      }),
    );
    const [offer] = s.events();
    expect(() => s.mux.receive(cm.encodeChannelData(offer.id, pattern(1)))).toThrow(ProtocolError);
  });

  it('replies without a request of ours are protocol errors', () => {
    const s = solo();
    const id = s.peerOpens();
    expect(() => s.mux.receive(cm.encodeChannelSuccess(id))).toThrow(ProtocolError);
    s.mux.request(id, 'exec', true);
    s.mux.request(id, 'signal', false);
    s.mux.receive(cm.encodeChannelFailure(id));
    expect(s.events()).toEqual([{ type: 'reply', id, ok: false }]);
    expect(() => s.mux.receive(cm.encodeChannelSuccess(id))).toThrow(ProtocolError);
  });

  it('malformed payloads are DecodeErrors (a ProtocolError)', () => {
    const s = solo();
    const id = s.peerOpens();
    expect(() => s.mux.receive(Uint8Array.of(MSG.CHANNEL_DATA, 0, 0))).toThrow(DecodeError);
    expect(() => s.mux.receive(Uint8Array.of(MSG.CHANNEL_EOF, 0, 0, 0, id, 1))).toThrow(DecodeError);
    expect(() => s.mux.receive(Uint8Array.of(MSG.CHANNEL_OPEN, 0))).toThrow(DecodeError);
    expect(() => s.mux.receive(new Uint8Array(0))).toThrow(ProtocolError);
    expect(() => s.mux.receive(Uint8Array.of(MSG.GLOBAL_REQUEST))).toThrow(ProtocolError);
  });
});

describe('application misuse', () => {
  it('refuses writes after eof() or close(), and a second eof() sends nothing', () => {
    const s = solo();
    const id = s.peerOpens();
    s.mux.eof(id);
    const mark = s.sent.length;
    s.mux.eof(id);
    expect(s.types(mark)).toEqual([]);
    expect(() => s.mux.write(id, pattern(1))).toThrow(UsageError);
    s.mux.close(id);
    expect(() => s.mux.write(id, pattern(1))).toThrow(UsageError);
    expect(() => s.mux.eof(id)).toThrow(UsageError);
    expect(() => s.mux.request(id, 'x', false)).toThrow(UsageError);
  });

  it('refuses commands on unknown, unaccepted or unconfirmed channels', () => {
    const s = solo();
    expect(() => s.mux.write(4, pattern(1))).toThrow(UsageError);
    expect(() => s.mux.acceptOpen(4)).toThrow(UsageError);
    s.mux.receive(
      cm.encodeChannelOpen({
        channelType: 'x11',
        senderChannel: 1,
        initialWindow: 1,
        maxPacket: 1,
        data: new Uint8Array(0),
      }),
    );
    const [offer] = s.events();
    expect(() => s.mux.write(offer.id, pattern(1))).toThrow(UsageError);
    expect(() => s.mux.close(offer.id)).toThrow(UsageError);
    s.mux.rejectOpen(offer.id, 1, 'no');
    expect(() => s.mux.acceptOpen(offer.id)).toThrow(UsageError);
    const opening = s.mux.open('session');
    expect(() => s.mux.request(opening, 'shell', true)).toThrow(UsageError);
    expect(() => s.mux.reply(opening, true)).toThrow(UsageError);
  });

  it('validates options', () => {
    const send = () => {};
    expect(() => new ChannelMux({ send, maxPacket: 1 << 20 })).toThrow(UsageError); // over maxAcceptedPacket
    expect(() => new ChannelMux({ send, window: 0 })).toThrow(UsageError);
    expect(() => new ChannelMux({ send, maxSendPacket: 1 << 20 })).toThrow(UsageError);
    expect(() => new ChannelMux({ send }).open('session', undefined, { window: 2 ** 32 })).toThrow(
      UsageError,
    );
    const s = solo();
    const id = s.peerOpens();
    expect(() => s.mux.write(id, pattern(1), -1)).toThrow(UsageError);
    expect(() => s.mux.write(id, pattern(1), 2 ** 32)).toThrow(UsageError);
    expect(() => s.mux.request(id, 'exec command', true)).toThrow(UsageError);
  });
});
