/**
 * A peer that ignores flow control (RFC 4254 §5.2: "the other party ... MUST NOT send more data than the
 * window allows"; maximum packet size: "the maximum size of an individual data packet that can be sent").
 * The server here writes raw CHANNEL_DATA straight into its transport, past its own multiplexer, so nothing
 * on its side holds it back. Our receiver tolerates 10 % over the window, as OpenSSH does (receive-window.ts),
 * and ends the connection with a ProtocolError beyond that, or for a packet over `maxAcceptedPacket`.
 */
import { firstValueFrom, share, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { acceptSessions } from '../../operators/index.js';
import { encodeChannelOpenConfirmation } from '../../src/channel/channel-messages.js';
import { ChannelMux } from '../../src/channel/channel-mux.js';
import type { Connection } from '../../src/connection/connection.js';
import type { Driver } from '../../src/connection/driver.js';
import { DisconnectReason, ProtocolError } from '../../src/errors.js';
import { connectedPair, type PairOptions } from '../../src/testing/index.js';
import { KiB } from './flow-support.js';

/**
 * RFC 4254 §5.2, laid out by hand (independently of src/channel):
 *   byte SSH_MSG_CHANNEL_DATA (94) ‖ uint32 recipient channel ‖ string data
 */
function rawChannelData(recipient: number, length: number): Uint8Array {
  const out = new Uint8Array(9 + length);
  const view = new DataView(out.buffer);
  out[0] = 94;
  view.setUint32(1, recipient);
  view.setUint32(5, length);
  return out;
}

/** Sends a payload from `conn` as it is, past the channel layer (test-only: reaches the private driver). */
function inject(conn: Connection, payload: Uint8Array): void {
  (conn as unknown as { driver: Driver }).driver.run((core) => core.transport.send(payload));
}

/**
 * Opens a session (with `window`/`maxPacket` if given) on a fresh pair, has the server send raw DATA packets
 * of `sizes` to it, then asks the server something over the same channel so the outcome is settled either
 * way. Resolves with what the client saw.
 */
async function overrun(
  sizes: number[],
  opts: { window?: number; maxPacket?: number } = {},
  pair?: PairOptions,
) {
  const { client$, server$ } = connectedPair(pair);
  const server = server$.pipe(share());
  const client = client$.pipe(share());
  const holds = [server.subscribe({ error: () => {} }), client.subscribe({ error: () => {} })];
  server.pipe(acceptSessions()).subscribe({ next: ({ channel }) => channel.subscribe(), error: () => {} });
  const [serverConn, clientConn] = await Promise.all([
    firstValueFrom(server.pipe(take(1))),
    firstValueFrom(client.pipe(take(1))),
  ]);

  let received = 0;
  const settled = new Promise<{ reply?: boolean; received: number }>((resolve) => {
    clientConn.session(opts).subscribe({
      next: (ch) => {
        // Nothing is consumed, so the client never grants more than the initial window.
        ch.manualConsume = true;
        ch.subscribe((m) => {
          if (m.type === 'data') received += m.data.length;
        });
        for (const n of sizes) inject(serverConn, rawChannelData(ch.id, n));
        // A round trip behind the data: answered (with FAILURE, nobody handles "shell") if we are still up.
        ch.request({ type: 'shell' }).subscribe({
          next: (reply) => resolve({ reply, received }),
          error: () => resolve({ received }),
        });
      },
      error: () => resolve({ received }),
    });
  });
  const outcome = await settled;
  const clientEnd = clientConn.closed ? await firstValueFrom(clientConn.disconnect$) : undefined;
  const serverEnd = clientEnd ? await firstValueFrom(serverConn.disconnect$) : undefined;
  for (const h of holds) h.unsubscribe();
  return { ...outcome, clientEnd, serverEnd };
}

const WINDOW = 64 * KiB;
const PACKET = 32 * KiB;
const TOLERANCE = Math.floor(WINDOW / 10);

describe('a peer that ignores our window', () => {
  it('DATA past the window (beyond the 10 % tolerance) ends the connection with a ProtocolError', async () => {
    const r = await overrun([PACKET, PACKET, PACKET], { window: WINDOW, maxPacket: PACKET });
    expect(r.received).toBe(2 * PACKET); // what fitted was delivered; the offending packet was not
    expect(r.clientEnd).toMatchObject({ reason: DisconnectReason.PROTOCOL_ERROR, byPeer: false });
    expect(r.clientEnd?.error).toBeInstanceOf(ProtocolError);
    expect(r.clientEnd?.description).toMatch(/ignored the window/);
    // The server is told why (RFC 4253 §11.1 DISCONNECT with PROTOCOL_ERROR).
    expect(r.serverEnd).toMatchObject({ reason: DisconnectReason.PROTOCOL_ERROR, byPeer: true });
  });

  it('one byte past the tolerance is enough', async () => {
    const r = await overrun([PACKET, PACKET, TOLERANCE + 1], { window: WINDOW, maxPacket: PACKET });
    expect(r.clientEnd?.error).toBeInstanceOf(ProtocolError);
  });

  it('an overrun within the tolerance is accepted and the connection goes on', async () => {
    const r = await overrun([PACKET, PACKET, TOLERANCE], { window: WINDOW, maxPacket: PACKET });
    expect(r.clientEnd).toBeUndefined();
    expect(r.reply).toBe(false); // the round trip behind the data was answered
    expect(r.received).toBe(WINDOW + TOLERANCE);
  });
});

describe('a peer that sends packets over maxAcceptedPacket', () => {
  const pair: PairOptions = { client: { channels: { maxAcceptedPacket: 40_000 } } };

  it('one byte over ends the connection with a ProtocolError', async () => {
    const r = await overrun([40_001], {}, pair);
    expect(r.received).toBe(0);
    expect(r.clientEnd).toMatchObject({ reason: DisconnectReason.PROTOCOL_ERROR, byPeer: false });
    expect(r.clientEnd?.error).toBeInstanceOf(ProtocolError);
    expect(r.clientEnd?.description).toMatch(/40001 bytes of data, over 40000/);
  });

  it('exactly maxAcceptedPacket is accepted (above the advertised max packet, like OpenSSH)', async () => {
    const r = await overrun([40_000], {}, pair);
    expect(r.clientEnd).toBeUndefined();
    expect(r.received).toBe(40_000);
  });
});

describe('the same rules in the sans-I/O multiplexer', () => {
  /**
   * A multiplexer with one open channel (id 0) advertising window 1000 / max packet 500 (adjust threshold
   * min(500, max(4 × 500, 1000 / 8)) = 500), confirmed by a hand-built peer; `sent` collects its output.
   */
  function openMux(sent: Uint8Array[] = []): ChannelMux {
    const mux = new ChannelMux({
      send: (p) => sent.push(p),
      window: 1000,
      maxPacket: 500,
      maxAcceptedPacket: 600,
    });
    const id = mux.open('session');
    mux.receive(
      encodeChannelOpenConfirmation({
        recipientChannel: id,
        senderChannel: 7,
        initialWindow: 1 << 20,
        maxPacket: 1 << 15,
        data: new Uint8Array(0),
      }),
    );
    for (let e = mux.poll(); e; e = mux.poll());
    sent.length = 0;
    return mux;
  }
  /** RFC 4254 §5.2: byte SSH_MSG_CHANNEL_WINDOW_ADJUST (93) ‖ uint32 recipient ‖ uint32 bytes to add. */
  const adjusts = (sent: Uint8Array[]) =>
    sent.filter((p) => p[0] === 93).map((p) => new DataView(p.buffer, p.byteOffset).getUint32(5));

  it('receive() throws ProtocolError past window + 10 %, not before', () => {
    const mux = openMux();
    mux.receive(rawChannelData(0, 500));
    mux.receive(rawChannelData(0, 500));
    mux.receive(rawChannelData(0, 100)); // 1100 = window + 10 %
    expect(() => mux.receive(rawChannelData(0, 1))).toThrow(ProtocolError);
  });

  it('consuming below the adjust threshold advertises nothing, so the window stays closed', () => {
    const sent: Uint8Array[] = [];
    const mux = openMux(sent);
    mux.receive(rawChannelData(0, 500));
    mux.receive(rawChannelData(0, 500));
    mux.consumed(0, 499);
    expect(adjusts(sent)).toEqual([]);
    mux.receive(rawChannelData(0, 100)); // the tolerance, no more
    expect(() => mux.receive(rawChannelData(0, 1))).toThrow(ProtocolError);
  });

  it('what is advertised with WINDOW_ADJUST, and only that, is accepted on top', () => {
    const sent: Uint8Array[] = [];
    const mux = openMux(sent);
    mux.receive(rawChannelData(0, 500));
    mux.receive(rawChannelData(0, 500));
    mux.consumed(0, 500);
    expect(adjusts(sent)).toEqual([500]);
    mux.receive(rawChannelData(0, 500));
    mux.receive(rawChannelData(0, 100)); // the tolerance
    expect(() => mux.receive(rawChannelData(0, 1))).toThrow(ProtocolError);
  });

  it('receive() throws ProtocolError for DATA over maxAcceptedPacket, even inside the window', () => {
    const mux = openMux();
    expect(() => mux.receive(rawChannelData(0, 601))).toThrow(/601 bytes of data, over 600/);
  });
});
