/**
 * The Node Duplex adapter (src/io/channel-duplex.ts) under load: `stream.pipeline` into and out of a channel
 * with 64 MiB, a slow reader or writer on the far side, and the adapter's extras (exit status via 'exit'
 * before 'end', stderr as its own Readable). Assertions are on bytes and order, never on durations.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { firstValueFrom, type Observable, ReplaySubject, share, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { acceptSessions } from '../../operators/index.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { Connection } from '../../src/connection/connection.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { type ChannelDuplex, channelDuplex } from '../../src/io/channel-duplex.js';
import { connectedPair } from '../../src/testing/index.js';
import { ByteSource, KiB, MiB, pacedWriter, Received, sha256Of } from './flow-support.js';

const TOTAL = 64 * MiB;
const CHUNK = 64 * KiB;
const SEED = 0xd0_0d;
/** channel-duplex.ts holds write callbacks while the channel has this much queued. */
const DUPLEX_HIGH_WATER = 1 * MiB;

interface Harness {
  server: Observable<Connection>;
  conn: Connection;
  /**
   * Opens a session, runs `command` and resolves with a Duplex over it (the session stays subscribed).
   * `setup` sees the Duplex as soon as it exists, before the server's output can arrive: listeners for
   * 'exit' must be in place by then (it is an event, not a buffered value).
   */
  exec(
    command: string,
    opts?: { window?: number },
    setup?: (d: ChannelDuplex) => void,
  ): Promise<ChannelDuplex>;
  end(): void;
}

async function harness(): Promise<Harness> {
  const { client$, server$ } = connectedPair();
  // Replayed: the test attaches its server behaviour after the connection is up.
  const server = server$.pipe(share({ connector: () => new ReplaySubject<Connection>(1) }));
  const client = client$.pipe(share());
  const holds = [server.subscribe(), client.subscribe()];
  const conn = await firstValueFrom(client.pipe(take(1)));
  return {
    server,
    conn,
    exec: (command, opts, setup) =>
      new Promise((resolve, reject) =>
        conn.session(opts).subscribe({
          next: (ch: Channel) => {
            // The Duplex subscribes first, so nothing the server sends after the reply is missed.
            const duplex = channelDuplex(ch);
            setup?.(duplex);
            ch.request({ type: 'exec', command: utf8(command) }).subscribe((ok) =>
              ok ? resolve(duplex) : reject(new Error(`${command} refused`)),
            );
          },
          error: reject,
        }),
      ),
    end: () => {
      for (const h of holds) h.unsubscribe();
    },
  };
}

/** 64 MiB from ByteSource(SEED) in CHUNK pieces, calling `onChunk` before each is handed over. */
async function* source(onChunk: () => void = () => {}) {
  const src = new ByteSource(SEED);
  for (let left = TOTAL; left > 0; left -= CHUNK) {
    onChunk();
    yield Buffer.from(src.next(Math.min(CHUNK, left)));
  }
}

/** A Writable that hashes what it gets and takes one event-loop turn per chunk. */
function slowSink(received: Received): Writable {
  return new Writable({
    highWaterMark: 16 * KiB,
    write(chunk: Buffer, _enc, callback) {
      received.add(chunk);
      setImmediate(callback);
    },
  });
}

/** A Writable that hashes what it gets and calls back at once. */
function fastSink(received: Received): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, callback) {
      received.add(chunk);
      callback();
    },
  });
}

