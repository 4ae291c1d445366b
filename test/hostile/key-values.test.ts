/**
 * Hostile key-exchange values over the real transport (the kex unit tests check the same values one layer
 * down): X25519 public values whose shared secret is all zero (RFC 7748 §6.1, RFC 8731 §3), also inside
 * the mlkem768x25519 hybrid; DH e/f outside [2, p-2] (RFC 4253 §8); KEXINIT name-lists over 64 KiB and
 * names over 64 characters (RFC 4251 §6). Each ends the connection with the reason that names it and a
 * DISCONNECT in the clear: KEY_EXCHANGE_FAILED (3) for values, PROTOCOL_ERROR (2) for malformed lists.
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex } from '../../src/crypto/bytes.js';
import { DecodeError, DisconnectReason, KexError } from '../../src/errors.js';
import { MODP_2048 } from '../../src/kex/dh-groups.js';
import { encodeDhInit, encodeDhReply, encodeEcdhInit, encodeEcdhReply } from '../../src/kex/messages.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { SshWriter } from '../../src/wire/writer.js';
import { expectFailure } from './support/expect.js';
import { clientUnderTest, type Harness, type Sut, serverUnderTest } from './support/harness.js';

const KEX_FAILED = DisconnectReason.KEY_EXCHANGE_FAILED;
const PROTOCOL = DisconnectReason.PROTOCOL_ERROR;

/**
 * X25519 public values (little-endian u-coordinates) that give an all-zero shared secret with any clamped
 * scalar: 0, 1 and the two points of order 8 (D. J. Bernstein, cr.yp.to/ecdh.html "Which public keys"),
 * the non-canonical p-1 (order 2), p (= 0) and p+1 (= 1), and 0 and 1 with the ignored top bit set
 * (RFC 7748 §5: that bit is masked).
 */
