/**
 * Flow control with a slow reader (RFC 4254 §5.2), over the in-memory pair in real time: the server writes
 * 64 MiB to a session whose client consumes a few KiB per event-loop turn. What the client holds unconsumed
 * stays within its window, the server queues only while that window is closed, and every byte arrives intact.
 */
import { firstValueFrom, share, switchMap, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { acceptSessions } from '../../operators/index.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import { connectedPair } from '../../src/testing/index.js';
import { ByteSource, KiB, MiB, pacedWriter, Received, sha256Of, type WriterStats } from './flow-support.js';

const TOTAL = 64 * MiB;
const WINDOW = 256 * KiB;
const MAX_PACKET = 32 * KiB;
const WRITE_CHUNK = 64 * KiB;
const CONSUME_STEP = 16 * KiB;
const SEED = 0x5eed;

describe('slow reader', () => {
  it('64 MiB to a reader consuming 16 KiB per turn: bounded in flight, paced writer, intact', async () => {
    const { client$, server$ } = connectedPair();
    let writer: WriterStats | undefined;
    // Hold both connections for the whole transfer: unsubscribing from connect()/accept() disconnects.
    const serverConn = server$.pipe(share());
    const server = serverConn.subscribe();
    serverConn.pipe(acceptSessions(), take(1)).subscribe(({ channel }) => {
      writer = pacedWriter(channel, TOTAL, WRITE_CHUNK, new ByteSource(SEED), () => {
        channel.request({ type: 'exit-status', status: 0 }, false).subscribe();
        channel.complete();
        channel.close();
      });
    });

    const received = new Received();
    let unconsumed = 0;
    let maxUnconsumed = 0;
    let consumeTurns = 0;
    const client = client$.pipe(share());
    const done = firstValueFrom(
      client.pipe(
        take(1),
        switchMap((c) => c.session({ window: WINDOW, maxPacket: MAX_PACKET })),
        switchMap(
          (ch: Channel) =>
            new Promise<void>((resolve, reject) => {
              ch.manualConsume = true;
              // The slow part: a few KiB per turn of the event loop, whatever has arrived.
              const tick = () => {
                const n = Math.min(unconsumed, CONSUME_STEP);
                if (n > 0) {
                  unconsumed -= n;
                  ch.consume(n);
                  consumeTurns++;
                }
                if (!ch.closed || unconsumed > 0) setImmediate(tick);
                else resolve();
              };
              ch.subscribe({
                next: (msg) => {
                  if (msg.type !== 'data') return;
                  received.add(msg.data);
                  unconsumed += msg.data.length;
                  maxUnconsumed = Math.max(maxUnconsumed, unconsumed);
                },
                error: reject,
              });
              setImmediate(tick);
            }),
        ),
      ),
    );
    const hold = client.subscribe();
    await done;
    hold.unsubscribe();
    server.unsubscribe();

    expect(received.bytes).toBe(TOTAL);
    expect(received.digest()).toBe(sha256Of(SEED, TOTAL, WRITE_CHUNK));
    // Never more than the window outstanding: the server sent only what the window allowed.
    expect(maxUnconsumed).toBeLessThanOrEqual(WINDOW);
    expect(maxUnconsumed).toBeGreaterThan(WINDOW / 2); // the reader really was behind
    expect(consumeTurns).toBeGreaterThanOrEqual(TOTAL / CONSUME_STEP);
    // The writer queued data only when the window was used up, never more than one write's worth, and
    // was woken by 'writable' each time.
    expect(writer?.done).toBe(true);
    expect(writer?.queuedWithOpenWindow).toBe(0);
    expect(writer?.queuedWrites).toBeGreaterThan(100);
    expect(writer?.maxBuffered).toBeLessThanOrEqual(WRITE_CHUNK);
    expect(writer?.writables).toBe(writer?.queuedWrites);
  });
});
