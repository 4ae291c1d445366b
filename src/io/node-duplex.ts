/** Adapts any Node `Duplex` (a socket, a child process's stdio pair, a TLS stream) to ByteIO. */
import type { Duplex } from 'node:stream';
import { fromEvent, map, Observable, share } from 'rxjs';
import type { ByteIO } from './byte-io.js';

/**
 * Whether the stream's buffer has room, asked after a write. `write()`'s own answer is false for any chunk over
 * the high-water mark (16 KiB by default, less than one packet of bulk data) even when the socket took it at
 * once; `writableLength` afterwards is what is really left queued. So the connection stops reading only when
 * output backs up, not after every batch (a pause and a resume of the socket each time). When this is false,
 * `write()` was false too, so the stream emits 'drain' once its buffer has emptied.
 */
function hasRoom(stream: Duplex): boolean {
  return stream.writableLength < stream.writableHighWaterMark;
}

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
      stream.write(bytes);
      return hasRoom(stream);
    },
    writev(chunks) {
      if (stream.destroyed || !stream.writable) return true;
      // Corked, the writes reach the socket together (one writev) when uncorked, as one joined buffer would.
      stream.cork();
      for (const chunk of chunks) stream.write(chunk);
      stream.uncork();
      return hasRoom(stream);
    },
    drained: fromEvent(stream, 'drain').pipe(map(() => undefined)),
    pauseInput: () => stream.pause(),
    resumeInput: () => stream.resume(),
    end() {
      if (!stream.destroyed) stream.end();
    },
  };
}
