/**
 * Hostile identification lines (RFC 4253 §4.2; limits from OpenSSH ssh.h: SSH_MAX_BANNER_LEN 8192,
 * SSH_MAX_PRE_BANNER_LINES 1024; russh CVE-2026-48108 had neither). Every refusal is a ProtocolError with
 * reason 8 (PROTOCOL_VERSION_NOT_SUPPORTED) and a DISCONNECT in the clear after our own identification.
 */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import { DisconnectReason, ProtocolError } from '../../src/errors.js';
import { expectFailure } from './support/expect.js';
import { clientUnderTest, serverUnderTest } from './support/harness.js';

const VERSION = DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED;

/** `SSH-2.0-` and a software version padded so the line, with CR LF, is `total` bytes long. */
function identOfLength(total: number): string {
  return `SSH-2.0-x${'y'.repeat(total - 2 - 'SSH-2.0-x'.length)}`;
}

describe('identification from a hostile client (server under test)', () => {
  it.each([
    ['a 256-byte line (CR LF included; the limit is 255)', `${identOfLength(256)}\r\n`],
    ['a NUL inside the line', 'SSH-2.0-evil\0client\r\n'],
    ['a bare CR inside the line', 'SSH-2.0-evil\rclient\r\n'],
    ['protocol version 1.5', 'SSH-1.5-x\r\n'],
    ['protocol version 3.0', 'SSH-3.0-x\r\n'],
    ['a line before the identification (only servers may send them)', 'hello\r\nSSH-2.0-x\r\n'],
    ['no software version', 'SSH-2.0-\r\n'],
    ['non-ASCII bytes', 'SSH-2.0-\xe9t\xe9\r\n'],
  ])('refuses %s', (_name, line) => {
    const h = serverUnderTest();
    h.deliver(Uint8Array.from(line, (c) => c.charCodeAt(0)));
    expectFailure(h, ProtocolError, VERSION);
  });

  it('refuses an over-long identification as soon as it passes 255 bytes, without waiting for LF', () => {
    const h = serverUnderTest();
    h.deliver(utf8(`SSH-2.0-${'a'.repeat(300)}`));
    expectFailure(h, ProtocolError, VERSION);
  });

  it('accepts a 255-byte line (CR LF included)', () => {
    const line = identOfLength(255);
    const h = serverUnderTest({ peer: { identification: line } });
    h.handshake();
    expect(h.sut.transport.peerIdentification?.line).toBe(line);
  });

  it('accepts a bare LF line ending (as OpenSSH does)', () => {
    const h = serverUnderTest();
    h.deliver(utf8(`${h.peer.identLine}\n`));
    h.deliver(h.peer.packet(h.peer.kexInit()));
    h.handshake();
    expect(h.sut.closed).toBe(false);
    expect(h.sut.transport.peerIdentification?.line).toBe(h.peer.identLine);
  });

  it('accepts SSH-1.99 (RFC 4253 §5.1: compatible with 2.0)', () => {
    const h = serverUnderTest({ peer: { identification: 'SSH-1.99-old_peer' } });
    h.handshake();
    expect(h.sut.transport.peerIdentification?.protoVersion).toBe('1.99');
  });

  it('accepts the identification and KEXINIT delivered one byte at a time', () => {
    const h = serverUnderTest();
    const bytes = new Uint8Array([...h.peer.identification(), ...h.peer.packet(h.peer.kexInit())]);
    for (const b of bytes) h.deliver(Uint8Array.of(b));
    h.handshake();
    expect(h.kexEvents()).toBe(1);
  });
});

describe('identification from a hostile server (client under test)', () => {
  function preBanner(lines: number, length = 20): Uint8Array {
    return utf8(`${'p'.repeat(length)}\r\n`.repeat(lines));
  }

  it('refuses 1025 lines before the identification', () => {
    const h = clientUnderTest();
    h.deliver(preBanner(1025));
    expectFailure(h, ProtocolError, VERSION);
  });

  it('accepts 1024 lines before the identification and keeps them for the application', () => {
    const h = clientUnderTest();
    h.deliver(preBanner(1024));
    h.handshake();
    expect(h.sut.transport.peerIdentification?.preBannerLines).toHaveLength(1024);
    expect(h.sut.transport.peerIdentification?.preBannerLines[0]).toBe('p'.repeat(20));
  });

  it('refuses an 8193-byte line before the identification', () => {
    const h = clientUnderTest();
    h.deliver(preBanner(1, 8193));
    expectFailure(h, ProtocolError, VERSION);
  });

  it('refuses an endless pre-banner line once it passes 8 KiB, without waiting for LF', () => {
    const h = clientUnderTest();
    for (let i = 0; i < 9 && !h.sut.closed; i++) h.deliver(utf8('q'.repeat(1024)));
    expectFailure(h, ProtocolError, VERSION);
    expect(h.peerWire.length, 'refused within the 9th KiB').toBeLessThanOrEqual(9);
  });

  it('accepts an 8000-byte pre-banner line', () => {
    const h = clientUnderTest();
    h.deliver(preBanner(1, 8000));
    h.handshake();
    expect(h.sut.closed).toBe(false);
  });

  it.each([
    ['a NUL in a pre-banner line', 'banner\0line\r\n'],
    ['a bare CR in a pre-banner line', 'banner\rline\r\n'],
  ])('refuses %s', (_name, line) => {
    const h = clientUnderTest();
    h.deliver(utf8(line));
    expectFailure(h, ProtocolError, VERSION);
  });

  it('accepts LF-only pre-banner lines and identification', () => {
    const h = clientUnderTest();
    h.deliver(utf8(`welcome\nto the host\n${h.peer.identLine}\n`));
    h.deliver(h.peer.packet(h.peer.kexInit()));
    h.handshake();
    expect(h.sut.transport.peerIdentification?.preBannerLines).toEqual(['welcome', 'to the host']);
  });

  it('accepts pre-banner lines and identification split across many chunks', () => {
    const h = clientUnderTest();
    const text = utf8(`line one\r\nline two\r\n${h.peer.identLine}\r\n`);
    for (let i = 0; i < text.length; i += 3) h.deliver(text.subarray(i, i + 3));
    h.deliver(h.peer.packet(h.peer.kexInit()));
    h.handshake();
    expect(h.sut.transport.peerIdentification?.preBannerLines).toEqual(['line one', 'line two']);
  });
});
