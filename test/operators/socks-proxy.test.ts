/**
 * socksProxy (ssh -D) against allowDirectTcpip over the in-memory pair: a hand-written SOCKS5 client
 * (RFC 1928) asks for IPv4, IPv6 and domain-name targets; replies for refused methods, commands and targets.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allowDirectTcpip, socksProxy } from '../../operators/index.js';
import {
  closedPort,
  countUntilEof,
  echo,
  type LivePair,
  livePair,
  startServer,
  type TcpServer,
} from './support/tcp.js';

/** A socket with "read exactly n bytes" and "read to the end", bounded by a timeout. */
function socksClient(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.on('error', () => undefined);
  let buf = Buffer.alloc(0);
  let ended = false;
  let wake = () => {};
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake();
  });
  // The proxy's FIN (or a reset) is the end of what it has to say.
  for (const event of ['end', 'close']) {
    socket.on(event, () => {
      ended = true;
      wake();
    });
  }
  const until = async (ready: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out with ${buf.length} bytes`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
  };
  return {
    socket,
    write: (hexOrBytes: string | Uint8Array) =>
      socket.write(
        typeof hexOrBytes === 'string' ? Buffer.from(hexOrBytes.replace(/\s+/g, ''), 'hex') : hexOrBytes,
      ),
    async read(n: number): Promise<Buffer> {
      await until(() => buf.length >= n || ended);
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
    async rest(): Promise<Buffer> {
      await until(() => ended);
      return buf;
    },
  };
}

const portHex = (p: number) => p.toString(16).padStart(4, '0');

describe('socksProxy + allowDirectTcpip', () => {
  let echoServer: TcpServer;
  let counter: TcpServer;
  let echo6: TcpServer | undefined;
  let pair: LivePair;
  let proxyPort: number;
  const subs: Subscription[] = [];

  beforeAll(async () => {
    echoServer = await startServer(echo);
    counter = await startServer(countUntilEof);
    echo6 = await startServer(echo, '::1').catch(() => undefined); // no IPv6 loopback here: that case skips
  });
  afterAll(async () => {
    await echoServer.close();
    await counter.close();
    await echo6?.close();
  });
  afterEach(() => {
    for (const s of subs.splice(0)) s.unsubscribe();
    pair?.stop();
  });

  async function startProxy(errors: Error[] = []): Promise<void> {
    pair = livePair();
    subs.push(pair.server.pipe(allowDirectTcpip()).subscribe());
    proxyPort = await new Promise<number>((resolve, reject) => {
      subs.push(
        pair.client
          .pipe(socksProxy({ listen: { host: '127.0.0.1', port: 0 }, onError: (e) => errors.push(e) }))
          .subscribe({ next: (a) => resolve(a.port), error: reject }),
      );
    });
  }

  it('CONNECT to an IPv4 address: method 00, reply 00, then bytes both ways with half-close', async () => {
    await startProxy();
    const c = socksClient(proxyPort);
    c.write('05 01 00');
    expect((await c.read(2)).toString('hex')).toBe('0500');
    c.write(`05 01 00 01 7f000001 ${portHex(counter.port)}`);
    expect((await c.read(10)).toString('hex')).toBe('05000001000000000000');
    c.socket.end(randomBytes(100_000));
    expect((await c.rest()).toString()).toBe('100000\n');
  });

  it('CONNECT to a domain name, with the request and first data in one segment', async () => {
    await startProxy();
    const c = socksClient(proxyPort);
    const name = Buffer.from('localhost');
    c.write(
      Buffer.concat([
        Buffer.from('050100', 'hex'),
        Buffer.from([5, 1, 0, 3, name.length]),
        name,
        Buffer.from(portHex(echoServer.port), 'hex'),
        Buffer.from('early bytes'),
      ]),
    );
    expect((await c.read(2)).toString('hex')).toBe('0500');
    expect((await c.read(10))[1]).toBe(0);
    c.socket.end();
    expect((await c.rest()).toString()).toBe('early bytes');
  });

  it('CONNECT to an IPv6 address', async (ctx) => {
    if (!echo6) ctx.skip();
    await startProxy();
    const c = socksClient(proxyPort);
    c.write('05 01 00');
    await c.read(2);
    c.write(`05 01 00 04 00000000000000000000000000000001 ${portHex(echo6!.port)}`);
    expect((await c.read(10))[1]).toBe(0);
    c.socket.end('over v6');
    expect((await c.rest()).toString()).toBe('over v6');
  });

  it('without "no authentication" offered: method FF and the socket closes', async () => {
    const errors: Error[] = [];
    await startProxy(errors);
    const c = socksClient(proxyPort);
    c.write('05 01 02');
    expect((await c.rest()).toString('hex')).toBe('05ff');
    expect(errors[0]?.message).toMatch(/no acceptable authentication/);
  });

  it('BIND and UDP ASSOCIATE: reply 07 (command not supported)', async () => {
    await startProxy();
    for (const cmd of ['02', '03']) {
      const c = socksClient(proxyPort);
      c.write(`05 01 00 05 ${cmd} 00 01 7f000001 0050`);
      expect((await c.rest()).toString('hex')).toBe('050005070001000000000000');
    }
  });

  it('a target the server refuses by policy: reply 02; an unreachable one: reply 04', async () => {
    await startProxy();
    const refused = socksClient(proxyPort);
    refused.write('05 01 00 05 01 00 01 c0000201 0050'); // 192.0.2.1: not loopback
    expect((await refused.rest()).toString('hex')).toBe('050005020001000000000000');
    const down = socksClient(proxyPort);
    down.write(`05 01 00 05 01 00 01 7f000001 ${portHex(await closedPort())}`);
    expect((await down.rest()).toString('hex')).toBe('050005040001000000000000');
  });

  it('a client that sends garbage gets an answer and is closed; the proxy keeps serving', async () => {
    await startProxy();
    const bad = socksClient(proxyPort);
    bad.write('04 01 00 50 7f000001 00'); // SOCKS4
    expect((await bad.rest()).toString('hex')).toBe('05ff');
    const good = socksClient(proxyPort);
    good.write(`05 01 00 05 01 00 01 7f000001 ${portHex(echoServer.port)}`);
    expect((await good.read(12)).toString('hex')).toBe('0500' + '05000001000000000000');
    good.socket.end('still here');
    expect((await good.rest()).toString()).toBe('still here');
  });
});
