import { firstValueFrom, lastValueFrom, mergeMap, of, range, share, switchMap, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { acceptSessions, exec } from '../../operators/index.js';
import { fromUtf8 } from '../../src/crypto/bytes.js';
import { connectedPair } from '../../src/testing/index.js';

describe('channels over the in-memory pair', () => {
  it('runs an exec: stdin to EOF, stdout, stderr and exit status', async () => {
    const { client$, server$ } = connectedPair();
    const server = server$.pipe(share());
    server.pipe(acceptSessions()).subscribe(({ channel }) => {
      const input: Uint8Array[] = [];
      let command = '';
      channel.subscribe((msg) => {
        if (msg.type === 'request' && msg.request.type === 'exec') {
          command = fromUtf8(msg.request.command);
          msg.reply(true);
        } else if (msg.type === 'data') {
          input.push(msg.data.slice());
        } else if (msg.type === 'eof') {
          const total = input.reduce((n, b) => n + b.length, 0);
          channel.next(`${command}: ${total}\n`);
          channel.stderr.next('warning\n');
          channel.request({ type: 'exit-status', status: 3 }, false).subscribe();
          channel.complete();
          channel.close();
        }
      });
    });
    const result = await firstValueFrom(client$.pipe(exec('wc -c', { stdin: new Uint8Array(100_000) })));
    expect(fromUtf8(result.stdout)).toBe('wc -c: 100000\n');
    expect(fromUtf8(result.stderr)).toBe('warning\n');
    expect(result.exitCode).toBe(3);
  });

  it('refuses channels nobody accepts', async () => {
    const { client$, server$ } = connectedPair();
    server$.subscribe();
    // Keep the connection subscribed: unsubscribing from connect() disconnects, like any RxJS resource.
    await expect(firstValueFrom(client$.pipe(switchMap((c) => c.session())))).rejects.toMatchObject({
      name: 'ChannelOpenError',
      openReason: 1,
    });
  });

  it('answers want_reply requests nobody handles with failure', async () => {
    const { client$, server$ } = connectedPair();
    server$.pipe(acceptSessions()).subscribe(({ channel }) => channel.subscribe());
    const ok = await firstValueFrom(
      client$.pipe(
        switchMap((c) => c.session()),
        switchMap((ch) => ch.request({ type: 'shell' })),
      ),
    );
    expect(ok).toBe(false);
  });

  it('opens many channels at once', async () => {
    const { client$, server$ } = connectedPair();
    server$.pipe(acceptSessions({ maxSessions: 200 })).subscribe(({ channel }) =>
      channel.subscribe((msg) => {
        if (msg.type === 'request' && msg.request.type === 'exec') {
          msg.reply(true);
          channel.next(msg.request.command);
          channel.request({ type: 'exit-status', status: 0 }, false).subscribe();
          channel.close();
        }
      }),
    );
    const outputs = await lastValueFrom(
      client$.pipe(
        switchMap((conn) => range(0, 100).pipe(mergeMap((i) => of(conn).pipe(exec(`cmd ${i}`))))),
        take(100),
        toArray(),
      ),
    );
    expect(outputs.map((r) => fromUtf8(r.stdout)).sort()).toEqual(
      Array.from({ length: 100 }, (_, i) => `cmd ${i}`).sort(),
    );
  });
});
