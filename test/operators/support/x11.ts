/**
 * X11 pieces for the forwarding tests: a client's connection setup message built by hand from the X Window
 * System Protocol's encoding of "Connection Setup" (X Consortium Standard, Appendix B), and a fake X server
 * that records what reaches it, answers once a whole setup message is in, and echoes everything after it.
 */
import * as net from 'node:net';

export const MIT_MAGIC = 'MIT-MAGIC-COOKIE-1';
/** What the fake X server answers to a setup message (not a real reply: any bytes will do). */
export const FAKE_X_REPLY = Buffer.from('fake X11 server says hello');

/** 'B'/'l', 1 unused, CARD16 major, CARD16 minor, CARD16 n, CARD16 d, 2 unused, name + pad(n), data + pad(d). */
export function setupMessage(
  cookie: Uint8Array,
  opts: { order?: 'B' | 'l'; name?: string; extra?: Uint8Array } = {},
): Buffer {
  const name = Buffer.from(opts.name ?? MIT_MAGIC);
  const pad = (n: number) => (4 - (n % 4)) % 4;
  const out = Buffer.alloc(12 + name.length + pad(name.length) + cookie.length + pad(cookie.length));
  const le = (opts.order ?? 'l') === 'l';
  out[0] = le ? 0x6c : 0x42;
  const u16 = (v: number, at: number) => (le ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at));
  u16(11, 2);
  u16(0, 4);
  u16(name.length, 6);
  u16(cookie.length, 8);
  name.copy(out, 12);
  out.set(cookie, 12 + name.length + pad(name.length));
  return Buffer.concat([out, opts.extra ?? Buffer.alloc(0)]);
}

export interface FakeXServer {
  port: number;
  /** Bytes each X connection sent, by connection, in arrival order. */
  received: Buffer[][];
  close(): Promise<void>;
}

/**
 * Answers FAKE_X_REPLY once `setupLength` bytes are in, then echoes. Listens on `port` (0: any); errors with
 * EADDRINUSE when it is taken, so a caller can look for a free display number.
 */
export async function startFakeX(setupLength: number, port = 0, host = '127.0.0.1'): Promise<FakeXServer> {
  const received: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const mine: Buffer[] = [];
    received.push(mine);
    let seen = 0;
    socket.on('data', (d: Buffer) => {
      mine.push(d);
      const before = seen;
      seen += d.length;
      if (before < setupLength && seen >= setupLength) {
        socket.write(FAKE_X_REPLY);
        if (seen > setupLength) socket.write(d.subarray(d.length - (seen - setupLength)));
      } else if (before >= setupLength) socket.write(d);
    });
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A fake X server on the first free display number from `first` (port 6000 + N), for a DISPLAY of 127.0.0.1:N. */
export async function startFakeXDisplay(
  setupLength: number,
  first: number,
  count = 200,
): Promise<FakeXServer & { displayNumber: number }> {
  for (let n = first; n < first + count; n++) {
    try {
      return Object.assign(await startFakeX(setupLength, 6000 + n), { displayNumber: n });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    }
  }
  throw new Error(`no free X display number in ${first}..${first + count - 1}`);
}

/** Connects as an X client, sends `bytes`, half-closes once `expect` bytes came back (or at once), reads to the end. */
export function xClient(port: number, bytes: Uint8Array, expect = 0, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`X client on port ${port}: no end within ${timeoutMs} ms (got ${got} bytes)`));
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(bytes);
      if (expect === 0) socket.end();
    });
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (expect > 0 && got >= expect) socket.end();
    });
    socket.on('error', () => undefined); // a reset is an end like any other here
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}
