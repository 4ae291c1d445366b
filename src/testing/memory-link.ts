/**
 * Two ByteIO ends joined in memory. Each write is delivered to the other end as a scheduler action after
 * `latencyMs`, so under a TestScheduler the bytes travel in virtual time, and delivery never recurses into
 * the writer's own stack.
 */
import { asapScheduler, Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import type { ByteIO } from '../io/byte-io.js';

export interface MemoryLinkOptions {
  scheduler?: SchedulerLike;
  latencyMs?: number;
  /** Observe (and optionally rewrite) bytes in flight: return undefined to drop them. For hostile tests. */
  tap?: (from: 'a' | 'b', bytes: Uint8Array) => Uint8Array | undefined;
}

export interface MemoryLink {
  a: ByteIO;
  b: ByteIO;
  /** Bytes written by each end so far. */
  readonly written: { a: number; b: number };
  /** Cuts the link: both ends see their input complete. */
  cut(): void;
}

export function memoryLink(opts: MemoryLinkOptions = {}): MemoryLink {
  const scheduler = opts.scheduler ?? asapScheduler;
  const latency = opts.latencyMs ?? 0;
  const toA = new Inbox();
  const toB = new Inbox();
  const written = { a: 0, b: 0 };
  let endedA = false;
  let endedB = false;

  const deliver = (from: 'a' | 'b', target: Inbox, bytes: Uint8Array) => {
    const copy = bytes.slice();
    written[from] += copy.length;
    const out = opts.tap ? opts.tap(from, copy) : copy;
    if (!out) return;
    scheduler.schedule(() => target.next(out), latency);
  };
  const close = (target: Inbox) => scheduler.schedule(() => target.complete(), latency);

  const a: ByteIO = {
    input: toA.observable,
    write: (bytes) => {
      if (!endedA) deliver('a', toB, bytes);
      return true;
    },
    end: () => {
      if (endedA) return;
      endedA = true;
      close(toB);
    },
    remote: { address: '127.0.0.1', port: 2 },
  };
  const b: ByteIO = {
    input: toB.observable,
    write: (bytes) => {
      if (!endedB) deliver('b', toA, bytes);
      return true;
    },
    end: () => {
      if (endedB) return;
      endedB = true;
      close(toA);
    },
    remote: { address: '127.0.0.1', port: 1 },
  };
  return {
    a,
    b,
    written,
    cut() {
      a.end();
      b.end();
    },
  };
}

/** Holds bytes until its single reader subscribes (a socket buffers the same way), then passes them on. */
class Inbox {
  private readonly held: Uint8Array[] = [];
  private completed = false;
  private reader?: Subscriber<Uint8Array>;
  readonly observable = new Observable<Uint8Array>((subscriber) => {
    this.reader = subscriber;
    for (const b of this.held.splice(0)) subscriber.next(b);
    if (this.completed) subscriber.complete();
    return () => {
      this.reader = undefined;
    };
  });

  next(bytes: Uint8Array): void {
    if (this.completed) return;
    if (this.reader) this.reader.next(bytes);
    else this.held.push(bytes);
  }

  complete(): void {
    if (this.completed) return;
    this.completed = true;
    this.reader?.complete();
  }
}
