/** Adapts any Node `Duplex` (a socket, a child process's stdio pair, a TLS stream) to ByteIO. */
import type { Duplex } from 'node:stream';
import { fromEvent, map, Observable, share } from 'rxjs';
import type { ByteIO } from './byte-io.js';

export function fromDuplex(stream: Duplex, remote?: ByteIO['remote']): ByteIO {
  const input = new Observable<Uint8Array>((subscriber) => {
    const onData = (chunk: Buffer) =>
      subscriber.next(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const onEnd = () => subscriber.complete();
    const onClose = () => subscriber.complete();
    const onError = (err: Error) => subscriber.error(err);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onClose);
    stream.on('error', onError);
    return () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      stream.off('error', onError);
    };
  }).pipe(share());
  return {
    input,
    remote,
    write(bytes) {
      if (stream.destroyed || !stream.writable) return true;
      return stream.write(bytes);
    },
    writev(chunks) {
      if (stream.destroyed || !stream.writable) return true;
      // Corked, the writes reach the socket together (one writev) when uncorked, as one joined buffer would.
      stream.cork();
      let ok = true;
      for (const chunk of chunks) ok = stream.write(chunk);
      stream.uncork();
      return ok;
    },
    drained: fromEvent(stream, 'drain').pipe(map(() => undefined)),
    pauseInput: () => stream.pause(),
    resumeInput: () => stream.resume(),
    end() {
      if (!stream.destroyed) stream.end();
    },
  };
}
