/**
 * EXT_INFO positions and size (RFC 8308 §2.4; AsyncSSH CVE-2023-46445 "rogue extension negotiation";
 * libssh2 CVE-2026-55199, a count of 0xFFFFFFFF looping for a minute). A server's EXT_INFO is accepted as
 * the first packet after its first NEWKEYS and once more during authentication; a client's only as its
 * first packet after NEWKEYS. Anything else ends the connection.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/crypto/bytes.js';
import { DecodeError, DisconnectReason, ProtocolError } from '../../src/errors.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { encodeExtInfo, encodeIgnore, encodeServiceAccept } from '../../src/wire/transport-messages.js';
import { SshWriter } from '../../src/wire/writer.js';
import { expectFailure } from './support/expect.js';
import {
  authenticateClient,
  authenticateServer,
  clientUnderTest,
  serverUnderTest,
} from './support/harness.js';

const PROTOCOL = DisconnectReason.PROTOCOL_ERROR;
const sigAlgs = (algs: string) => encodeExtInfo(new Map([['server-sig-algs', algs]]));

/** EXT_INFO claiming `count` entries, followed by `body` (RFC 8308 §2.3 layout). */
function extInfoWithCount(count: number, body = new Uint8Array(0)): Uint8Array {
  return new SshWriter().byte(MSG.EXT_INFO).uint32(count).raw(body).bytes();
}

describe('EXT_INFO from a hostile server (client under test)', () => {
  it('accepts one right after NEWKEYS and a second one during authentication', () => {
    const h = clientUnderTest();
    h.handshake({ extInfo: new Map([['server-sig-algs', 'ssh-ed25519']]) });
    h.send(encodeServiceAccept('ssh-userauth'));
    h.send(sigAlgs('ssh-ed25519,rsa-sha2-512'));
    expect(h.sut.closed).toBe(false);
    expect(h.eventTypes().filter((t) => t === 'ext-info')).toHaveLength(2);
    const value = h.sut.transport.peerExtensions.get('server-sig-algs');
    expect(value && new TextDecoder().decode(value), 'the later value wins').toBe('ssh-ed25519,rsa-sha2-512');
  });

  it('refuses EXT_INFO in the clear, during the key exchange', () => {
    const h = clientUnderTest();
    h.start();
    h.send(sigAlgs('ssh-ed25519'));
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses EXT_INFO that is not the first packet after NEWKEYS (and no second chance is open)', () => {
    const h = clientUnderTest();
    h.handshake();
    h.send(encodeIgnore(new Uint8Array(0)), sigAlgs('ssh-ed25519'));
    // The first EXT_INFO out of position is refused: the "second" position needs a first one.
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses a third EXT_INFO', () => {
    const h = clientUnderTest();
    h.handshake({ extInfo: new Map([['server-sig-algs', 'ssh-ed25519']]) });
    h.send(encodeServiceAccept('ssh-userauth'), sigAlgs('ssh-ed25519'));
    expect(h.sut.closed).toBe(false);
    h.send(sigAlgs('rsa-sha2-256'));
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses EXT_INFO after authentication', () => {
    const h = clientUnderTest();
    h.handshake({ extInfo: new Map([['server-sig-algs', 'ssh-ed25519']]) });
    authenticateClient(h);
    h.send(sigAlgs('ssh-ed25519'));
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it.each([
    ['0xFFFFFFFF entries', 0xffff_ffff],
    ['1025 entries (over the 1024 cap)', 1025],
    ['more entries than the bytes can hold', 100],
  ])('refuses a count of %s at once, before allocating', (_name, count) => {
    const h = clientUnderTest();
    h.start();
    const reply = h.peer.takePending().map((p) => h.peer.packet(p));
    const newKeys = h.peer.newKeys();
    const started = performance.now();
    h.deliver(concatBytes(...reply, newKeys, h.peer.packet(extInfoWithCount(count, new Uint8Array(16)))));
    expect(performance.now() - started, 'milliseconds to refuse').toBeLessThan(250);
    expectFailure(h, DecodeError, PROTOCOL);
  });

  it('refuses an extension name listed twice', () => {
    const h = clientUnderTest();
    h.start();
    const dup = new SshWriter()
      .byte(MSG.EXT_INFO)
      .uint32(2)
      .string('server-sig-algs')
      .string('ssh-ed25519')
      .string('server-sig-algs')
      .string('ssh-rsa')
      .bytes();
    const reply = h.peer.takePending().map((p) => h.peer.packet(p));
    h.deliver(concatBytes(...reply, h.peer.newKeys(), h.peer.packet(dup)));
    expectFailure(h, DecodeError, PROTOCOL);
  });
});

describe('EXT_INFO from a hostile client (server under test)', () => {
  it('accepts one as the first packet after the client NEWKEYS', () => {
    const h = serverUnderTest();
    h.handshake({ extInfo: new Map([['global-requests-ok', '']]) });
    expect(h.sut.closed).toBe(false);
    expect(h.sut.transport.peerExtensions.has('global-requests-ok')).toBe(true);
  });

  it('refuses a second EXT_INFO', () => {
    const h = serverUnderTest();
    h.handshake({ extInfo: new Map([['global-requests-ok', '']]) });
    h.send(encodeExtInfo(new Map([['global-requests-ok', '']])));
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses EXT_INFO that is not the first packet after NEWKEYS', () => {
    const h = serverUnderTest();
    h.handshake();
    h.send(encodeIgnore(new Uint8Array(0)), encodeExtInfo(new Map([['global-requests-ok', '']])));
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses EXT_INFO after authentication', () => {
    const h = serverUnderTest();
    h.handshake();
    authenticateServer(h);
    h.send(encodeExtInfo(new Map([['global-requests-ok', '']])));
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses a count of 0xFFFFFFFF at once', () => {
    const h = serverUnderTest();
    h.start();
    h.deliver(concatBytes(...h.peer.takePending().map((p) => h.peer.packet(p))));
    const started = performance.now();
    h.deliver(concatBytes(h.peer.newKeys(), h.peer.packet(extInfoWithCount(0xffff_ffff))));
    expect(performance.now() - started).toBeLessThan(250);
    expectFailure(h, DecodeError, PROTOCOL);
  });

  // Fixed defect, kept as a regression test (RFC 8308 §2.1): a client MAY send EXT_INFO when the SERVER sent ext-info-s; whether the client
  // sent ext-info-c is irrelevant. Transport.onNewKeys (src/transport/transport.ts, `this.extInfoWindow =
  // this.role === 'client' ? true : this.peerWantsExtInfo`) opens the server's window only when the client
  // sent ext-info-c, so this EXT_INFO ends the connection with "EXT_INFO out of place".
  it('accepts a client EXT_INFO when the client did not send ext-info-c (ext-info-s is what counts)', () => {
    const h = serverUnderTest({ peer: { extInfo: false } });
    h.handshake({ extInfo: new Map([['global-requests-ok', '']]) });
    expect(h.sut.closed).toBe(false);
  });
});
