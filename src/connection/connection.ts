/**
 * A live SSH connection as RxJS sees it: observables of what happens (rekeys, disconnect reasons, raw core
 * events) and a few commands. Built by `connect()` (client) or `accept()` (server); it stays usable until the
 * connection ends, which `disconnect$` reports exactly once.
 */
import { filter, map, Observable, ReplaySubject, Subject, share, takeUntil } from 'rxjs';
import { ConnectionLostError, DisconnectReason, UsageError } from '../errors.js';
import type { Negotiated } from '../kex/negotiate.js';
import { Answerable } from './channels/answerable.js';
import type { Channel } from './channels/channel.js';
import type { ChannelMsg } from './channels/channel-msg.js';
import { type ChannelOptions, ChannelTable, type IncomingChannel } from './channels/channel-table.js';
import type { CoreEvent, DisconnectInfo, KexInfo } from './core-events.js';
import type { Driver } from './driver.js';
import type { HostKeysUpdate } from './host-keys-update.js';

export class Connection {
  /** Emits once, with the reason, when the connection ends; then completes. */
  readonly disconnect$: Observable<DisconnectInfo>;
  /** Every completed key exchange after the first (RFC 4253 §9 re-exchanges), from either side. */
  readonly rekey$: Observable<KexInfo>;
  /** Every event of the core, for logging and advanced flows. */
  readonly events$: Observable<CoreEvent>;
  /** The peer's channel opens (sessions, forwarded connections...). Unanswered ones are refused. */
  readonly incomingChannels$: Observable<IncomingChannel>;
  /** The peer's global requests (RFC 4254 §4). Answer with `reply` while handling, or `defer()`; else refused. */
  readonly globalRequests$: Observable<GlobalRequestMsg>;
  /** Every message of every channel, tagged with its channel. */
  readonly messages$: Observable<{ channel: Channel; msg: ChannelMsg }>;
  /**
   * Client: the server's host keys once it announced them (OpenSSH PROTOCOL §2.5 hostkeys-00) and proved the
   * ones we did not know yet; emits at most once (replayed to late subscribers), never for unproven keys.
   */
  readonly hostKeys$: Observable<HostKeysUpdate>;
  username = '';
  /** Server: the client sent no-more-sessions@openssh.com (PROTOCOL §2.2); later session opens are refused. */
  noMoreSessionsReceived = false;
  /** Client: we sent no-more-sessions@openssh.com (PROTOCOL §2.2); later session opens fail here. */
  private noMoreSessionsSent = false;
  private readonly hostKeysSubject = new ReplaySubject<HostKeysUpdate>(1);
  private readonly table: ChannelTable;
  private readonly globalRequests = new Subject<GlobalRequestMsg>();
  authMethod = '';
  private readonly disconnectSubject = new ReplaySubject<DisconnectInfo>(1);
  private readonly ended = new Subject<void>();

