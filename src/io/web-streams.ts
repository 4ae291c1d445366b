/**
 * Adapts a pair of WHATWG streams (a WebSocketStream, a fetch body pair, a child process through Deno/Bun,
 * or Node's `Duplex.toWeb`) to ByteIO, so SSH can run in browsers and workers over any byte carrier.
 */
import { defer, from, map, Observable, share } from 'rxjs';
import type { ByteIO } from './byte-io.js';

export function fromWebStreams(pair: {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}): ByteIO {
  const writer = pair.writable.getWriter();
  // Not calling read() is how a WHATWG consumer applies backpressure: the stream's queue then fills upstream.
  let resume: (() => void) | undefined;
  let paused: Promise<void> | undefined;
  const input = new Observable<Uint8Array>((subscriber) => {
    const reader = pair.readable.getReader();
    let cancelled = false;
    (async () => {
      try {
        for (;;) {
          if (paused) await paused;
          const { value, done } = await reader.read();
          if (done || cancelled) break;
          if (value) subscriber.next(value);
        }
        subscriber.complete();
      } catch (err) {
        if (!cancelled) subscriber.error(err);
      }
    })();
    return () => {
      cancelled = true;
      reader.cancel().catch(() => undefined);
    };
  }).pipe(share());
  return {
    input,
    write(bytes) {
      writer.write(bytes).catch(() => undefined);
      return (writer.desiredSize ?? 1) > 0;
    },
    drained: defer(() => from(writer.ready)).pipe(map(() => undefined)),
    pauseInput() {
      paused ??= new Promise<void>((r) => {
        resume = r;
      });
    },
    resumeInput() {
      const r = resume;
      paused = resume = undefined;
      r?.();
    },
    end() {
      writer.close().catch(() => undefined);
    },
  };
}
