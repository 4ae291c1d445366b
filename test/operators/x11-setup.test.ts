/**
 * The X11 setup message check and cookie swap (operators/x11-setup.ts) and DISPLAY parsing
 * (operators/x11-display.ts). Setup messages are built by hand from the X Window System Protocol's encoding of
 * "Connection Setup" (X Consortium Standard, Appendix B): byte order 'B'/'l', two CARD16 versions, the name
 * and data lengths at offsets 6 and 8, then the padded name and data.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseX11Display, requestScreen } from '../../operators/x11-display.js';
import { x11SetupGate } from '../../operators/x11-pipe.js';
import { parseX11SetupHeader, swapX11Cookie, type X11CookieSwap } from '../../operators/x11-setup.js';
import { DecodeError, ProtocolError, UsageError } from '../../src/errors.js';

const NAME = 'MIT-MAGIC-COOKIE-1';
const fake = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const real = Uint8Array.from({ length: 16 }, (_, i) => 0xf0 - i);
const swap: X11CookieSwap = { protocol: NAME, fake, real };

/** A client's setup message (Appendix B, "Connection Setup"), optionally followed by `extra` bytes. */
function setupMessage(
  opts: { order?: 'B' | 'l'; name?: string; data?: Uint8Array; extra?: number[] } = {},
): Uint8Array {
  const name = new TextEncoder().encode(opts.name ?? NAME);
  const data = opts.data ?? fake;
  const pad = (n: number) => (4 - (n % 4)) % 4;
  const out = new Uint8Array(12 + name.length + pad(name.length) + data.length + pad(data.length));
  const le = (opts.order ?? 'l') === 'l';
  const view = new DataView(out.buffer);
  out[0] = le ? 0x6c : 0x42;
  view.setUint16(2, 11, le); // protocol-major-version
  view.setUint16(4, 0, le); // protocol-minor-version
  view.setUint16(6, name.length, le);
  view.setUint16(8, data.length, le);
  out.set(name, 12);
  out.set(data, 12 + name.length + pad(name.length));
  return Uint8Array.from([...out, ...(opts.extra ?? [])]);
}

describe('parseX11SetupHeader', () => {
  it('reads both byte orders: versions and lengths at their offsets, total length with padding', () => {
    for (const order of ['B', 'l'] as const) {
      expect(parseX11SetupHeader(setupMessage({ order }))).toEqual({
        bigEndian: order === 'B',
        majorVersion: 11,
        minorVersion: 0,
        nameLength: 18,
        dataLength: 16,
        length: 12 + 20 + 16,
      });
    }
  });

  it('waits for 12 bytes and refuses any byte-order byte but B and l', () => {
    expect(parseX11SetupHeader(setupMessage().subarray(0, 11))).toBeUndefined();
    const bad = setupMessage();
    bad[0] = 0x41;
    expect(() => parseX11SetupHeader(bad)).toThrow(DecodeError);
    expect(() => parseX11SetupHeader(bad)).toThrow(/byte-order byte 0x41/);
  });
});