const LOW_ORDER: [string, Uint8Array][] = [
  ['0', new Uint8Array(32)],
  ['1', fromHex(`01${'00'.repeat(31)}`)],
  ['order 8 (a)', fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')],
  ['order 8 (b)', fromHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157')],
  ['p-1', fromHex(`ec${'ff'.repeat(30)}7f`)],
  ['p', fromHex(`ed${'ff'.repeat(30)}7f`)],
  ['p+1', fromHex(`ee${'ff'.repeat(30)}7f`)],
  ['0 with the top bit set', fromHex(`${'00'.repeat(31)}80`)],
  ['1 with the top bit set', fromHex(`01${'00'.repeat(30)}80`)],
];

const { p } = MODP_2048;
const DH_VALUES: [string, bigint][] = [
  ['0', 0n],
  ['1', 1n],
  ['p-1', p - 1n],
  ['p', p],
  ['p+1', p + 1n],
];

/** The SUT's host key blob, for forged replies from the scripted server. */
function hostBlob(h: Harness<Sut>): Uint8Array {
  return h.peer.hostKey!.publicKey.blob;
}

/** Replaces the exchange message the peer computed with `forged`, and sends it. */
function sendInstead(h: Harness<Sut>, forged: Uint8Array): void {
  h.peer.takePending();
  h.send(forged);
}

describe('X25519 public values with an all-zero shared secret', () => {
  it.each(LOW_ORDER)('server refuses Q_C = %s (curve25519-sha256)', (_name, value) => {
    const h = serverUnderTest();
    h.start();
    sendInstead(h, encodeEcdhInit(value));
    expectFailure(h, KexError, KEX_FAILED);
    expect(h.sent(31), 'no ECDH_REPLY').toHaveLength(0);
  });

  it.each(LOW_ORDER)('client refuses Q_S = %s (curve25519-sha256)', (_name, value) => {
    const h = clientUnderTest();
    h.start();
    sendInstead(
      h,
      encodeEcdhReply({ hostKey: hostBlob(h), publicValue: value, signature: new Uint8Array(8) }),
    );
    expectFailure(h, KexError, KEX_FAILED);
    expect(h.eventTypes(), 'never asked about the host key').not.toContain('host-key');
  });

  const kemKey = ml_kem768.keygen(new Uint8Array(64).fill(7)).publicKey;

  it.each(LOW_ORDER)('server refuses the X25519 half of C_INIT = %s (mlkem768x25519-sha256)', (_n, value) => {
    const h = serverUnderTest({ peer: { kex: ['mlkem768x25519-sha256'] } });
    h.start();
    sendInstead(h, encodeEcdhInit(concatBytes(kemKey, value)));
    expectFailure(h, KexError, KEX_FAILED);
  });

  it.each(LOW_ORDER)(
    'client refuses the X25519 half of S_REPLY = %s (mlkem768x25519-sha256)',
    (_n, value) => {
      const h = clientUnderTest({ peer: { kex: ['mlkem768x25519-sha256'] } });
      h.start();
      const reply = concatBytes(new Uint8Array(1088).fill(3), value);
      sendInstead(
        h,
        encodeEcdhReply({ hostKey: hostBlob(h), publicValue: reply, signature: new Uint8Array(8) }),
      );
      expectFailure(h, KexError, KEX_FAILED);
    },
  );
});

describe('Diffie-Hellman values outside [2, p-2] (diffie-hellman-group14-sha256)', () => {
  const dh = { peer: { kex: ['diffie-hellman-group14-sha256'] } };

  it.each(DH_VALUES)('server refuses e = %s', (_name, e) => {
    const h = serverUnderTest(dh);
    h.start();
    sendInstead(h, encodeDhInit(e));
    expectFailure(h, KexError, KEX_FAILED);
  });

  it.each(DH_VALUES)('client refuses f = %s', (_name, f) => {
    const h = clientUnderTest(dh);
    h.start();
    sendInstead(h, encodeDhReply({ hostKey: hostBlob(h), f, signature: new Uint8Array(8) }));
    expectFailure(h, KexError, KEX_FAILED);
  });

  it('the honest exchange over the same group works (so the refusals are about the values)', () => {
    const h = serverUnderTest(dh);
    h.handshake();
    expect(h.sut.transport.negotiated?.kex).toBe('diffie-hellman-group14-sha256');
  });
});

/** A KEXINIT with its ten name-lists given as raw strings (RFC 4253 §7.1 layout). */
function rawKexInit(lists: string[], reserved = 0): Uint8Array {
  const w = new SshWriter().byte(MSG.KEXINIT).raw(new Uint8Array(16));
  for (const l of lists) w.string(l);
  return w.boolean(false).uint32(reserved).bytes();
}

describe.each([
  ['server', serverUnderTest],
  ['client', clientUnderTest],
] as const)('malformed KEXINIT, %s under test', (_role, make) => {
  const good = (h: Harness<Sut>) => {
    const l = h.peer.lists(true);
    return [l.kex, l.hostKey, l.cipherCS, l.cipherSC, l.macCS, l.macSC, l.compCS, l.compSC, [], []].map((x) =>
      x.join(','),
    );
  };

  it.each([
    ['a name-list over 64 KiB', (l: string[]) => [`${l[0]},${'a'.repeat(64 * 1024)}`, ...l.slice(1)]],
    ['a name of 65 characters', (l: string[]) => [`${l[0]},${'n'.repeat(65)}`, ...l.slice(1)]],
    ['an empty name', (l: string[]) => [`${l[0]},,x`, ...l.slice(1)]],
    ['a control character in a name', (l: string[]) => [`${l[0]},bad\tname`, ...l.slice(1)]],
    ['a non-ASCII name', (l: string[]) => [`${l[0]},caf\u00e9`, ...l.slice(1)]],
  ])('refuses %s', (_name, mutate) => {
    const h = make();
    h.deliver(concatBytes(h.peer.identification(), h.peer.packet(rawKexInit(mutate(good(h))))));
    expectFailure(h, DecodeError, PROTOCOL);
  });

  it('refuses a non-zero reserved field', () => {
    const h = make();
    h.deliver(concatBytes(h.peer.identification(), h.peer.packet(rawKexInit(good(h), 1))));
    expectFailure(h, DecodeError, PROTOCOL);
  });

  it('refuses lists with nothing in common (KEY_EXCHANGE_FAILED)', () => {
    const h = make();
    const lists = good(h);
    lists[2] = 'no-such-cipher@hostile.example';
    lists[3] = lists[2];
    h.deliver(concatBytes(h.peer.identification(), h.peer.packet(rawKexInit(lists))));
    expectFailure(h, KexError, KEX_FAILED);
  });

  it('accepts a name of exactly 64 characters (ignored in negotiation)', () => {
    const h = make();
    const lists = good(h);
    lists[0] = `${lists[0]},${'n'.repeat(64)}`;
    h.deliver(concatBytes(h.peer.identification(), h.peer.packet(rawKexInit(lists))));
    expect(h.sut.closed).toBe(false);
  });
});
