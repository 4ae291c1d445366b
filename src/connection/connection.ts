/**
 * A live SSH connection as RxJS sees it: observables of what happens (rekeys, disconnect reasons, raw core
 * events) and a few commands. Built by `connect()` (client) or `accept()` (server); it stays usable until the
 * connection ends, which `disconnect$` reports exactly once.
 */
import { filter, map, Observable, ReplaySubject, share, Subject, takeUntil } from 'rxjs';
import type { KexInfo, CoreEvent, DisconnectInfo } from './core-events.js';
import type { Driver } from './driver.js';
import type { Negotiated } from '../kex/negotiate.js';
import { DisconnectReason } from '../errors.js';

export class Connection {
  /** Emits once, with the reason, when the connection ends; then completes. */
  readonly disconnect$: Observable<DisconnectInfo>;
  /** Every completed key exchange after the first (RFC 4253 §9 re-exchanges), from either side. */
  readonly rekey$: Observable<KexInfo>;
  /** Every event of the core, for logging and advanced flows. */
  readonly events$: Observable<CoreEvent>;
  username = '';
  authMethod = '';
  private readonly disconnectSubject = new ReplaySubject<DisconnectInfo>(1);
  private readonly ended = new Subject<void>();

  constructor(protected readonly driver: Driver) {
    this.disconnect$ = this.disconnectSubject.asObservable();
    this.events$ = driver.events.pipe(takeUntil(this.ended), share());
    this.rekey$ = driver.events.pipe(
      filter((e): e is Extract<CoreEvent, { type: 'kex' }> => e.type === 'kex' && !e.info.initial),
      map((e) => e.info),
    );
    driver.events.subscribe({
      next: (e) => {
        if (e.type !== 'closed') return;
        this.disconnectSubject.next(e.info);
        this.disconnectSubject.complete();
        this.ended.next();
      },
    });
  }

  /** The algorithms of the current keys. */
  get algorithms(): Negotiated {
    return this.driver.core.transport.negotiated!;
  }

  get sessionId(): Uint8Array {
    return this.driver.core.transport.sessionId!;
  }

  get strictKex(): boolean {
    return this.driver.core.transport.strictKex;
  }

  get closed(): boolean {
    return this.driver.core.closed;
  }

  get remote(): { address: string; port: number } | undefined {
    return this.driver.io.remote;
  }

  /** The peer's identification line (e.g. `SSH-2.0-OpenSSH_9.2p1 Debian-2`). */
  get peerVersion(): string {
    return this.driver.core.transport.peerIdentification?.line ?? '';
  }

  /** Starts a key re-exchange now; `rekey$` reports when it completes. */
  rekey(): void {
    this.driver.run((core) => core.transport.rekey());
  }

  /** Ends the connection with SSH_MSG_DISCONNECT (RFC 4253 §11.1). */
  close(reason: number = DisconnectReason.BY_APPLICATION, description = 'closed by application'): void {
    this.driver.run((core) => core.disconnect(reason, description));
  }

  /** Sends a global request (RFC 4254 §4) and emits the reply (success flag and response data). */
  globalRequest(
    name: string,
    data: Uint8Array = new Uint8Array(0),
  ): Observable<{ ok: boolean; data: Uint8Array }> {
    return new Observable((subscriber) => {
      this.driver.run((core) =>
        core.globalRequest(name, data, (ok, reply) => {
          subscriber.next({ ok, data: reply });
          subscriber.complete();
        }),
      );
    });
  }
}
