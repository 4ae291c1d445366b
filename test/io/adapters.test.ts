import * as net from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { firstValueFrom, switchMap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptSessions, allowPassword, exec } from '../../operators/index.js';
import { accept } from '../../src/connection/accept.js';
import { connect } from '../../src/connection/connect.js';
import { acceptHostKey } from '../../src/connection/host-key-verifier.js';
import { fromUtf8 } from '../../src/crypto/bytes.js';
import { defaultCrypto } from '../../src/crypto/index.js';
import type { ByteIO } from '../../src/io/byte-io.js';
import { fromDuplex } from '../../src/io/node-duplex.js';
import { connectTcp, listenTcp } from '../../src/io/node-net.js';
import { fromWebStreams } from '../../src/io/web-streams.js';
import { generateKey } from '../../src/keys/generate-key.js';

const crypto = defaultCrypto();
const hostKey = generateKey(crypto, 'ssh-ed25519');

/** Serves one echo-style exec on `io` and returns the teardown. */
function serveOn(io: ByteIO) {
  return accept(io, {
    hostKeys: [hostKey],
    auth: allowPassword((u, p) => u === 'u' && p === 'p'),
    authFailureDelayMs: 0,
  })
    .pipe(acceptSessions())
    .subscribe(({ channel }) =>
      channel.subscribe((msg) => {
        if (msg.type === 'request' && msg.request.type === 'exec') {
          msg.reply(true);
          channel.next(msg.request.command);
          channel.request({ type: 'exit-status', status: 0 }, false).subscribe();
          channel.close();
        }
      }),
    );
}

function runClient(io: ByteIO | ReturnType<typeof connectTcp>) {
  return firstValueFrom(
    connect(io, { username: 'u', password: 'p', verifyHostKey: acceptHostKey(hostKey.publicKey.blob) }).pipe(
      exec('hello over the adapter'),
    ),
  );
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('I/O adapters', () => {
  it('node:net: listenTcp and connectTcp on loopback (TCP_NODELAY on)', async () => {
    let port = 0;
    const listening = new Promise<void>((resolve) => {
      const sub = listenTcp({ host: '127.0.0.1', port: 0 }, (addr) => {
        port = addr.port;
        resolve();
      }).subscribe((io) => {
        const served = serveOn(io);
        cleanups.push(() => served.unsubscribe());
      });
      cleanups.push(() => sub.unsubscribe());
    });
    await listening;
    const r = await runClient(connectTcp({ host: '127.0.0.1', port }));
    expect(fromUtf8(r.stdout)).toBe('hello over the adapter');
  });

  it('any Node Duplex: a pair of PassThrough streams', async () => {
    const aToB = new PassThrough();
    const bToA = new PassThrough();
    const a = Duplex.from({ readable: bToA, writable: aToB });
    const b = Duplex.from({ readable: aToB, writable: bToA });
    const sub = serveOn(fromDuplex(b));
    cleanups.push(() => sub.unsubscribe());
    const r = await runClient(fromDuplex(a));
    expect(r.exitCode).toBe(0);
    expect(fromUtf8(r.stdout)).toBe('hello over the adapter');
  });

  it('WHATWG streams: the server side of a TCP socket seen through Duplex.toWeb', async () => {
    const server = net.createServer((socket) => {
      const sub = serveOn(fromWebStreams(Duplex.toWeb(socket) as never));
      cleanups.push(() => sub.unsubscribe());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => server.close());
    const { port } = server.address() as net.AddressInfo;
    const r = await runClient(connectTcp({ host: '127.0.0.1', port }).pipe(switchMap((io) => [io])));
    expect(fromUtf8(r.stdout)).toBe('hello over the adapter');
  });
});
