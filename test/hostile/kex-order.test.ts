/**
 * Key-exchange ordering (RFC 4253 §7, §7.1, §7.3) and strict kex, the Terrapin countermeasure (OpenSSH
 * PROTOCOL §1.9, CVE-2023-48795): the first packet must be KEXINIT, nothing but kex messages before the
 * first NEWKEYS when both sides set the marker, sequence numbers restart at 0 after every NEWKEYS, the
 * markers count only in the first KEXINIT.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/random.js';
import { DisconnectReason, HostKeyError, MacError, ProtocolError } from '../../src/errors.js';
import { encodeEcdhInit } from '../../src/kex/messages.js';
import { generateKey } from '../../src/keys/generate-key.js';
import { MSG } from '../../src/wire/message-numbers.js';
import {
  decodeKexInit,
  decodeUnimplemented,
  encodeDebug,
  encodeExtInfo,
  encodeIgnore,
  encodeNewKeys,
  encodeServiceAccept,
  encodeServiceRequest,
  encodeUnimplemented,
} from '../../src/wire/transport-messages.js';
import { SshWriter } from '../../src/wire/writer.js';
import { expectFailure } from './support/expect.js';
import {
  authenticateServer,
  clientUnderTest,
  type Harness,
  type Sut,
  serverUnderTest,
} from './support/harness.js';
import { crypto, STRICT_C, STRICT_S } from './support/scripted-peer.js';

const PROTOCOL = DisconnectReason.PROTOCOL_ERROR;

/** Sends the key-exchange replies the peer has computed (ECDH_INIT from a client, ECDH_REPLY from a server). */
function sendPending(h: Harness<Sut>): void {
  h.deliver(concatBytes(...h.peer.takePending().map((p) => h.peer.packet(p))));
}

/** Message 8 is unassigned for us: the reply is UNIMPLEMENTED naming its sequence number (RFC 4253 §11.4). */
function probeSequence(h: Harness<Sut>): number {
  const before = h.peer.received.length;
  h.send(Uint8Array.of(8, 1, 2, 3));
  const replies = h.peer.received.slice(before).map((r) => r.payload);
  expect(replies.map((p) => p[0])).toEqual([MSG.UNIMPLEMENTED]);
  return decodeUnimplemented(replies[0]);
}

const INTERLOPERS: [string, Uint8Array][] = [
  ['IGNORE', encodeIgnore(new Uint8Array(8))],
  ['DEBUG', encodeDebug('hello')],
  ['UNIMPLEMENTED', encodeUnimplemented(0)],
];

