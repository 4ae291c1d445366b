/**
 * When to re-exchange keys. RFC 4253 §9 recommends after 1 GB or 1 hour; RFC 4344 §3.1 forbids reusing a
 * sequence number, so we force a rekey long before 2^32 packets (OpenSSH uses 2^31). OpenSSH's default volume
 * limit depends on the cipher's block size (packet.c): 2^32 blocks for 16-byte blocks, 1 GiB for ciphers whose
 * table block size is 8 (chacha20-poly1305). Time-based rekeying is off by default, as in OpenSSH.
 */
export interface RekeyLimits {
  /** Bytes in either direction before a rekey; undefined = chosen from the cipher like OpenSSH. */
  bytes?: number;
  /** Seconds between rekeys; undefined or 0 = never by time. */
  seconds?: number;
}

export const MAX_PACKETS_BETWEEN_KEX = 2 ** 31;

export function defaultRekeyBytes(blockSize: number): number {
  return blockSize >= 16 ? 2 ** 32 * blockSize : 2 ** 30;
}

/** Counts traffic since the last key exchange and says when the next one is due. */
export class RekeyCounter {
  bytesOut = 0;
  bytesIn = 0;
  packetsOut = 0;
  packetsIn = 0;
  since = 0;

  reset(now: number): void {
    this.bytesOut = this.bytesIn = this.packetsOut = this.packetsIn = 0;
    this.since = now;
  }

  due(limitBytes: number): boolean {
    return (
      this.bytesOut >= limitBytes ||
      this.bytesIn >= limitBytes ||
      this.packetsOut >= MAX_PACKETS_BETWEEN_KEX ||
      this.packetsIn >= MAX_PACKETS_BETWEEN_KEX
    );
  }

  /** The time at which a time-based rekey is due, if any. */
  deadline(seconds: number | undefined): number | undefined {
    return seconds ? this.since + seconds * 1000 : undefined;
  }
}
