/**
 * The `source-address` critical option (PROTOCOL.certkeys): "Comma-separated list of source addresses from
 * which this certificate is accepted ... in CIDR format (nn.nn.nn.nn/nn or hhhh::hhhh/nn)". Parsed as
 * strictly as sshd's addr_match_cidr_list: any bad entry (empty, over-long, stray characters, a mask past
 * the family's width, or host bits set below the mask) makes the whole list invalid, and an invalid list
 * never matches. Plain text scanning only: no DNS, no regex built from input.
 */

interface Cidr {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/** INET6_ADDRSTRLEN (46) + 3 for "/nn", as sshd caps an entry before parsing it. */
const MAX_ENTRY_CHARS = 49;
const CIDR_CHARS = /^[0-9a-fA-F.:/]+$/;

/** Strict dotted quad: four decimal octets 0-255 without leading zeros (no inet_aton octal/short forms). */
function parseIpv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** RFC 4291 §2.2 text forms: eight groups, one `::` run, and an optional dotted-quad tail. */
function parseIpv6(s: string): Uint8Array | null {
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  // '::' stands in the list as a marker for the run of zero groups it elides.
  const all = halves.length === 2 ? [...groups(halves[0]), '::', ...groups(halves[1])] : groups(halves[0]);
  const words: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const g = all[i];
    if (g === '::') {
      words.push(-1);
    } else if (i === all.length - 1 && g.includes('.')) {
      const v4 = parseIpv4(g);
      if (v4 === null) return null;
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      words.push(Number.parseInt(g, 16));
    }
  }
  const gap = words.indexOf(-1);
  const explicit = words.length - (gap >= 0 ? 1 : 0);
  if (gap < 0 ? explicit !== 8 : explicit > 7) return null;
  const full =
    gap < 0 ? words : [...words.slice(0, gap), ...Array(8 - explicit).fill(0), ...words.slice(gap + 1)];
  const out = new Uint8Array(16);
  full.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

function parseAddress(s: string): { family: 4 | 6; bytes: Uint8Array } | null {
  if (s.includes(':')) {
    const b = parseIpv6(s);
    return b && { family: 6, bytes: b };
  }
  const b = parseIpv4(s);
  return b && { family: 4, bytes: b };
}

/** The first `prefix` bits of a and b are equal. */
function prefixEqual(a: Uint8Array, b: Uint8Array, prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((a[bit >> 3] & mask) !== (b[bit >> 3] & mask)) return false;
  }
  return true;
}

function hostBitsZero(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++)
    if (bytes[bit >> 3] & (0x80 >> (bit & 7))) return false;
  return true;
}

function parseCidr(entry: string): Cidr | null {
  if (entry.length === 0 || entry.length > MAX_ENTRY_CHARS || !CIDR_CHARS.test(entry)) return null;
  const slash = entry.indexOf('/');
  const addr = parseAddress(slash < 0 ? entry : entry.slice(0, slash));
  if (addr === null) return null;
  const width = addr.family === 4 ? 32 : 128;
  let prefix = width;
  if (slash >= 0) {
    const m = entry.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(m)) return null;
    prefix = Number(m);
    if (prefix > width) return null;
  }
  if (!hostBitsZero(addr.bytes, prefix)) return null; // sshd: "Inconsistent mask length"
  return { ...addr, prefix };
}

/**
 * Parses a source-address list; null when any entry is invalid.
 * @example parseSourceAddressList('10.0.0.0/8,::1') // two entries
 */
export function parseSourceAddressList(list: string): Cidr[] | null {
  const out: Cidr[] = [];
  for (const entry of list.split(',')) {
    const cidr = parseCidr(entry);
    if (cidr === null) return null;
    out.push(cidr);
  }
  return out;
}

/**
 * The client address as a socket reports it, normalised as sshd does: an IPv6 zone (`%eth0`) is dropped and
 * an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) becomes the IPv4 address.
 */
function normaliseClientAddress(address: string): { family: 4 | 6; bytes: Uint8Array } | null {
  const zone = address.indexOf('%');
  const parsed = parseAddress(zone >= 0 ? address.slice(0, zone) : address);
  if (parsed?.family !== 6) return parsed;
  const b = parsed.bytes;
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  return mapped ? { family: 4, bytes: b.slice(12) } : parsed;
}

/**
 * Whether `address` lies in one of the list's networks. An invalid list or an unparseable address never matches.
 * @example sourceAddressMatches('192.0.2.0/24,2001:db8::/32', '192.0.2.7') // true
 */
export function sourceAddressMatches(list: string, address: string): boolean {
  const cidrs = parseSourceAddressList(list);
  const client = normaliseClientAddress(address);
  if (cidrs === null || client === null) return false;
  return cidrs.some((c) => c.family === client.family && prefixEqual(client.bytes, c.bytes, c.prefix));
}
