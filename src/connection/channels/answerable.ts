/**
 * Requests that need an answer (a channel open, a want_reply request) are handed to the application with
 * `accept`/`reject` (or `reply`) and `defer`. If nobody answers while the message is being delivered and nobody
 * deferred it, it is refused: every want_reply gets an answer even when no operator handles it, and nothing
 * hangs waiting for an application that is not listening.
 */
export class Answerable<T> {
  private settled = false;
  private deferred = false;

  constructor(private readonly answer: (value: T) => void) {}

  get answered(): boolean {
    return this.settled;
  }

  settle(value: T): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.answer(value);
    return true;
  }

  /** Promises an answer later (after connecting to a forwarding target, for instance). */
  defer(): void {
    this.deferred = true;
  }

  /** Called after delivery: refuses with `fallback` unless answered or deferred. */
  finish(fallback: T): void {
    if (!this.settled && !this.deferred) this.settle(fallback);
  }
}
