/**
 * The source-address critical option (PROTOCOL.certkeys: "nn.nn.nn.nn/nn or hhhh::hhhh/nn"), parsed with the
 * rules of OpenSSH's addr_match_cidr_list: a bad entry invalidates the list; host bits below the mask are an
 * "Inconsistent mask length". Address forms are RFC 4291 §2.2 (IPv6 text) and RFC 4291 §2.5.5.2
 * (IPv4-mapped). Examples use the documentation ranges of RFC 5737 and RFC 3849.
 */
import { describe, expect, it } from 'vitest';
import { parseSourceAddressList, sourceAddressMatches } from '../../src/keys/certificate-source-address.js';

describe('parseSourceAddressList', () => {
  it.each([
    '192.0.2.1',
    '192.0.2.0/24',
    '0.0.0.0/0',
    '::/0',
    '::1',
    '2001:db8::/32',
    '2001:DB8:0:0:0:0:0:1/128',
    '2001:db8::1:2:3:4:5/128',
    '::ffff:192.0.2.1',
    '1::',
    '10.0.0.0/8,192.0.2.0/24,2001:db8::/48',
  ])('accepts %s', (list) => {
    expect(parseSourceAddressList(list)).not.toBeNull();
  });

  it.each([
    ['an empty list', ''],
    ['an empty entry', '10.0.0.0/8,'],
    ['a host name', 'example.com'],
    ['a wildcard', '10.0.0.*'],
    ['a negation', '!10.0.0.0/8'],
    ['whitespace', '10.0.0.0/8, 192.0.2.0/24'],
    ['host bits set below the mask', '192.0.2.1/24'],
    ['an IPv4 mask over 32', '192.0.2.0/33'],
    ['an IPv6 mask over 128', '::/129'],
    ['an empty mask', '192.0.2.0/'],
    ['two masks', '192.0.2.0/24/24'],
    ['an octet over 255', '192.0.2.256'],
    ['an octal-looking octet', '192.0.2.010'],
    ['a short IPv4 form', '10.1'],
    ['two :: runs', '1::2::3'],
    ['nine IPv6 groups', '1:2:3:4:5:6:7:8:9'],
    ['seven IPv6 groups without ::', '1:2:3:4:5:6:7'],
    ['a five-digit group', '12345::'],
    ['an IPv4 tail before the end', '::1.2.3.4:5'],
    ['a zone id', 'fe80::1%eth0'],
    ['an entry over 49 characters', `${'0:'.repeat(25)}0`],
  ])('refuses %s', (_, list) => {
    expect(parseSourceAddressList(list)).toBeNull();
  });
});

describe('sourceAddressMatches', () => {
  it.each([
    ['192.0.2.0/24', '192.0.2.255', true],
    ['192.0.2.0/24', '192.0.3.0', false],
    ['192.0.2.7', '192.0.2.7', true],
    ['192.0.2.7', '192.0.2.8', false],
    ['192.0.2.128/25', '192.0.2.127', false],
    ['192.0.2.128/25', '192.0.2.128', true],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['0.0.0.0/0', '2001:db8::1', false], // families never cross
    ['::/0', '192.0.2.1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8::/33', '2001:db8:8000::1', false],
    ['::1', '0:0:0:0:0:0:0:1', true],
    // sshd normalises an IPv4-mapped peer address to IPv4 before matching.
    ['192.0.2.0/24', '::ffff:192.0.2.1', true],
    ['192.0.2.0/24', '::ffff:c000:0201', true],
    // A link-local peer as a socket reports it, with its zone.
    ['fe80::/10', 'fe80::1%eth0', true],
    ['198.51.100.0/24,192.0.2.0/24', '192.0.2.1', true],
  ])('%s contains %s: %s', (list, address, expected) => {
    expect(sourceAddressMatches(list, address)).toBe(expected);
  });

  it('never matches with an invalid list, even when a valid entry would match', () => {
    expect(sourceAddressMatches('192.0.2.0/24,bogus', '192.0.2.1')).toBe(false);
  });

  it('never matches an address it cannot parse', () => {
    for (const a of ['', 'localhost', '192.0.2', '192.0.2.1/32', ' 192.0.2.1'])
      expect(sourceAddressMatches('0.0.0.0/0', a)).toBe(false);
  });
});
