/**
 * The agent's lock (draft-miller-ssh-agent-04 §4.6). Like OpenSSH's ssh-agent, the passphrase itself is not
 * kept: only a salted hash, compared in constant time. Failed unlocks back off (OpenSSH sleeps 100 ms per
 * failure, up to 10 s); a sans-I/O core cannot sleep, so attempts inside the back-off window are refused
 * without being checked, which caps guessing at the same rate.
 */
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { equalBytes, wipe } from '../crypto/bytes.js';

const SALT_BYTES = 16;
const BACKOFF_STEP_MS = 100;
const BACKOFF_MAX_MS = 10_000;

export class AgentLock {
  private salt: Uint8Array | null = null;
  private hash: Uint8Array | null = null;
  private failures = 0;
  private retryAt = 0;

  constructor(
    private readonly crypto: CryptoBackend,
    private readonly random: RandomSource,
  ) {}

  get locked(): boolean {
    return this.hash !== null;
  }

  /** Locks with `passphrase`; false when already locked (OpenSSH refuses a second LOCK). */
  lock(passphrase: Uint8Array): boolean {
    if (this.locked) return false;
    this.salt = this.random(SALT_BYTES).slice();
    this.hash = this.crypto.hmac('sha512', this.salt, passphrase);
    this.failures = 0;
    this.retryAt = 0;
    return true;
  }

  /** Unlocks when `passphrase` matches; false when not locked, wrong, or tried too soon after a failure. */
  unlock(passphrase: Uint8Array, now: number): boolean {
    if (this.hash === null || this.salt === null) return false;
    if (now < this.retryAt) return false;
    const attempt = this.crypto.hmac('sha512', this.salt, passphrase);
    const ok = equalBytes(attempt, this.hash);
    wipe(attempt);
    if (!ok) {
      this.failures++;
      this.retryAt = now + Math.min(BACKOFF_STEP_MS * this.failures, BACKOFF_MAX_MS);
      return false;
    }
    wipe(this.hash, this.salt);
    this.hash = null;
    this.salt = null;
    this.failures = 0;
    return true;
  }
}