  constructor(protected readonly driver: Driver) {
    this.disconnect$ = this.disconnectSubject.asObservable();
    this.table = new ChannelTable({ channels: (command) => driver.run((core) => core.channels(command)) });
    this.incomingChannels$ = this.table.incoming.asObservable();
    this.messages$ = this.table.messages.asObservable();
    this.globalRequests$ = this.globalRequests.asObservable();
    this.hostKeys$ = this.hostKeysSubject.asObservable();
    this.events$ = driver.events.pipe(takeUntil(this.ended), share());
    this.rekey$ = driver.events.pipe(
      filter((e): e is Extract<CoreEvent, { type: 'kex' }> => e.type === 'kex' && !e.info.initial),
      map((e) => e.info),
    );
    driver.events.subscribe({
      next: (e) => {
        switch (e.type) {
          case 'channel':
            return this.table.handle(e.event, e.request);
          case 'global-request':
            return this.offerGlobalRequest(e);
          case 'closed':
            this.table.closeAll(e.info.error);
            this.globalRequests.complete();
            this.hostKeysSubject.complete();
            this.disconnectSubject.next(e.info);
            this.disconnectSubject.complete();
            this.ended.next();
            return;
        }
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

  /**
   * Opens a channel (RFC 4254 §5.1) when subscribed; emits it once the peer confirms and completes when it
   * closes. Unsubscribing closes the channel. Errors with ChannelOpenError when the peer refuses, and with
   * UsageError, sending nothing, for a `session` after `noMoreSessions()`.
   */
  openChannel(channelType: string, data?: Uint8Array, opts?: ChannelOptions): Observable<Channel> {
    if (channelType !== 'session') return this.table.open(channelType, data, opts);
    return new Observable<Channel>((subscriber) => {
      // PROTOCOL §2.2: we promised the server no more sessions; refuse here rather than ask and be refused.
      if (this.noMoreSessionsSent) {
        subscriber.error(new UsageError('no session channel may be opened after noMoreSessions()'));
        return;
      }
      return this.table.open(channelType, data, opts).subscribe(subscriber);
    });
  }

  /** Opens a `session` channel (RFC 4254 §6.1) for exec, shell or a subsystem. */
  session(opts?: ChannelOptions): Observable<Channel> {
    return this.openChannel('session', undefined, opts);
  }

  /** Number of open channels. */
  get channelCount(): number {
    return this.table.count;
  }

  /** Client, called by connect(): the host keys the server announced and proved (see `hostKeys$`). */
  reportHostKeys(update: HostKeysUpdate): void {
    this.hostKeysSubject.next(update);
  }

  /**
   * Client: tells the server we will open no more `session` channels (OpenSSH PROTOCOL §2.2), so a hijacked
   * connection cannot be used to start new ones. No reply comes. Sessions already open stay usable. From now
   * on this connection keeps the promise itself: a later `session()` or `openChannel('session')` errors with
   * UsageError when subscribed, and nothing is sent. Other channel types (forwardings, agent) are unaffected.
   *
   * @example
   * conn.noMoreSessions();
   * conn.session().subscribe({ error: (e) => console.log(e instanceof UsageError) }); // true; nothing was sent
   */
  noMoreSessions(): void {
    this.noMoreSessionsSent = true;
    this.sendGlobalRequest('no-more-sessions@openssh.com');
  }

  /** Sends a global request without want_reply (RFC 4254 §4): nothing answers it. */
  sendGlobalRequest(name: string, data: Uint8Array = new Uint8Array(0)): void {
    this.driver.run((core) => core.globalRequest(name, data));
  }

  private offerGlobalRequest(e: Extract<CoreEvent, { type: 'global-request' }>): void {
    // PROTOCOL §2.2: recorded here so every session acceptor can refuse later opens.
    if (e.name === 'no-more-sessions@openssh.com') this.noMoreSessionsReceived = true;
    const answer = new Answerable<{ ok: boolean; data?: Uint8Array }>((a) =>
      this.driver.run(() => e.reply(a.ok, a.data)),
    );
    this.globalRequests.next({
      name: e.name,
      wantReply: e.wantReply,
      data: e.data,
      reply: (ok, data) => answer.settle({ ok, data }),
      defer: () => answer.defer(),
    });
    answer.finish({ ok: false });
  }

  /** Sends a global request (RFC 4254 §4) and emits the reply (success flag and response data). */
  globalRequest(
    name: string,
    data: Uint8Array = new Uint8Array(0),
  ): Observable<{ ok: boolean; data: Uint8Array }> {
    return new Observable((subscriber) => {
      if (this.closed) {
        subscriber.error(new ConnectionLostError('connection closed'));
        return;
      }
      // A reply can never come once the connection ended: fail instead of waiting forever.
      const ended = this.disconnect$.subscribe(() =>
        subscriber.error(new ConnectionLostError('connection closed')),
      );
      this.driver.run((core) =>
        core.globalRequest(name, data, (ok, reply) => {
          subscriber.next({ ok, data: reply });
          subscriber.complete();
        }),
      );
      return () => ended.unsubscribe();
    });
  }
}

export interface GlobalRequestMsg {
  name: string;
  wantReply: boolean;
  data: Uint8Array;
  reply(ok: boolean, data?: Uint8Array): void;
  defer(): void;
}