/** Everything a Readable emits, as one string, once it ends. */
async function text(r: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

describe('channelDuplex: upload', () => {
  it('pipeline(Readable.from(64 MiB), duplex) to a server that consumes slowly: count and sha256 match', async () => {
    const h = await harness();
    // The server hashes stdin, consuming 64 KiB per turn, and answers "<bytes> <sha256>" at EOF.
    h.server.pipe(acceptSessions(), take(1)).subscribe(({ channel }) => {
      const got = new Received();
      let unconsumed = 0;
      channel.manualConsume = true;
      const drain = () => {
        const n = Math.min(unconsumed, CHUNK);
        unconsumed -= n;
        channel.consume(n);
        if (!channel.closed) setImmediate(drain);
      };
      drain();
      channel.subscribe((msg) => {
        if (msg.type === 'request') msg.reply(true);
        if (msg.type === 'data') {
          got.add(msg.data);
          unconsumed += msg.data.length;
        }
        if (msg.type === 'eof') {
          channel.next(`${got.bytes} ${got.digest()}\n`);
          channel.request({ type: 'exit-status', status: 0 }, false).subscribe();
          channel.complete();
          channel.close();
        }
      });
    });

    const duplex = await h.exec('sha256sum');
    let maxQueued = 0;
    const answer = text(duplex);
    await pipeline(
      Readable.from(source(() => (maxQueued = Math.max(maxQueued, duplex.channel.bufferedAmount)))),
      duplex,
    );
    expect(await answer).toBe(`${TOTAL} ${sha256Of(SEED, TOTAL, CHUNK)}\n`);
    // The adapter held the pipeline back: the channel never queued much more than its high-water mark,
    // though the server kept its window closed most of the time.
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(DUPLEX_HIGH_WATER + CHUNK);
    h.end();
  });
});

describe('channelDuplex: download', () => {
  const WINDOW = 256 * KiB;

  /** Server: stderr line, TOTAL bytes paced by the window, exit-status 7, EOF, CLOSE. */
  function bigOutput(server: Observable<Connection>, total: number) {
    server.pipe(acceptSessions(), take(1)).subscribe(({ channel }) => {
      channel.subscribe((msg) => {
        if (msg.type !== 'request') return;
        msg.reply(true);
        channel.stderr.next('warning: slow reader\n');
        pacedWriter(channel, total, CHUNK, new ByteSource(SEED), () => {
          channel.request({ type: 'exit-status', status: 7 }, false).subscribe();
          channel.complete();
          channel.close();
        });
      });
    });
  }

  it('stderr on its own Readable, exit status via "exit" before "end"', async () => {
    const h = await harness();
    const total = 8 * KiB; // below the Readable's high-water mark: see the it.fails below for more
    bigOutput(h.server, total);
    const order: string[] = [];
    let exit: unknown[] = [];
    const duplex = await h.exec('cat small', { window: WINDOW }, (d) => {
      d.on('exit', (...args) => {
        order.push('exit');
        exit = args;
      });
      d.on('end', () => order.push('end'));
    });
    const stderr = text(duplex.stderr);
    duplex.end(); // nothing to send: EOF at once
    const received = new Received();
    await pipeline(duplex, fastSink(received));
    expect(received.bytes).toBe(total);
    expect(received.digest()).toBe(sha256Of(SEED, total, CHUNK));
    expect(await stderr).toBe('warning: slow reader\n');
    expect(order).toEqual(['exit', 'end']);
    expect(exit).toEqual([7, null]);
    h.end();
  });

  // BUG: the adapter drops data while its reader is behind. src/io/channel-duplex.ts:58 reads
  //   if (paused || !duplex.push(Buffer.from(msg.data))) { paused = true; unconsumed += msg.data.length; }
  // so once `paused` is set, `||` short-circuits and push() is never called: the bytes are counted as
  // unconsumed (and later consumed in read(), refilling the peer's window) but never reach the reader.
  // Input: 64 MiB through a 256 KiB window into a Writable that takes one event-loop turn per chunk.
  // Expected: 64 MiB, same sha256. Actual: about 8 MiB arrive (every chunk that came while paused is gone),
  // and the stream ends normally, so nothing reports the loss. Even a reader that keeps up loses data: push()
  // answers false whenever the Readable holds more than its 16 KiB high-water mark, which a 32 KiB packet
  // alone exceeds (first test below).
  // Fix: always push, and only defer the consume:
  //   const accepted = duplex.push(Buffer.from(msg.data));
  //   if (paused || !accepted) { paused = true; unconsumed += msg.data.length; } else channel.consume(...);
  // (memory stays bounded: unconsumed bytes are not re-granted, so at most a window waits in the Readable).
  it('duplex → a Writable that keeps up (synchronous callback): 4 MiB intact', async () => {
    const h = await harness();
    const total = 4 * MiB;
    bigOutput(h.server, total);
    const duplex = await h.exec('cat big', { window: WINDOW });
    duplex.end();
    const received = new Received();
    await pipeline(duplex, fastSink(received));
    expect(received.bytes).toBe(total); // actual: ~3.9 MiB, whatever arrived while push() said "enough"
    expect(received.digest()).toBe(sha256Of(SEED, total, CHUNK));
    h.end();
  });

  it('duplex → a slow Writable: 64 MiB intact, buffering bounded by the window', async () => {
    const h = await harness();
    bigOutput(h.server, TOTAL);
    const duplex = await h.exec('cat big', { window: WINDOW });
    let maxReadable = 0;
    duplex.on('data', () => {
      maxReadable = Math.max(maxReadable, duplex.readableLength);
    });
    duplex.end();
    const received = new Received();
    await pipeline(duplex, slowSink(received));
    expect(received.bytes).toBe(TOTAL);
    expect(received.digest()).toBe(sha256Of(SEED, TOTAL, CHUNK));
    // What waits in the Duplex is bounded by the channel window (plus the stream's own high-water mark).
    expect(maxReadable).toBeLessThanOrEqual(WINDOW + 64 * KiB);
    h.end();
  });

  // BUG: the exit status is lost when it comes after EOF, which is what OpenSSH's sshd commonly sends (EOF when
  // the command's output pipe closes, exit-status when it reaps the child, then CLOSE; the "rcvd eof" before
  // "rtype exit-status" of `ssh -vv`). channel-duplex.ts pushes null on 'eof' (src/io/channel-duplex.ts:75-76),
  // so a reader that kept up gets 'end' first; and a reader that is done destroys the Duplex (`for await` and
  // stream.pipeline do, and so does autoDestroy once the writable side has finished too), whose destroy()
  // closes the channel (channel-duplex.ts:46-47, `channel.close()`). The
  // multiplexer then drops whatever the peer still sends before its CLOSE (src/channel/channel-mux.ts:192-193),
  // exit-status included. So 'exit' never fires, contrary to the module's promise ("emitted before `end`,
  // so no API shape loses them").
  // Input: server writes "out", EOF, and 20 ms later exit-status 5 and CLOSE. Expected: ['exit 5', 'end'].
  // Actual: ['end'].
  // Fix: end the readable side when the channel completes (its CLOSE, which RFC 4254 §6.10 puts after
  // exit-status) instead of at EOF, or at EOF only once exit-status/exit-signal has been seen; and do not
  // close the channel from destroy() after a clean end before the peer's CLOSE has arrived.
  it('exit-status sent after EOF (as sshd does) still comes before end', async () => {
    const h = await harness();
    h.server.pipe(acceptSessions(), take(1)).subscribe(({ channel }) =>
      channel.subscribe((msg) => {
        if (msg.type !== 'request') return;
        msg.reply(true);
        channel.next('out');
        channel.complete();
        setTimeout(() => {
          channel.request({ type: 'exit-status', status: 5 }, false).subscribe();
          channel.close();
        }, 20);
      }),
    );
    const order: string[] = [];
    const duplex = await h.exec('echo out', {}, (d) => {
      d.on('exit', (code) => order.push(`exit ${code}`));
      d.on('end', () => order.push('end'));
    });
    duplex.end();
    expect(await text(duplex)).toBe('out');
    await new Promise<void>((resolve) => duplex.channel.onEnd(() => resolve())); // CLOSE: everything has arrived
    expect(order).toEqual(['exit 5', 'end']);
    h.end();
  });
});
