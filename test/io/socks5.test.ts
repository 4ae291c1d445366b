/**
 * SOCKS5 codecs (RFC 1928): messages built from the RFC's field tables, fed whole and byte by byte (a reader
 * answers "incomplete" on every proper prefix), malformed input refused with the right reply code, and the
 * IPv6 text form checked against RFC 5952's own examples.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeSocksMethod,
  encodeSocksReply,
  formatIpv6,
  readSocksGreeting,
  readSocksRequest,
  SocksError,
  SocksReply,
} from '../../src/io/socks5.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** Every proper prefix reads as incomplete; the whole message reads as `expected`. */
function bytewise<T>(read: (b: Uint8Array) => T | undefined, msg: Uint8Array): T {
  for (let n = 0; n < msg.length; n++) expect(read(msg.subarray(0, n))).toBeUndefined();
  const whole = read(msg);
  expect(whole).toBeDefined();
  return whole as T;
}

describe('SOCKS5 greeting (RFC 1928 §3)', () => {
  it('reads VER NMETHODS METHODS, fed whole and byte by byte, and ignores what follows', () => {
    const msg = hex('05 02 00 02');
    expect(bytewise(readSocksGreeting, msg)).toEqual({ methods: [0, 2], length: 4 });
    expect(readSocksGreeting(hex('05 01 00 05 01 00 01'))).toEqual({ methods: [0], length: 3 });
  });

  it('refuses another version (SOCKS4 starts with 4) and an empty method list', () => {
    expect(() => readSocksGreeting(hex('04 01'))).toThrow(SocksError);
    expect(() => readSocksGreeting(hex('05 00'))).toThrow(/no methods/);
  });

  it('method selection is VER METHOD', () => {
    expect(encodeSocksMethod(0)).toEqual(hex('05 00'));
    expect(encodeSocksMethod(0xff)).toEqual(hex('05 ff'));
  });
});

describe('SOCKS5 request (RFC 1928 §4, §5)', () => {
  it('IPv4: 127.0.0.1 port 8080', () => {
    expect(bytewise(readSocksRequest, hex('05 01 00 01 7f000001 1f90'))).toEqual({
      command: 1,
      host: '127.0.0.1',
      port: 8080,
      length: 10,
    });
  });

  it('domain name: one length octet, no NUL', () => {
    const name = Buffer.from('example.com');
    const msg = Uint8Array.from([5, 1, 0, 3, name.length, ...name, 0x00, 0x50]);
    expect(bytewise(readSocksRequest, msg)).toEqual({
      command: 1,
      host: 'example.com',
      port: 80,
      length: msg.length,
    });
  });

  it('IPv6: 16 octets, shown in RFC 5952 form', () => {
    const msg = hex('05 01 00 04 00000000000000000000000000000001 0016');
    expect(bytewise(readSocksRequest, msg)).toMatchObject({ host: '::1', port: 22, length: 22 });
  });

  it('leaves the command to the caller (BIND is read, then refused by the handshake)', () => {
    expect(readSocksRequest(hex('05 02 00 01 7f000001 0050'))?.command).toBe(2);
  });

  it('refuses unknown address types with reply 08, and odd domain names with 04', () => {
    const expectReply = (msg: Uint8Array, reply: number) => {
      try {
        readSocksRequest(msg);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(SocksError);
        expect((e as SocksError).reply).toBe(reply);
      }
    };
    expectReply(hex('05 01 00 02 7f000001 0050'), SocksReply.ADDRESS_TYPE_NOT_SUPPORTED);
    expectReply(hex('05 01 00 03 00 0050'), SocksReply.HOST_UNREACHABLE);
    expectReply(Uint8Array.from([5, 1, 0, 3, 3, 0x61, 0x00, 0x62, 0, 80]), SocksReply.HOST_UNREACHABLE);
    expectReply(Uint8Array.from([5, 1, 0, 3, 3, 0x61, 0x0a, 0x62, 0, 80]), SocksReply.HOST_UNREACHABLE);
    expect(() => readSocksRequest(hex('04 01 00 50 7f000001'))).toThrow(SocksError);
  });

  it('reply: VER REP RSV ATYP(IPv4) 0.0.0.0 port 0', () => {
    expect(encodeSocksReply(SocksReply.SUCCEEDED)).toEqual(hex('05 00 00 01 00000000 0000'));
    expect(encodeSocksReply(SocksReply.CONNECTION_REFUSED)).toEqual(hex('05 05 00 01 00000000 0000'));
  });
});

describe('formatIpv6 (RFC 5952 §4)', () => {
  const v6 = (groups: number[]) => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff]));
  it.each([
    // §4.2.1: shorten as much as possible; §4.3: lower case
    [[0x2001, 0xdb8, 0, 0, 0, 0, 2, 1], '2001:db8::2:1'],
    // §4.2.2: a single 16-bit 0 field is not shortened
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], '2001:db8:0:1:1:1:1:1'],
    // §4.2.3: the longest run is shortened; on a tie, the first
    [[0x2001, 0, 0, 1, 0, 0, 0, 1], '2001:0:0:1::1'],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'],
    // §4.1: no leading zeros
    [
      [0x2001, 0xdb8, 0xaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeee, 0xaaaa],
      '2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa',
    ],
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[0xfe80, 0, 0, 0, 0, 0, 0, 0], 'fe80::'],
  ])('%j → %s', (groups, text) => {
    expect(formatIpv6(v6(groups as number[]))).toBe(text);
  });
});
