/**
 * Drives a sans-I/O core with a ByteIO and an RxJS scheduler: the one pipeline through which every byte,
 * event and timer of a connection passes. Time comes from `scheduler.now()` and timers are scheduler
 * actions, so under a TestScheduler a whole handshake, a keepalive or a login-grace timeout runs in
 * virtual time.
 */
import { type SchedulerAction, type SchedulerLike, Subject, type Subscription, take } from 'rxjs';
import { ConnectionLostError } from '../errors.js';
import { type ByteIO, writeBatch } from '../io/byte-io.js';
import type { CoreBase } from './core-base.js';
import type { CoreEvent } from './core-events.js';

export class Driver {
  readonly events = new Subject<CoreEvent>();
  private inputSub?: Subscription;
  private timer?: Subscription;
  private timerAt?: number;
  private flushing = false;
  private again = false;
  private finished = false;
  private inputHeld = false;
  private drainSub?: Subscription;

  constructor(
    readonly core: CoreBase,
    readonly io: ByteIO,
    readonly scheduler: SchedulerLike,
  ) {}

  start(): void {
    this.inputSub = this.io.input.subscribe({
      next: (bytes) => {
        this.core.receive(bytes);
        this.flush();
      },
      complete: () => {
        this.core.receiveEnd();
        this.flush();
      },
      error: (err) => {
        this.core.transport.fail(
          new ConnectionLostError(`transport error: ${(err as Error)?.message ?? err}`, err),
        );
        this.core.receiveEnd();
        this.flush();
      },
    });
    this.flush();
  }

  /** Runs a command against the core, then flushes what it produced. */
  run(command: (core: CoreBase) => void): void {
    if (this.finished) return;
    command(this.core);
    this.flush();
  }

  /** Writes pending bytes, delivers events and re-arms the timer; re-entrant calls are folded into one loop. */
  flush(): void {
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    try {
      do {
        this.again = false;
        // The core's packets as they are (pollTransmit would join them): one write per batch.
        const batch = this.core.pollTransmitBatch();
        if (batch && writeBatch(this.io, batch) === false) this.holdInput();
        for (let e = this.core.pollEvent(); e; e = this.core.pollEvent()) this.events.next(e);
      } while (this.again);
      this.armTimer();
      if (this.core.closed) this.finish();
    } finally {
      this.flushing = false;
    }
  }

  /** The carrier's write buffer is full: read nothing more (so we answer nothing more) until it drains. */
  private holdInput(): void {
    if (this.inputHeld || !this.io.pauseInput || !this.io.drained) return;
    this.inputHeld = true;
    this.io.pauseInput();
    this.drainSub = this.io.drained.pipe(take(1)).subscribe(() => {
      this.inputHeld = false;
      this.io.resumeInput?.();
    });
  }

  private armTimer(): void {
    const at = this.core.closed ? undefined : this.core.pollTimeout();
    if (at === this.timerAt) return;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    const delay = Math.max(0, at - this.scheduler.now());
    this.timer = this.scheduler.schedule(
      function (this: SchedulerAction<Driver>, driver?: Driver) {
        driver!.timerAt = undefined;
        driver!.timer = undefined;
        driver!.core.handleTimeout();
        driver!.flush();
      },
      delay,
      this,
    );
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.timer?.unsubscribe();
    this.drainSub?.unsubscribe();
    this.inputSub?.unsubscribe();
    this.io.end();
    this.events.complete();
  }
}
