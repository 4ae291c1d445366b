/**
 * The listeners a server holds for one connection's remote forwards (RFC 4254 §7.1 `tcpip-forward`, OpenSSH
 * PROTOCOL §2.4 `streamlocal-forward@openssh.com`), bound or still binding, by the name a cancel gives them,
 * and the connections accepted on them. Each request is answered once: true when its listener is bound, false
 * when binding fails or the forward is cancelled (or the connection ends) first (RFC 4254 §4), so a cancel
 * right behind its request finds the listener still binding. Forwarded connections outlive a cancelled
 * listener, as in OpenSSH, and end with `close()`.
 */
import type { Socket } from 'node:net';
import { finalize, type Observable, Subscription } from 'rxjs';
import type { GlobalRequestMsg } from '../src/connection/connection.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';

/** An accepted connection, as the TCP and Unix-domain listeners emit it. */
interface Accepted {
  type: 'connection';
  socket: Socket;
}

/** One forward to listen for: how to listen, and what to do once bound. */
export interface ForwardListener<L extends { type: 'listening' }, F> {
  /** Listens while subscribed: `listening` once bound, then each accepted connection. */
  listen$: Observable<L | Accepted>;
  /** The name a cancel gives it while binding, when the request already says it (a socket path, a fixed port). */
  key?: string;
  /** Once bound: the name a cancel gives it, the success reply's data, and the forward to announce. */
  bound(listening: L): { key: string; reply?: Uint8Array; forward: F };
  /** Joins a connection accepted on the forward to the client; completes when that connection is over. */
  accept(socket: Socket, forward: F): Observable<never>;
  /** Names it in the error reported when it cannot listen: `port 8080 on 127.0.0.1`, `path /tmp/x.sock`. */
  what: string;
}

interface Held {
  key?: string;
  stop(): void;
}

export class ForwardListeners<F> {
  private readonly byKey = new Map<string, Held>();
  private readonly all = new Set<Held>();
  private readonly forwarded = new Subscription();
  private closed = false;

  /** `announce` gets each forward once its request has been answered with success. */
  constructor(
    private readonly announce: (forward: F) => void,
    private readonly onError?: ForwardingLog,
  ) {}

  /** Listeners held, bound or still binding. */
  get size(): number {
    return this.all.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Defers `req` and answers it once `spec` is bound or has failed; the caller has checked its policy. */
  listen<L extends { type: 'listening' }>(req: GlobalRequestMsg, spec: ForwardListener<L, F>): void {
    // The connection ended while the request was being decided: nothing may be left listening.
    if (this.closed) return req.reply(false);
    req.defer();
    let forward: F | undefined; // set once bound
    const listening = new Subscription();
    const held: Held = {
      stop: () => {
        this.forget(held);
        // Closes the listener, once bound if it is still binding (and removes a socket file).
        listening.unsubscribe();
        // RFC 4254 §4: every request is answered, in order; one stopped while binding fails.
        if (forward === undefined) req.reply(false);
      },
    };
    this.all.add(held);
    if (spec.key !== undefined) this.name(held, spec.key);
    listening.add(
      spec.listen$.subscribe({
        next: (ev) => {
          if (ev.type === 'connection') return this.forwardConnection(spec.accept(ev.socket, forward as F));
          const bound = spec.bound(ev);
          forward = bound.forward;
          this.name(held, bound.key);
          req.reply(true, bound.reply);
          this.announce(bound.forward);
        },
        error: (err) => {
          this.forget(held);
          if (forward === undefined) req.reply(false);
          this.onError?.(forwardingError(`cannot listen to ${spec.what}`, err, 'local'));
        },
      }),
    );
  }

  /** Answers a cancel request for the forward named `key`: true when one was held (bound or binding). */
  cancel(req: GlobalRequestMsg, key: string): void {
    const held = this.byKey.get(key);
    held?.stop();
    req.reply(held !== undefined);
  }

  /** The connection ended: stops every listener and ends the forwarded connections. */
  close(): void {
    this.closed = true;
    for (const held of [...this.all]) held.stop();
    this.forwarded.unsubscribe();
  }

  /** Keeps one forwarded connection until it is over, so a long-lived connection keeps no trail. */
  private forwardConnection(connection$: Observable<never>): void {
    const link = new Subscription();
    this.forwarded.add(link);
    link.add(connection$.pipe(finalize(() => this.forwarded.remove(link))).subscribe());
  }

  private name(held: Held, key: string): void {
    if (held.key !== undefined && this.byKey.get(held.key) === held) this.byKey.delete(held.key);
    held.key = key;
    this.byKey.set(key, held);
  }

  private forget(held: Held): void {
    this.all.delete(held);
    if (held.key !== undefined && this.byKey.get(held.key) === held) this.byKey.delete(held.key);
  }
}
