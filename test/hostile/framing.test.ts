/**
 * Binary packet framing under hostile values (RFC 4253 §6, §6.1; libssh2 CVE-2019-3855 lengths; checklist
 * item 4): packet_length 0, 4, 262145, 2^31, 2^32-1, padding under 4 or not inside the packet, a packet
 * off the block size, in the clear and under every cipher/MAC we offer. Each is a ProtocolError with
 * reason 2 (PROTOCOL_ERROR), decided from the length alone, before waiting for or allocating that many
 * bytes. A 35 000-byte packet is accepted (RFC 4253 §6.1: "MUST be able to process").
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/crypto/bytes.js';
import { DisconnectReason, ProtocolError } from '../../src/errors.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { decodeUnimplemented, encodeIgnore } from '../../src/wire/transport-messages.js';
import { type Combo, forgeLength, keyedServer, OFFERED } from './support/combos.js';
import { expectFailure } from './support/expect.js';
import { clientUnderTest, type Harness, type Sut, serverUnderTest } from './support/harness.js';

const PROTOCOL = DisconnectReason.PROTOCOL_ERROR;
const HOSTILE_LENGTHS = [0, 4, 262_145, 2 ** 31, 2 ** 32 - 1];
const RFC_MINIMUM_PACKET = 35_000;

/** A packet whose padding_length byte says `padding` and whose block alignment still holds. */
function withPadding(h: Harness<Sut>, padding: number, type: number): Uint8Array {
  const { blockSize, alignFrom } = h.peer.sealer;
  let bodyLength = 8; // long enough that packet_length itself is legal
  while ((5 + bodyLength + padding - alignFrom) % blockSize !== 0) bodyLength++;
  const body = new Uint8Array(bodyLength);
  body[0] = type;
  return h.peer.seal(h.peer.frame(body, { padding }));
}

/** A well-padded packet whose padding_length byte claims `claimed` instead. */
function claimingPadding(h: Harness<Sut>, claimed: (packetLength: number) => number, type: number) {
  const plain = h.peer.frame(Uint8Array.of(type, 0, 0, 0, 0));
  const packetLength = new DataView(plain.buffer).getUint32(0);
  plain[4] = claimed(packetLength);
  return h.peer.seal(plain);
}

/** Sends message 8 and reads the UNIMPLEMENTED reply: proof the connection still works. */
function expectAlive(h: Harness<Sut>): void {
  const from = h.peer.received.length;
  const seq = h.peer.seq;
  h.send(Uint8Array.of(8));
  expect(h.sut.closed).toBe(false);
  const replies = h.peer.received.slice(from).map((r) => r.payload);
  expect(replies.map((p) => p[0])).toEqual([MSG.UNIMPLEMENTED]);
  expect(decodeUnimplemented(replies[0])).toBe(seq);
}

/** IGNORE data length that makes the whole wire packet (length field, MAC included) at most `total`. */
function ignoreFilling(h: Harness<Sut>, total: number): Uint8Array {
  let n = total;
  while (h.peer.wireLength(5 + n) > total) n--;
  return encodeIgnore(new Uint8Array(n).fill(0x5a));
}

