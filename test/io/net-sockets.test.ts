/** listenSockets: the listener lives exactly as long as its subscription, even one that ends while binding. */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenSockets } from '../../src/io/net-sockets.js';

const LOOPBACK = '127.0.0.1';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ host: LOOPBACK, port: 0 }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** True when `port` can be bound right now (so nobody holds it). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: LOOPBACK, port }, () => probe.close(() => resolve(true)));
  });
}

describe('listenSockets', () => {
  it('reports the bound port and frees it on unsubscribe', async () => {
    const events = listenSockets({ host: LOOPBACK, port: 0 });
    let port = 0;
    const sub = events.subscribe((e) => {
      if (e.type === 'listening') port = e.port;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(port).toBeGreaterThan(0);
    expect(await canBind(port)).toBe(false);
    sub.unsubscribe();
    await new Promise((r) => setTimeout(r, 50));
    expect(await canBind(port)).toBe(true);
  });

  it('does not leak a listener unsubscribed before it was bound', async () => {
    const port = await freePort();
    // Unsubscribed in the same tick as the listen call: the bind completes afterwards.
    listenSockets({ host: LOOPBACK, port }).subscribe().unsubscribe();
    await new Promise((r) => setTimeout(r, 100));
    expect(await canBind(port)).toBe(true);
  });

  it('hands accepted connections on', async () => {
    const events = listenSockets({ host: LOOPBACK, port: 0 });
    const sockets: net.Socket[] = [];
    let port = 0;
    const sub = events.subscribe((e) => {
      if (e.type === 'listening') port = e.port;
      else sockets.push(e.socket);
    });
    await new Promise((r) => setTimeout(r, 50));
    const client = net.connect({ host: LOOPBACK, port });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await new Promise((r) => setTimeout(r, 50));
    expect(sockets).toHaveLength(1);
    client.destroy();
    for (const s of sockets) s.destroy();
    sub.unsubscribe();
  });
});
