/**
 * Packet integrity (RFC 4253 §6.4, OpenSSH regress/integrity.sh; checklist item 5): for every cipher/MAC
 * we offer, each single-bit flip of the first encrypted packet ends the connection with a MAC error
 * (reason 5), or a length error (reason 2) when the flip lands on the length, and nothing of the packet
 * reaches the layer above. A flip that makes the length larger but still legal leaves the SUT waiting; the
 * peer then keeps sending filler, and the SUT must fail once the claimed packet is complete, holding at
 * most one maximum-size packet meanwhile (chacha20-poly1305's encrypted length included: never an
 * allocation from an unauthenticated huge length).
 */
import { describe, expect, it } from 'vitest';
import { DisconnectReason, MacError, ProtocolError } from '../../src/errors.js';
import { DEFAULT_MAX_PACKET_LENGTH } from '../../src/transport/packet-decoder.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { decodeDisconnect, encodeServiceRequest } from '../../src/wire/transport-messages.js';
import { type Combo, keyedServer, OFFERED } from './support/combos.js';
import { expectAppSawNothing } from './support/expect.js';

const FILLER = new Uint8Array(64 * 1024);
/** The most a SUT may hold while it waits for a packet: one maximum packet and its MAC. */
const MAX_HELD = DEFAULT_MAX_PACKET_LENGTH + 4 + 64;

/** The first encrypted packet of a session: SERVICE_REQUEST, whose effect (SERVICE_ACCEPT) is visible. */
const SERVICE_REQUEST = encodeServiceRequest('ssh-userauth');

function flipOutcome(combo: Combo, offset: number, mask: number): string {
  const h = keyedServer(combo, 'integrity');
  const wire = h.peer.packet(SERVICE_REQUEST);
  wire[offset] ^= mask;
  const before = h.peer.received.length;
  h.deliver(wire);
  for (let i = 0; i < 6 && !h.sut.closed; i++) {
    expect(h.sut.transport.bufferedIn, 'bytes held while waiting').toBeLessThanOrEqual(MAX_HELD);
    h.deliver(FILLER);
  }
  const info = h.closedInfo();
  expect(info, `byte ${offset} ^ ${mask}: the SUT must close`).toBeDefined();
  const isMac = info!.error instanceof MacError && info!.reason === DisconnectReason.MAC_ERROR;
  const isLength =
    info!.error instanceof ProtocolError &&
    !(info!.error instanceof MacError) &&
    info!.reason === DisconnectReason.PROTOCOL_ERROR &&
    /packet_length/.test(info!.description);
  expect(isMac || isLength, `byte ${offset} ^ ${mask}: ${info!.error?.name}: ${info!.description}`).toBe(
    true,
  );
  const sent = h.peer.received.slice(before).map((r) => r.payload);
  expect(
    sent.map((p) => p[0]),
    `byte ${offset}: only DISCONNECT, never SERVICE_ACCEPT`,
  ).toEqual([MSG.DISCONNECT]);
  expect(decodeDisconnect(sent[0]).reason).toBe(info!.reason);
  expectAppSawNothing(h);
  return isMac ? 'mac' : 'length';
}

describe.each(OFFERED.map((c) => [c.name, c] as [string, Combo]))('integrity, %s', (_n, combo) => {
  it('the untouched packet works (so a flip that passed would show)', () => {
    const h = keyedServer(combo, 'integrity');
    h.send(SERVICE_REQUEST);
    expect(h.sent(MSG.SERVICE_ACCEPT)).toHaveLength(1);
  });

  it('every single-bit flip of the first encrypted packet is a MAC or length error', () => {
    const length = keyedServer(combo, 'integrity').peer.packet(SERVICE_REQUEST).length;
    const outcomes = new Map<string, number>();
    for (let offset = 0; offset < length; offset++) {
      for (const mask of offset < 4 ? [0x01, 0x80] : [0x01]) {
        const o = flipOutcome(combo, offset, mask);
        outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
      }
    }
    // Flips past the length field can only be caught by the MAC or tag.
    expect(outcomes.get('mac')).toBeGreaterThanOrEqual(length - 4);
  });
});