describe.each([
  ['server', serverUnderTest],
  ['client', clientUnderTest],
] as const)('framing in the clear, %s under test', (_role, make) => {
  it.each(HOSTILE_LENGTHS)('refuses packet_length %d from the length field alone', (length) => {
    const h = make();
    const head = new Uint8Array(4 + 16);
    new DataView(head.buffer).setUint32(0, length);
    h.deliver(concatBytes(h.peer.identification(), head));
    expect(expectFailure(h, ProtocolError, PROTOCOL).message).toMatch(/packet_length/);
    expect(h.sut.transport.bufferedIn).toBe(0);
  });

  it.each([0, 1, 2, 3])('refuses padding_length %d (RFC 4253 §6: at least 4)', (padding) => {
    const h = make();
    h.deliver(concatBytes(h.peer.identification(), withPadding(h, padding, MSG.KEXINIT)));
    expect(expectFailure(h, ProtocolError, PROTOCOL).message).toMatch(/padding_length/);
  });

  it.each([
    ['equal to packet_length', (n: number) => n],
    ['packet_length - 1 (no room for the message number)', (n: number) => n - 1],
    ['255', () => 255],
  ])('refuses padding_length %s', (_name, claimed) => {
    const h = make();
    h.deliver(concatBytes(h.peer.identification(), claimingPadding(h, claimed, MSG.KEXINIT)));
    expect(expectFailure(h, ProtocolError, PROTOCOL).message).toMatch(/padding_length|empty/);
  });

  it('refuses a packet that is not a multiple of 8 bytes', () => {
    const h = make();
    const kexInit = h.peer.kexInit();
    h.deliver(concatBytes(h.peer.identification(), h.peer.seal(h.peer.frame(kexInit, { extra: 1 }))));
    expect(expectFailure(h, ProtocolError, PROTOCOL).message).toMatch(/block size/);
  });

  it('accepts a 35 000-byte KEXINIT (long but legal name-lists)', () => {
    const h = make();
    const lists = h.peer.lists(true);
    // Unknown names after the real ones: negotiation skips them (RFC 4253 §7.1), the decoder must not choke.
    let payloadLength = h.peer.kexInit(lists).length;
    for (let i = 0; h.peer.wireLength(payloadLength) < RFC_MINIMUM_PACKET - 40; i++) {
      const name = `filler-${i}@hostile.example`;
      lists.kex.push(name);
      payloadLength += name.length + 1;
    }
    const kexInit = h.peer.kexInit(lists);
    const wire = h.peer.packet(kexInit);
    expect(wire.length).toBeGreaterThan(RFC_MINIMUM_PACKET - 64);
    expect(wire.length).toBeLessThanOrEqual(RFC_MINIMUM_PACKET);
    h.deliver(concatBytes(h.peer.identification(), wire));
    h.handshake();
    expect(h.sut.closed).toBe(false);
  });
});

describe.each(OFFERED.map((c) => [c.name, c] as [string, Combo]))(
  'framing after NEWKEYS, %s',
  (_n, combo) => {
    it.each(HOSTILE_LENGTHS)('refuses a forged packet_length %d before reading further', (length) => {
      const h = keyedServer(combo);
      const plain = h.peer.frame(encodeIgnore(new Uint8Array(40)));
      const real = new DataView(plain.buffer).getUint32(0);
      const wire = forgeLength(h.peer.seal(plain), real, length);
      h.deliver(wire);
      expect(expectFailure(h, ProtocolError, PROTOCOL).message).toMatch(/packet_length/);
      expect(h.sut.transport.bufferedIn).toBe(0);
    });

    it.each([0, 3])('refuses padding_length %d under valid protection', (padding) => {
      const h = keyedServer(combo);
      h.deliver(withPadding(h, padding, MSG.IGNORE));
      expect(expectFailure(h, ProtocolError, PROTOCOL).message).toMatch(/padding_length/);
    });

    it('refuses padding_length equal to packet_length under valid protection', () => {
      const h = keyedServer(combo);
      h.deliver(claimingPadding(h, (n) => n, MSG.IGNORE));
      expect(expectFailure(h, ProtocolError, PROTOCOL).message).toMatch(/padding_length/);
    });

    it('refuses a packet off the block size under valid protection', () => {
      const h = keyedServer(combo);
      h.deliver(h.peer.seal(h.peer.frame(encodeIgnore(new Uint8Array(8)), { extra: 1 })));
      expect(expectFailure(h, ProtocolError, PROTOCOL).message).toMatch(/block size/);
    });

    it('accepts a 35 000-byte packet (RFC 4253 §6.1) and goes on', () => {
      const h = keyedServer(combo);
      const before = h.peer.received.length;
      const payload = ignoreFilling(h, RFC_MINIMUM_PACKET);
      const wire = h.peer.packet(payload);
      expect(wire.length).toBeGreaterThan(RFC_MINIMUM_PACKET - 32);
      h.deliver(wire);
      expect(h.peer.received.length, 'IGNORE has no answer').toBe(before);
      expectAlive(h);
    });
  },
);