describe('swapX11Cookie', () => {
  it('replaces the fake cookie with the real one and leaves everything else as it was', () => {
    for (const order of ['B', 'l'] as const) {
      const msg = setupMessage({ order, extra: [1, 2, 3] });
      const verdict = swapX11Cookie(msg, swap);
      expect(verdict.done).toBe(true);
      if (!verdict.done) return;
      expect(verdict.length).toBe(48);
      expect(verdict.setup).toEqual(setupMessage({ order, data: real }));
      expect(msg.subarray(0, 48)).toEqual(setupMessage({ order })); // the input is not touched
    }
  });

  it('fed byte by byte: not done until the last byte of the message, whatever follows', () => {
    const msg = setupMessage({ extra: [9, 9] });
    for (let n = 0; n < 48; n++) expect(swapX11Cookie(msg.subarray(0, n), swap)).toEqual({ done: false });
    expect(swapX11Cookie(msg.subarray(0, 48), swap).done).toBe(true);
  });

  it('refuses another protocol, another cookie, or other lengths (as soon as the header shows them)', () => {
    const wrongCookie = fake.slice();
    wrongCookie[15] ^= 1;
    expect(() => swapX11Cookie(setupMessage({ data: wrongCookie }), swap)).toThrow(ProtocolError);
    expect(() => swapX11Cookie(setupMessage({ name: 'MIT-MAGIC-COOKIE-2' }), swap)).toThrow(
      /different authentication protocol/,
    );
    // Lengths are judged on the 12-byte header alone: nothing more is held.
    expect(() => swapX11Cookie(setupMessage({ name: 'XDM-AUTHORIZATION-1' }).subarray(0, 12), swap)).toThrow(
      ProtocolError,
    );
    expect(() => swapX11Cookie(setupMessage({ data: new Uint8Array(8) }).subarray(0, 12), swap)).toThrow(
      /does not match the forwarding cookie/,
    );
    expect(() => swapX11Cookie(setupMessage({ data: new Uint8Array(0) }), swap)).toThrow(ProtocolError);
  });

  it('is a usage error to swap cookies of different lengths', () => {
    expect(() => swapX11Cookie(setupMessage(), { ...swap, real: new Uint8Array(8) })).toThrow(UsageError);
  });

  it('hostile input: any bytes give a verdict or a typed error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          const v = swapX11Cookie(bytes, swap);
          if (v.done) expect(v.setup.length).toBe(48);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError); // DecodeError is one too
        }
      }),
    );
    // A message that claims the largest lengths is refused on its header, not buffered.
    const huge = setupMessage();
    new DataView(huge.buffer).setUint16(6, 0xffff, true);
    new DataView(huge.buffer).setUint16(8, 0xffff, true);
    expect(() => swapX11Cookie(huge.subarray(0, 12), swap)).toThrow(ProtocolError);
  });
});

describe('x11SetupGate', () => {
  async function through(chunks: Uint8Array[]): Promise<Buffer> {
    const gate = x11SetupGate(swap);
    const out: Buffer[] = [];
    gate.on('data', (d: Buffer) => out.push(d));
    const ended = new Promise<void>((resolve, reject) => {
      gate.on('end', resolve);
      gate.on('error', reject);
    });
    for (const c of chunks) gate.write(Buffer.from(c));
    gate.end();
    await ended;
    return Buffer.concat(out);
  }

  it('passes the swapped setup and then every later byte, in whatever chunks they come', async () => {
    const msg = setupMessage({ extra: [7, 8, 9] });
    const expected = Buffer.from(setupMessage({ data: real, extra: [7, 8, 9] }));
    expect(await through([msg])).toEqual(expected);
    expect(await through([...msg].map((b) => Uint8Array.of(b)))).toEqual(expected);
    expect(await through([msg.subarray(0, 5), msg.subarray(5, 40), msg.subarray(40)])).toEqual(expected);
  });

  it('errors on a wrong cookie without passing a byte on; a cut-short setup passes nothing', async () => {
    const bad = setupMessage({ data: new Uint8Array(16) });
    await expect(through([bad])).rejects.toThrow(ProtocolError);
    expect(await through([setupMessage().subarray(0, 30)])).toEqual(Buffer.alloc(0));
  });
});

describe('parseX11Display', () => {
  it('reads the unix and TCP forms', () => {
    expect(parseX11Display(':0')).toEqual({
      kind: 'unix',
      path: '/tmp/.X11-unix/X0',
      displayNumber: 0,
      screen: 0,
    });
    expect(parseX11Display('unix:3.1')).toEqual({
      kind: 'unix',
      path: '/tmp/.X11-unix/X3',
      displayNumber: 3,
      screen: 1,
    });
    expect(parseX11Display('localhost:10.0')).toEqual({
      kind: 'tcp',
      host: 'localhost',
      port: 6010,
      displayNumber: 10,
      screen: 0,
    });
    expect(parseX11Display('127.0.0.1:57')).toMatchObject({ kind: 'tcp', host: '127.0.0.1', port: 6057 });
    expect(parseX11Display('[::1]:2.5')).toMatchObject({ kind: 'tcp', host: '::1', port: 6002, screen: 5 });
  });

  it('refuses what names no display', () => {
    for (const bad of ['', 'localhost', 'host:', 'host:x', 'host:1.', ':1.2.3', ':59536', ':0\0', 'h:-1'])
      expect(() => parseX11Display(bad), bad).toThrow(UsageError);
    expect(parseX11Display(':59535').kind).toBe('unix');
  });

  it('sends screen 0 for an implausible screen number, as ssh does', () => {
    expect(requestScreen(parseX11Display(':0.400'))).toBe(400);
    expect(requestScreen(parseX11Display(':0.401'))).toBe(0);
  });
});