describe.each([
  ['server', serverUnderTest],
  ['client', clientUnderTest],
] as const)('key-exchange order, %s under test', (_role, make) => {
  it.each([
    ['IGNORE', encodeIgnore(new Uint8Array(0))],
    ['DEBUG', encodeDebug('first')],
    ['UNIMPLEMENTED', encodeUnimplemented(0)],
    ['NEWKEYS', encodeNewKeys()],
    ['a kex method message (30)', encodeEcdhInit(new Uint8Array(32).fill(9))],
    ['SERVICE_REQUEST', encodeServiceRequest('ssh-userauth')],
    ['a connection message (GLOBAL_REQUEST)', Uint8Array.of(80, 0, 0, 0, 1, 0x78, 0)],
  ])('refuses %s as the first packet, strict kex or not', (_name, payload) => {
    for (const strictKex of [true, false]) {
      const h = make({ peer: { strictKex } });
      h.deliver(concatBytes(h.peer.identification(), h.peer.packet(payload)));
      expectFailure(h, ProtocolError, PROTOCOL);
    }
  });

  it.each(INTERLOPERS)('strict kex: refuses %s right after KEXINIT', (_name, payload) => {
    const h = make();
    h.start();
    h.send(payload);
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it.each(INTERLOPERS)('without the peer marker: tolerates %s during the initial kex', (_name, payload) => {
    const h = make({ peer: { strictKex: false } });
    h.start();
    h.send(payload);
    h.handshake();
    expect(h.sut.closed).toBe(false);
    expect(h.sut.transport.strictKex).toBe(false);
  });

  it('without our own strict kex: tolerates IGNORE even when the peer sets its marker', () => {
    const h = make({ strictKex: false });
    h.start();
    h.send(encodeIgnore(new Uint8Array(4)));
    h.handshake();
    expect(h.sut.transport.strictKex).toBe(false);
  });

  it('refuses a second KEXINIT during the exchange', () => {
    const h = make();
    h.start();
    h.send(h.peer.kexInit());
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses NEWKEYS before the key-exchange reply', () => {
    const h = make();
    h.start();
    h.send(encodeNewKeys());
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it.each([30, 31, 32, 33, 34, 49])('refuses kex method message %d outside a key exchange', (type) => {
    const h = make();
    h.handshake({ extInfo: new Map() });
    h.send(Uint8Array.of(type, 0, 0, 0, 0));
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses a second NEWKEYS after the exchange', () => {
    const h = make();
    h.handshake({ extInfo: new Map() });
    h.send(encodeNewKeys());
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses a kex method message sent after our KEXINIT but before the peer sent its own', () => {
    const h = make();
    h.handshake({ extInfo: new Map() });
    h.sut.transport.rekey();
    h.pump();
    h.send(Uint8Array.of(30, 0, 0, 0, 0));
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('puts no strict-kex or ext-info marker in a re-exchange KEXINIT', () => {
    const h = make();
    h.handshake({ extInfo: new Map() });
    const first = decodeKexInit(h.sent(MSG.KEXINIT)[0]).lists.kex;
    expect(first.some((n) => n === STRICT_C || n === STRICT_S)).toBe(true);
    h.sut.transport.rekey();
    h.pump();
    const later = decodeKexInit(h.sent(MSG.KEXINIT)[1]).lists.kex;
    expect(later.filter((n) => n.includes('@openssh.com') && n.startsWith('kex-strict'))).toEqual([]);
    expect(later.filter((n) => n.startsWith('ext-info'))).toEqual([]);
  });
});

describe('strict kex on the server under test', () => {
  it.each(INTERLOPERS)('refuses %s after the server already sent NEWKEYS', (_name, payload) => {
    const h = serverUnderTest();
    h.start();
    sendPending(h); // ECDH_INIT: the server answers with ECDH_REPLY and NEWKEYS
    expect(h.sent(MSG.NEWKEYS)).toHaveLength(1);
    h.send(payload); // still in the clear: the peer has not sent NEWKEYS
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('restarts sequence numbers at 0 after NEWKEYS, in both directions', () => {
    const h = serverUnderTest();
    h.handshake();
    // KEXINIT, ECDH_INIT and NEWKEYS used 0..2; with strict kex the next packet is 0 again.
    expect(probeSequence(h)).toBe(0);
    const afterNewKeys = h.peer.received.findIndex((r) => r.payload[0] === MSG.NEWKEYS) + 1;
    expect(h.peer.received[afterNewKeys].seq, 'our first encrypted packet (EXT_INFO)').toBe(0);
    expect(h.peer.received[afterNewKeys].payload[0]).toBe(MSG.EXT_INFO);
  });

  it('counts on without strict kex: the fourth packet is number 3', () => {
    const h = serverUnderTest({ peer: { strictKex: false } });
    h.handshake();
    expect(probeSequence(h)).toBe(3);
  });

  it('keeps strict kex to the initial exchange: IGNORE and DEBUG during a re-exchange are fine', () => {
    const h = serverUnderTest();
    h.handshake();
    h.rekey({
      before: () => h.send(encodeIgnore(new Uint8Array(3)), encodeDebug('during rekey')),
    });
    expect(h.sut.closed).toBe(false);
    expect(h.kexEvents()).toBe(2);
    // PROTOCOL §1.9: with strict kex, every NEWKEYS resets the sequence number, re-exchanges included.
    expect(probeSequence(h)).toBe(0);
  });

  it('ignores markers that first appear in a later KEXINIT', () => {
    const h = serverUnderTest({ peer: { strictKex: false } });
    h.handshake();
    expect(h.sut.transport.strictKex).toBe(false);
    const lists = h.peer.lists(false);
    lists.kex.push(STRICT_C);
    const seqBefore = probeSequence(h);
    // The re-exchange: the peer's KEXINIT carries the marker, then IGNORE, which strict kex would refuse.
    h.rekey({ lists, before: () => h.send(encodeIgnore(new Uint8Array(1))) });
    expect(h.sut.closed).toBe(false);
    expect(h.sut.transport.strictKex).toBe(false);
    // Packets since the probe: KEXINIT, IGNORE, ECDH_INIT, NEWKEYS; no reset, so the next is +5.
    expect(probeSequence(h)).toBe(seqBefore + 5);
  });
});

describe('re-exchange rules', () => {
  it('client refuses a different host key in a re-exchange (HostKeyError, reason 9)', () => {
    const h = clientUnderTest();
    h.handshake({ extInfo: new Map() });
    h.peer.hostKey = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('another host key') });
    h.send(h.peer.kexInit());
    sendPending(h);
    expectFailure(h, HostKeyError, DisconnectReason.HOST_KEY_NOT_VERIFIABLE);
    expect(h.kexEvents()).toBe(1);
  });

  it.each([
    ['GLOBAL_REQUEST', new SshWriter().byte(80).string('keepalive@openssh.com').boolean(true).bytes()],
    ['SERVICE_REQUEST', encodeServiceRequest('ssh-userauth')],
    ['a channel message', Uint8Array.of(94, 0, 0, 0, 0, 0, 0, 0, 0)],
  ])('server refuses %s between the peer KEXINIT and its NEWKEYS (RFC 4253 §7.1)', (_n, payload) => {
    const h = serverUnderTest();
    h.handshake();
    authenticateServer(h);
    h.send(h.peer.kexInit());
    h.send(payload);
    expectFailure(h, ProtocolError, PROTOCOL);
  });
});

describe('strict kex on the client under test', () => {
  it.each(INTERLOPERS)('refuses %s between the server reply and its NEWKEYS', (_name, payload) => {
    const h = clientUnderTest();
    h.start();
    sendPending(h); // ECDH_REPLY; the host key is accepted and the client sends NEWKEYS
    expect(h.sent(MSG.NEWKEYS)).toHaveLength(1);
    h.send(payload);
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('restarts the sequence number at 0 after NEWKEYS (EXT_INFO is 0, the next packet 1)', () => {
    const h = clientUnderTest();
    h.handshake({ extInfo: new Map([['server-sig-algs', 'ssh-ed25519']]) });
    expect(probeSequence(h)).toBe(1);
  });

  it('Terrapin: deleting the server first encrypted packet (EXT_INFO) ends in a MAC error', () => {
    const h = clientUnderTest();
    h.start();
    const reply = h.peer.takePending().map((p) => h.peer.packet(p));
    const newKeys = h.peer.newKeys();
    h.peer.packet(encodeExtInfo(new Map([['server-sig-algs', 'ssh-ed25519']]))); // seq 0: deleted in flight
    const accept = h.peer.packet(encodeServiceAccept('ssh-userauth')); // seq 1, arrives where 0 is expected
    h.deliver(concatBytes(...reply, newKeys, accept));
    expectFailure(h, MacError, DisconnectReason.MAC_ERROR);
  });
});
