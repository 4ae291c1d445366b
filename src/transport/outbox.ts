import { concatBytes } from '../crypto/bytes.js';

/**
 * Encoded packets waiting for the socket, in order (a packet may be pushed as several consecutive parts). Taken
 * as one buffer, or as the batch itself for writev-style adapters.
 */
export class Outbox {
  private packets: Uint8Array[] = [];

  push(packet: Uint8Array): void {
    this.packets.push(packet);
  }

  /** Everything pending as one buffer (one write per batch). */
  take(): Uint8Array | undefined {
    const batch = this.takeBatch();
    if (!batch || batch.length === 1) return batch?.[0];
    return concatBytes(...batch);
  }

  /** The pending packets as they are (no copy); the caller writes them as one batch. */
  takeBatch(): Uint8Array[] | undefined {
    if (this.packets.length === 0) return undefined;
    const batch = this.packets;
    this.packets = [];
    return batch;
  }
}
