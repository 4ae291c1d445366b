/**
 * Adapts a pair of WHATWG streams (a WebSocketStream, a fetch body pair, a child process through Deno/Bun,
 * or Node's `Duplex.toWeb`) to ByteIO, so SSH can run in browsers and workers over any byte carrier.
 */
import { Observable, share } from 'rxjs';
import type { ByteIO } from './byte-io.js';

export function fromWebStreams(pair: {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}): ByteIO {
  const writer = pair.writable.getWriter();
  const input = new Observable<Uint8Array>((subscriber) => {
    const reader = pair.readable.getReader();
    let cancelled = false;
    (async () => {
      try {
        for (;;) {
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
    },
    end() {
      writer.close().catch(() => undefined);
    },
  };
}
