/**
 * socks5Handshake on real loopback sockets: a request dribbled in one byte per write, bytes after the request
 * left for the forwarded stream, and a client that says nothing is dropped after the timeout.
 */
import * as net from 'node:net';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { SocksError } from '../../src/io/socks5.js';
import { socks5Handshake } from '../../src/io/socks5-handshake.js';

/** A connected pair: the server's socket (paused, as listenSockets hands them out) and the client's. */
async function socketPair(): Promise<{ server: net.Socket; client: net.Socket; close(): void }> {
  const listener = net.createServer({ pauseOnConnect: true });
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
  const client = net.connect({ host: '127.0.0.1', port });
  const server = await accepted;
  client.on('error', () => undefined);
  server.on('error', () => undefined);
  return {
    server,
    client,
    close: () => {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

describe('socks5Handshake', () => {
  let close = () => {};
  afterEach(() => close());

  it('reads a request written one byte at a time and puts back what follows it', async () => {
    const pair = await socketPair();
    close = pair.close;
    const replies: Buffer[] = [];
    pair.client.on('data', (d: Buffer) => replies.push(d));
    const request = firstValueFrom(socks5Handshake(pair.server));
    const bytes = Buffer.from('050100' + '050100030474657374' + '1f90', 'hex');
    for (const b of bytes) {
      pair.client.write(Buffer.of(b));
      await new Promise((r) => setTimeout(r, 2));
    }
    pair.client.write('payload');
    const req = await request;
    expect(req).toMatchObject({ host: 'test', port: 8080 });
    req.reply(0);
    const rest = await new Promise<Buffer>((resolve) => pair.server.once('data', resolve).resume());
    expect(rest.toString()).toBe('payload');
    for (let i = 0; i < 100 && Buffer.concat(replies).length < 12; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(replies).toString('hex')).toBe('0500' + '05000001000000000000');
  });

  it('drops a client that sends nothing within the timeout', async () => {
    const pair = await socketPair();
    close = pair.close;
    const started = Date.now();
    const err = await firstValueFrom(socks5Handshake(pair.server, 100)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SocksError);
    expect((err as Error).message).toMatch(/no request within 100 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(pair.server.destroyed).toBe(true);
  });

  it('errors when the client leaves halfway', async () => {
    const pair = await socketPair();
    close = pair.close;
    const result = firstValueFrom(socks5Handshake(pair.server)).catch((e: unknown) => e);
    pair.client.end(Buffer.from('0501', 'hex'));
    expect(await result).toBeInstanceOf(SocksError);
  });
});
