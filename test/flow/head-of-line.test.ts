/**
 * No head-of-line blocking between channels (RFC 4254 §5.2: flow control is per channel): on one connection,
 * a channel whose reader never consumes stalls only its own sender, while a second channel moves 16 MiB.
 */
import { firstValueFrom, type Observable, share, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { acceptSessions } from '../../operators/index.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { Connection } from '../../src/connection/connection.js';
import { fromUtf8, utf8 } from '../../src/crypto/bytes.js';
import { connectedPair } from '../../src/testing/index.js';
import { ByteSource, KiB, MiB, pacedWriter, Received, sha256Of, type WriterStats } from './flow-support.js';

const STALLED_WINDOW = 256 * KiB;
const STALLED_TOTAL = 4 * MiB;
const BULK_TOTAL = 16 * MiB;
const CHUNK = 64 * KiB;

/** Server: runs `stall` (writes more than the window) and `bulk` (writes BULK_TOTAL, then ends). */
function serve(server$: Observable<Connection>, writers: Map<string, WriterStats>) {
  server$.pipe(acceptSessions()).subscribe(({ channel }) =>
    channel.subscribe((msg) => {
      if (msg.type !== 'request' || msg.request.type !== 'exec') return;
      const command = fromUtf8(msg.request.command);
      msg.reply(true);
      const total = command === 'bulk' ? BULK_TOTAL : STALLED_TOTAL;
      const seed = command === 'bulk' ? 1 : 2;
      writers.set(
        command,
        pacedWriter(channel, total, CHUNK, new ByteSource(seed), () => {
          channel.complete();
          channel.close();
        }),
      );
    }),
  );
}

/**
 * Opens a session and runs `command`; resolves with the Channel once the server agreed. The session stays
 * subscribed (unsubscribing would close the channel) until the channel ends.
 */
function run(conn: Connection, command: string, opts?: { window: number }): Promise<Channel> {
  return new Promise((resolve, reject) => {
    conn.session(opts).subscribe({
      next: (ch) => {
        if (command === 'stall') ch.manualConsume = true; // and consume() is never called
        ch.request({ type: 'exec', command: utf8(command) }).subscribe((ok) =>
          ok ? resolve(ch) : reject(new Error(`${command} refused`)),
        );
      },
      error: reject,
    });
  });
}

describe('no head-of-line blocking', () => {
  it('a never-consumed channel holds one window; a second channel on the connection moves 16 MiB', async () => {
    const { client$, server$ } = connectedPair();
    const serverConn = server$.pipe(share());
    const writers = new Map<string, WriterStats>();
    const holdServer = serverConn.subscribe();
    serve(serverConn, writers);
    const clientConn = client$.pipe(share());
    const holdClient = clientConn.subscribe();
    const conn = await firstValueFrom(clientConn.pipe(take(1)));

    const stalled = new Received();
    const stalledCh = await run(conn, 'stall', { window: STALLED_WINDOW });
    // Subscribed for good: its messages are delivered (and counted), just never consumed.
    stalledCh.subscribe((m) => m.type === 'data' && stalled.add(m.data));

    const bulk = new Received();
    const bulkCh = await run(conn, 'bulk');
    await new Promise<void>((resolve, reject) =>
      bulkCh.subscribe({
        next: (m) => m.type === 'data' && bulk.add(m.data),
        error: reject,
        complete: resolve,
      }),
    );

    expect(bulk.bytes).toBe(BULK_TOTAL);
    expect(bulk.digest()).toBe(sha256Of(1, BULK_TOTAL, CHUNK));
    // The stalled channel got exactly its window and no more; its writer is still waiting, with data
    // queued, and has not been told it may write.
    expect(stalled.bytes).toBe(STALLED_WINDOW);
    const stall = writers.get('stall');
    expect(stall?.done).toBe(false);
    expect(stall?.queuedWrites).toBe(1);
    expect(stall?.writables).toBe(0);
    expect(stalledCh.closed).toBe(false);
    expect(conn.closed).toBe(false);

    holdClient.unsubscribe();
    holdServer.unsubscribe();
  });
});
