/** Two multiplexers back to back: lifecycle, packetisation, flow control and ordering end to end. */
import { describe, expect, it } from 'vitest';
import { ChannelOpenFailure } from '../../src/channel/channel-messages.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { MuxPair, pattern } from './mux-pair.js';

const { CHANNEL_DATA: DATA, CHANNEL_EOF: EOF, CHANNEL_CLOSE: CLOSE, CHANNEL_WINDOW_ADJUST: ADJUST } = MSG;

describe('open, confirm, fail', () => {
  it('opens a channel with type data and confirms it with data', () => {
    const p = new MuxPair();
    const id = p.a.mux.open('direct-tcpip', Uint8Array.of(1, 2), { window: 1000, maxPacket: 100 });
    expect(id).toBe(0);
    p.run();
    const [req] = p.b.eventsOf('open-request');
    expect(req).toEqual({
      type: 'open-request',
      id: 0,
      channelType: 'direct-tcpip',
      data: Uint8Array.of(1, 2),
      peerWindow: 1000,
      peerMaxPacket: 100,
    });
    p.b.mux.acceptOpen(req.id, { window: 500, maxPacket: 50, data: Uint8Array.of(9) });
    p.run();
    expect(p.a.eventsOf('open-confirmed')).toEqual([
      { type: 'open-confirmed', id: 0, data: Uint8Array.of(9), peerWindow: 500, peerMaxPacket: 50 },
    ]);
    expect(p.a.mux.windows(0)).toEqual({ send: 500, receive: 1000, bufferedIn: 0 });
    expect(p.b.mux.windows(0)).toEqual({ send: 1000, receive: 500, bufferedIn: 0 });
  });

  it('a refused open frees the id on both sides and reports the reason', () => {
    const p = new MuxPair();
    p.a.mux.open('x11');
    p.run();
    p.b.mux.rejectOpen(p.b.eventsOf('open-request')[0].id, ChannelOpenFailure.CONNECT_FAILED, 'no display');
    p.run();
    expect(p.a.eventsOf('open-failed')).toEqual([
      { type: 'open-failed', id: 0, reason: ChannelOpenFailure.CONNECT_FAILED, description: 'no display' },
    ]);
    expect(p.a.mux.openChannels).toBe(0);
    expect(p.b.mux.openChannels).toBe(0);
    expect(p.a.eventsOf('close')).toEqual([]); // open-failed is the end; no 'close' follows
  });

  it('each side numbers channels its own way (ids are ours)', () => {
    const p = new MuxPair();
    p.b.mux.open('session'); // B's id 0, so B gives A's open id 1
    p.run();
    p.a.mux.acceptOpen(p.a.eventsOf('open-request')[0].id);
    p.run();
    const { local, remote } = p.openChannel('a');
    expect(local).toBe(1); // A already holds 0 for B's channel
    expect(remote).toBe(1);
  });
});

