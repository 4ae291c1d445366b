/**
 * Pieces the flow-control tests share: a reproducible byte source (so both ends can hash what they saw), a
 * writer that respects a channel's backpressure and records what it observed, and a test-only look at a
 * channel's send window. Every assertion built on these is about bytes, never about durations.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ChannelMux } from '../../src/channel/channel-mux.js';
import type { Channel, ChannelHost } from '../../src/connection/channels/channel.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** xorshift32 bytes: cheap, reproducible from the seed, and never periodic within a test's length. */
export class ByteSource {
  private state: number;
  constructor(seed = 0x9e3779b9) {
    this.state = seed >>> 0 || 1;
  }

  next(n: number): Uint8Array {
    const words = new Uint32Array(Math.ceil(n / 4));
    let x = this.state;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x >>> 0;
    }
    this.state = x;
    return new Uint8Array(words.buffer, 0, n);
  }
}

/** sha256 of everything a source would produce in `total` bytes taken `chunk` at a time. */
export function sha256Of(seed: number, total: number, chunk: number): string {
  const src = new ByteSource(seed);
  const h = createHash('sha256');
  for (let left = total; left > 0; left -= chunk) h.update(src.next(Math.min(chunk, left)));
  return h.digest('hex');
}

/** Byte count and running sha256 of what one end received. */
export class Received {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  add(data: Uint8Array): void {
    this.bytes += data.length;
    this.hash.update(data);
  }
  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * The window the peer has granted us on `ch` and not used yet. Test-only: it reaches the multiplexer through
 * the Channel's private host, because the public API (rightly) exposes only `bufferedAmount`.
 */
export function sendWindowOf(ch: Channel): number {
  let w = -1;
  (ch as unknown as { host: ChannelHost }).host.channels((m: ChannelMux) => {
    w = m.windows(ch.id)?.send ?? -1;
  });
  return w;
}

export interface WriterStats {
  written: number;
  /** Largest bufferedAmount seen right after a write. */
  maxBuffered: number;
  /** Writes after which data had to queue (the peer's window was used up). */
  queuedWrites: number;
  /** Writes after which data was queued although the window was still open: must stay 0. */
  queuedWithOpenWindow: number;
  /** 'writable' messages received. */
  writables: number;
  done: boolean;
}

/**
 * Writes `total` bytes from `source` in `chunk`-sized writes, as a well-behaved application would: it stops
 * whenever the channel has queued output and goes on at the next 'writable' message. `onDone` runs after the
 * last write. Subscribes to the channel (that subscription is what delivers 'writable').
 */
export function pacedWriter(
  ch: Channel,
  total: number,
  chunk: number,
  source: ByteSource,
  onDone: (stats: WriterStats) => void,
): WriterStats {
  const stats: WriterStats = {
    written: 0,
    maxBuffered: 0,
    queuedWrites: 0,
    queuedWithOpenWindow: 0,
    writables: 0,
    done: false,
  };
  const pump = () => {
    while (stats.written < total) {
      const n = Math.min(chunk, total - stats.written);
      ch.next(source.next(n));
      stats.written += n;
      const buffered = ch.bufferedAmount;
      stats.maxBuffered = Math.max(stats.maxBuffered, buffered);
      if (buffered > 0) {
        stats.queuedWrites++;
        if (sendWindowOf(ch) !== 0) stats.queuedWithOpenWindow++;
        return; // wait for 'writable'
      }
    }
    if (!stats.done) {
      stats.done = true;
      onDone(stats);
    }
  };
  ch.subscribe((msg) => {
    if (msg.type === 'writable') {
      stats.writables++;
      pump();
    }
  });
  pump();
  return stats;
}
