/**
 * The one shape every transport adapter gives the connection: a stream of incoming chunks and a way to write.
 * Adapters (node:net sockets, Node Duplex streams, WHATWG stream pairs, the in-memory link) are thin and
 * hold no protocol logic.
 */
import type { Observable } from 'rxjs';
import { concatBytes } from '../crypto/bytes.js';

export interface ByteIO {
  /** Incoming bytes; completes when the peer closes its side, errors when the transport fails. */
  readonly input: Observable<Uint8Array>;
  /**
   * Writes one buffer (the connection hands over each batch of packets as one buffer, unless `writev` is
   * there). Returns false when the carrier's own buffer is full: the connection then stops reading input
   * (all it would do is answer it) until `drained` fires, so a peer that stops reading cannot make us
   * buffer without bound.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: adapters without a buffer limit may return nothing.
  write(bytes: Uint8Array): boolean | void;
  /**
   * Writes a batch of packets as one write without joining them first (a corked socket, writev). Optional:
   * without it the batch is joined into one buffer for `write`. Returns false like `write`.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: as for `write`.
  writev?(chunks: readonly Uint8Array[]): boolean | void;
  /** Fires when a full write buffer has drained (after `write` returned false). */
  readonly drained?: Observable<void>;
  /** Stops and restarts the delivery of `input` (backpressure towards the peer). */
  pauseInput?(): void;
  resumeInput?(): void;
  /** Closes our side after pending writes. */
  end(): void;
  /** Remote address for logs and messages like OpenSSH's "Authenticated to HOST ([ADDR]:PORT)". */
  readonly remote?: { address: string; port: number };
}

/** Hands a batch of packets to `io` in one write: `writev` when the adapter has it, else joined for `write`. */
// biome-ignore lint/suspicious/noConfusingVoidType: what `write` returns.
export function writeBatch(io: ByteIO, batch: readonly Uint8Array[]): boolean | void {
  if (io.writev) return io.writev(batch);
  return io.write(batch.length === 1 ? batch[0] : concatBytes(...batch));
}
