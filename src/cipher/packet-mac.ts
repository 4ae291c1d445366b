/**
 * HMAC over `uint32 sequence_number ‖ bytes` (RFC 4253 §6.4; OpenSSH PROTOCOL §1.6 for -etm, where the
 * bytes are the packet as sent). Verification compares in constant time.
 */
import type { CryptoBackend, Mac } from '../crypto/backend.js';
import { equalBytes, wipe } from '../crypto/bytes.js';
import { UsageError } from '../errors.js';
import type { MacSpec } from './types.js';
import { writeUint32 } from './uint32.js';

export class PacketMac {
  readonly length: number;
  private readonly key: Uint8Array;
  private readonly mac: Mac;
  private readonly seqBytes = new Uint8Array(4);

  constructor(crypto: CryptoBackend, spec: MacSpec, key: Uint8Array) {
    if (key.length !== spec.keyLength) {
      throw new UsageError(`${spec.name} needs a ${spec.keyLength}-byte key, got ${key.length}`);
    }
    this.key = key.slice();
    this.mac = crypto.createMac(spec.hash, this.key);
    this.length = spec.length;
  }

  compute(seq: number, ...parts: Uint8Array[]): Uint8Array {
    writeUint32(this.seqBytes, 0, seq);
    return this.mac.compute(this.seqBytes, ...parts);
  }

  verify(seq: number, received: Uint8Array, ...parts: Uint8Array[]): boolean {
    return equalBytes(this.compute(seq, ...parts), received);
  }

  dispose(): void {
    wipe(this.key);
  }
}