describe('packetisation and window', () => {
  it('splits writes into min(max packet, window) and stops at window 0 until consumed()', () => {
    const p = new MuxPair();
    const { local, remote } = p.openChannel('a', { window: 100, maxPacket: 10 });
    const mark = p.a.sent.length;
    p.a.mux.write(local, pattern(250));
    p.run();
    expect(p.a.dataSizes(mark)).toEqual(Array(10).fill(10));
    expect(p.a.mux.bufferedAmount(local)).toBe(150);
    expect(p.a.mux.windows(local)?.send).toBe(0);
    expect(p.b.mux.windows(remote)).toMatchObject({ receive: 0, bufferedIn: 100 });
    expect(p.b.sentTypes()).not.toContain(ADJUST); // never refilled on receipt

    // Threshold min(100/2, max(4*10, 100/8)) = 40: 39 consumed bytes are not yet worth an adjust.
    p.b.mux.consumed(remote, 39);
    p.run();
    expect(p.b.sentTypes()).not.toContain(ADJUST);
    const mark2 = p.a.sent.length;
    p.b.mux.consumed(remote, 1);
    p.run();
    expect(p.a.dataSizes(mark2)).toEqual([10, 10, 10, 10]);
    expect(p.a.mux.bufferedAmount(local)).toBe(110);

    p.b.autoConsume = true;
    p.b.mux.consumed(remote, 100);
    p.run();
    expect(p.a.mux.bufferedAmount(local)).toBe(0);
    expect(p.b.received.get(remote)).toEqual([...pattern(250)]);
    expect(p.a.eventsOf('writable')).toEqual([{ type: 'writable', id: local, bufferedAmount: 0 }]);
  });

  it('a packet is also cut at the window edge when the window is not a multiple of max packet', () => {
    const p = new MuxPair();
    const { local } = p.openChannel('a', { window: 25, maxPacket: 10 });
    const mark = p.a.sent.length;
    p.a.mux.write(local, pattern(40));
    expect(p.a.dataSizes(mark)).toEqual([10, 10, 5]);
  });

  it('moves 64 KiB through a 1 KiB window, in order, in max-packet pieces', () => {
    const p = new MuxPair();
    p.b.autoConsume = true;
    const { local, remote } = p.openChannel('a', { window: 1024, maxPacket: 256 });
    const mark = p.a.sent.length;
    const data = pattern(64 * 1024, 7);
    p.a.mux.write(local, data);
    p.run();
    expect(p.b.received.get(remote)).toEqual([...data]);
    expect(p.a.dataSizes(mark)).toEqual(Array(256).fill(256));
    // Window 1024, max packet 256: adjusts go out every 512 bytes consumed (min(512, max(1024, 128))).
    expect(p.b.sentTypes().filter((t) => t === ADJUST)).toHaveLength(128);
  });

  it('no head-of-line blocking: a channel whose reader never consumes stalls only itself', () => {
    const p = new MuxPair();
    p.b.autoConsume = true;
    const slow = p.openChannel('a', { window: 1024, maxPacket: 128 });
    const fast = p.openChannel('a', { window: 1024, maxPacket: 128 });
    p.b.hold.add(slow.remote);
    const data = pattern(64 * 1024, 3);
    p.a.mux.write(slow.local, data);
    p.a.mux.write(fast.local, data);
    p.run();
    expect(p.b.received.get(fast.remote)).toEqual([...data]);
    expect(p.b.received.get(slow.remote)).toHaveLength(1024);
    expect(p.a.mux.bufferedAmount(slow.local)).toBe(64 * 1024 - 1024);
    expect(p.a.mux.bufferedAmount(fast.local)).toBe(0);
    expect(p.b.mux.windows(slow.remote)).toMatchObject({ receive: 0, bufferedIn: 1024 });
  });

  it('writes before the confirmation wait for it, then go out in order', () => {
    const p = new MuxPair();
    const id = p.a.mux.open('session');
    p.a.mux.write(id, pattern(5));
    p.a.mux.eof(id);
    expect(p.a.mux.bufferedAmount(id)).toBe(5);
    p.run();
    p.b.mux.acceptOpen(p.b.eventsOf('open-request')[0].id);
    const mark = p.a.sent.length;
    p.run();
    expect(p.a.sentTypes(mark)).toEqual([DATA, EOF]);
    expect(p.b.received.get(0)).toEqual([...pattern(5)]);
  });
});

