/**
 * RFC 4253 §11.4: "An implementation MUST respond to all unrecognized messages with an
 * SSH_MSG_UNIMPLEMENTED message in the order in which the messages were received", naming the packet
 * sequence number of the rejected message; the connection goes on.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/crypto/bytes.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { decodeUnimplemented } from '../../src/wire/transport-messages.js';
import { expectAppSawNothing } from './support/expect.js';
import {
  authenticateClient,
  authenticateServer,
  clientUnderTest,
  type Harness,
  type Sut,
  serverUnderTest,
} from './support/harness.js';

const UNKNOWN = [8, 9, 19, 22, 29, 128, 200, 255];

/** Sends `types` (each with a few bytes of body) in one delivery; returns the sequence numbers they used. */
function sendUnknown(h: Harness<Sut>, types: readonly number[]): number[] {
  const seqs: number[] = [];
  const packets = types.map((t) => {
    seqs.push(h.peer.seq);
    return h.peer.packet(Uint8Array.of(t, 0xde, 0xad));
  });
  h.deliver(concatBytes(...packets));
  return seqs;
}

function unimplementedReplies(h: Harness<Sut>, from: number): number[] {
  const replies = h.peer.received.slice(from).map((r) => r.payload);
  expect(
    replies.map((p) => p[0]),
    'only UNIMPLEMENTED replies',
  ).toEqual(replies.map(() => MSG.UNIMPLEMENTED));
  return replies.map(decodeUnimplemented);
}

describe.each([
  ['server', () => serverUnderTest(), (h: Harness<Sut>) => h.handshake()],
  ['client', () => clientUnderTest(), (h: Harness<Sut>) => h.handshake({ extInfo: new Map() })],
] as const)('unknown message numbers after the key exchange, %s under test', (_role, make, kex) => {
  it.each(UNKNOWN)('answers message %d with UNIMPLEMENTED naming its sequence number', (type) => {
    const h = make();
    kex(h);
    const from = h.peer.received.length;
    const seqs = sendUnknown(h, [type]);
    expect(unimplementedReplies(h, from)).toEqual(seqs);
    expect(h.sut.closed).toBe(false);
    expectAppSawNothing(h);
  });

  it('answers a burst of transport-range unknown messages in order, and stays usable', () => {
    const h = make();
    kex(h);
    const from = h.peer.received.length;
    const seqs = sendUnknown(h, [8, 9, 19, 22, 29, 8, 9, 19, 22, 29]);
    expect(unimplementedReplies(h, from)).toEqual(seqs);
    h.rekey();
    expect(h.kexEvents()).toBe(2);
    expect(h.sut.closed).toBe(false);
  });

  // Fixed defect, kept as a regression test (RFC 4253 §11.4: reply "in the order in which the messages were received", each naming the
  // rejected packet's sequence number). Numbers the transport passes up (128-255 here) are answered by
  // CoreBase.route (src/connection/core-base.ts, `this.transport.sendUnimplemented()`) only after
  // Transport.receive decoded the whole chunk, and Transport.sendUnimplemented
  // (src/transport/transport.ts) names `this.lastSeq`, the LAST packet decoded. Packets
  // [128, 8, 200, 9] with sequence numbers [0, 1, 2, 3] in one chunk get UNIMPLEMENTED [1, 3, 3, 3].
  it('answers a burst mixing 8-29 and 128-255 with each packet own number, in order', () => {
    const h = make();
    kex(h);
    const from = h.peer.received.length;
    const seqs = sendUnknown(h, [128, 8, 200, 9, 255, 22]);
    expect(unimplementedReplies(h, from)).toEqual(seqs);
  });
});

describe('unknown message numbers after authentication', () => {
  it.each(UNKNOWN)('server answers message %d with UNIMPLEMENTED', (type) => {
    const h = serverUnderTest();
    h.handshake();
    authenticateServer(h);
    const from = h.peer.received.length;
    const seqs = sendUnknown(h, [type]);
    expect(unimplementedReplies(h, from)).toEqual(seqs);
    expect(h.sut.closed).toBe(false);
  });

  it.each(UNKNOWN)('client answers message %d with UNIMPLEMENTED', (type) => {
    const h = clientUnderTest();
    h.handshake({ extInfo: new Map() });
    authenticateClient(h);
    const from = h.peer.received.length;
    const seqs = sendUnknown(h, [type]);
    expect(unimplementedReplies(h, from)).toEqual(seqs);
    expect(h.sut.closed).toBe(false);
  });

  // Fixed defect, kept as a regression test (RFC 4253 §11.4): numbers of the connection range that no RFC assigns (83-89, 101-127) are
  // "unrecognized messages", but CoreBase.onConnectionMessage (src/connection/core-base.ts, the `default`
  // branch) hands them to ChannelMux.receive, which ends the connection with "message N is not a channel
  // message" (src/channel/channel-mux.ts) instead of a reply of UNIMPLEMENTED. OpenSSH answers them with
  // UNIMPLEMENTED (dispatch_protocol_error). Fix: route only 90-100 to the mux and answer the rest with
  // UNIMPLEMENTED naming their own sequence number.
  it.each([83, 89, 101, 127])(
    'server answers unassigned connection-range message %d with UNIMPLEMENTED',
    (type) => {
      const h = serverUnderTest();
      h.handshake();
      authenticateServer(h);
      const from = h.peer.received.length;
      const seqs = sendUnknown(h, [type]);
      expect(h.sut.closed).toBe(false);
      expect(unimplementedReplies(h, from)).toEqual(seqs);
    },
  );
});
