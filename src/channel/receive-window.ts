/**
 * Inbound flow control of one channel (RFC 4254 §5.2). The window is refilled only when the application
 * says it consumed data, never on receipt: a slow reader holds back its own sender and nobody else (the
 * weakness of russh's refill-on-receipt, russh-inventory §4.3). A peer that overruns the window is
 * tolerated up to 10 % of it, like OpenSSH (channels.c, "peer ignored channel window"); past that it is a
 * protocol error, so what sits unconsumed never exceeds the window plus 10 %.
 */
import { ProtocolError, UsageError } from '../errors.js';

export class ReceiveWindow {
  /** What the peer may still send, as we count it: negative only inside the tolerated overrun. */
  private credit: number;
  /** Received and not yet consumed by the application. */
  private buffered = 0;
  /** Consumed and not yet given back with WINDOW_ADJUST. */
  private unadvertised = 0;
  private readonly tolerance: number;
  private readonly adjustThreshold: number;

  constructor(
    /** The window we advertised (and refill to). */
    readonly size: number,
    maxPacket: number,
  ) {
    this.credit = size;
    this.tolerance = Math.floor(size / 10);
    // Adjust once the pending refill reaches min(window/2, max(4 max packets, window/8)): often enough that a
    // fast sender never finds the window empty, rarely enough that WINDOW_ADJUSTs stay a small overhead.
    const t = Math.min(Math.floor(size / 2), Math.max(4 * maxPacket, Math.floor(size / 8)));
    this.adjustThreshold = Math.max(1, t);
  }

  /** Window the peer has left by our count (negative while it overruns within the tolerance). */
  get remaining(): number {
    return this.credit;
  }

  get bufferedIn(): number {
    return this.buffered;
  }

  /** Counts `n` received bytes against the window; throws ProtocolError past the 10 % tolerance. */
  receive(n: number, channel: number): void {
    if (this.credit - n < -this.tolerance) {
      throw new ProtocolError(
        `channel ${channel}: peer sent ${n} bytes with ${Math.max(0, this.credit)} left in the window (ignored the window)`,
      );
    }
    this.credit -= n;
    this.buffered += n;
  }

  /** The application consumed `n` bytes. Returns the WINDOW_ADJUST amount to send now, or 0. */
  consume(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`consumed: ${n} is not a byte count`);
    if (n > this.buffered)
      throw new UsageError(`consumed ${n} bytes, but only ${this.buffered} are unconsumed`);
    this.buffered -= n;
    this.unadvertised += n;
    if (this.unadvertised < this.adjustThreshold) return 0;
    const adjust = this.unadvertised;
    this.unadvertised = 0;
    this.credit += adjust;
    return adjust;
  }

  /** Everything unconsumed is dropped (the application will not read it). Returns the adjust to send, or 0. */
  release(): number {
    return this.consume(this.buffered);
  }
}