describe('EOF and CLOSE ordering', () => {
  it('EOF waits for queued data, CLOSE for data and EOF; then both sides see one close', () => {
    const p = new MuxPair();
    const { local, remote } = p.openChannel('a', { window: 30, maxPacket: 10 });
    const mark = p.a.sent.length;
    p.a.mux.write(local, pattern(50));
    p.a.mux.eof(local);
    p.a.mux.close(local);
    p.run();
    expect(p.a.sentTypes(mark)).toEqual([DATA, DATA, DATA]); // window full: EOF and CLOSE wait
    p.b.autoConsume = true;
    p.b.mux.consumed(remote, 30);
    p.run();
    expect(p.a.sentTypes(mark)).toEqual([DATA, DATA, DATA, DATA, DATA, EOF, CLOSE]);
    const bData = p.b.eventsOf('data').flatMap((e) => [...e.data]);
    expect(bData).toEqual([...pattern(50)]);
    expect(p.b.eventsOf('eof')).toHaveLength(1);
    expect(p.b.sentTypes().filter((t) => t === CLOSE)).toHaveLength(1);
    expect(p.a.eventsOf('close')).toEqual([{ type: 'close', id: local }]);
    expect(p.b.eventsOf('close')).toEqual([{ type: 'close', id: remote }]);
    expect(p.a.mux.openChannels + p.b.mux.openChannels).toBe(0);
  });

  it('half-close: after A sends EOF, B can still send data to A', () => {
    const p = new MuxPair();
    p.a.autoConsume = true;
    const { local, remote } = p.openChannel('a');
    p.a.mux.eof(local);
    p.run();
    expect(p.b.eventsOf('eof')).toEqual([{ type: 'eof', id: remote }]);
    p.b.mux.write(remote, pattern(3000));
    p.b.mux.request(remote, 'exit-status', false, Uint8Array.of(0, 0, 0, 0));
    p.b.mux.eof(remote);
    p.b.mux.close(remote);
    p.run();
    expect(p.a.eventsOf('data').flatMap((e) => [...e.data])).toEqual([...pattern(3000)]);
    expect(p.a.eventsOf('request')).toHaveLength(1);
    expect(p.a.events.map((e) => e.type).slice(-2)).toEqual(['eof', 'close']);
  });

  it('the peer closing first drops our queued data and gets exactly one CLOSE back', () => {
    const p = new MuxPair();
    const { local, remote } = p.openChannel('a', { window: 10, maxPacket: 10 });
    p.a.mux.write(local, pattern(100));
    p.a.mux.eof(local);
    p.run();
    const mark = p.a.sent.length;
    p.b.mux.close(remote);
    p.run();
    expect(p.a.sentTypes(mark)).toEqual([CLOSE]);
    expect(p.a.mux.bufferedAmount(local)).toBe(0);
    expect(p.a.eventsOf('close')).toHaveLength(1);
    expect(p.b.eventsOf('close')).toHaveLength(1);
  });

  it('ids count up and are never handed out while in use, even after both CLOSEs', () => {
    const p = new MuxPair();
    const first = p.openChannel('a');
    p.a.mux.close(first.local);
    expect(p.a.mux.open('session')).toBe(1); // 0 still waits for the peer's CLOSE
    p.run(); // B answers CLOSE (and receives the second open)
    expect(p.a.eventsOf('close')).toEqual([{ type: 'close', id: 0 }]);
    // A stale handle for 0 can never reach a new channel: the next id is 2, not the freed 0.
    expect(p.a.mux.open('session')).toBe(2);
  });

  it('after close() the data the peer still sends is dropped and its window given back', () => {
    const p = new MuxPair();
    const { local, remote } = p.openChannel(
      'a',
      { window: 20, maxPacket: 10 },
      { window: 20, maxPacket: 10 },
    );
    p.b.mux.write(remote, pattern(20)); // fills A's window, A does not consume
    p.run();
    p.a.mux.write(local, pattern(40)); // 20 go out, 20 wait: A's CLOSE is stuck behind B's window
    p.a.mux.close(local);
    p.b.mux.write(remote, pattern(30));
    p.run();
    // B keeps sending thanks to A's released window, and A reports none of it.
    expect(p.a.eventsOf('data').flatMap((e) => [...e.data])).toHaveLength(20);
    expect(p.b.mux.bufferedAmount(remote)).toBe(0);
    p.b.autoConsume = true;
    p.b.mux.consumed(remote, 20);
    p.run();
    expect(p.a.eventsOf('close')).toHaveLength(1);
  });
});

describe('requests and replies', () => {
  it('answers strictly in order, and replies come back FIFO', () => {
    const p = new MuxPair();
    const { local, remote } = p.openChannel('a');
    p.a.mux.request(local, 'env', true, Uint8Array.of(1));
    p.a.mux.request(local, 'signal', false);
    p.a.mux.request(local, 'pty-req', true);
    p.a.mux.request(local, 'shell', true);
    p.run();
    expect(p.b.eventsOf('request').map((e) => [e.requestType, e.wantReply])).toEqual([
      ['env', true],
      ['signal', false],
      ['pty-req', true],
      ['shell', true],
    ]);
    p.b.mux.reply(remote, true);
    p.b.mux.reply(remote, false);
    p.b.mux.reply(remote, true);
    p.run();
    expect(p.a.eventsOf('reply').map((e) => e.ok)).toEqual([true, false, true]);
  });

  it('requests are not held behind data waiting for window', () => {
    const p = new MuxPair();
    const { local } = p.openChannel('a', { window: 10, maxPacket: 10 });
    p.a.mux.write(local, pattern(50));
    const mark = p.a.sent.length;
    p.a.mux.request(local, 'signal', false);
    expect(p.a.sentTypes(mark)).toEqual([MSG.CHANNEL_REQUEST]);
  });
});
