/**
 * Server side of X11 forwarding (RFC 4254 §6.3), as sshd does it with `X11Forwarding yes` and
 * `X11UseLocalhost yes`: on a session's `x11-req` it listens on the loopback port 6000 + N for the first free
 * display number N from `displayOffset` (sshd's X11DisplayOffset, default 10; see x11-listen.ts), answers once
 * bound, and opens an `x11` channel to the client for every connection made there (§6.3.2, naming the
 * connecting address and port), joined to it with backpressure. `session.x11` tells the session handler the
 * display (`localhost:N.S`) and the client's (fake) cookie, so the program it starts gets DISPLAY and an xauth
 * entry.
 * The listener closes when the session channel closes, or after one connection with `single connection`.
 *
 * The session handler must leave `x11-req` unanswered (this operator sees it first and answers it once the
 * port is bound); a client need not wait for that answer before exec, so wait on `x11.settled$` before
 * starting the program.
 *
 * @example
 * serve(listenTcp(addr), opts).pipe(acceptSessions(), allowX11()).subscribe((session) =>
 *   session.x11.settled$.subscribe((x) => x && console.log(`DISPLAY=${x.display} cookie ${x.authCookie}`)));
 */
import {
  defaultIfEmpty,
  defer,
  map,
  type Observable,
  type OperatorFunction,
  of,
  ReplaySubject,
  type Subscription,
} from 'rxjs';
import type { ChannelRequest } from '../src/channel/channel-requests.js';
import { acceptedUserCertificate } from '../src/connection/accept.js';
import type { Session } from './accept-sessions.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';
import { MAX_DISPLAY_NUMBER } from './x11-display.js';
import { listenFirstFreeDisplay, openX11Channel } from './x11-listen.js';

/** A granted X11 forwarding, as the session's programs should see it. */
export interface X11Display {
  /** The DISPLAY value: `localhost:N.S`. */
  display: string;
  displayNumber: number;
  screen: number;
  /** The loopback port listened on (6000 + N). */
  port: number;
  /** What the client sent in x11-req: the protocol (MIT-MAGIC-COOKIE-1) and its fake cookie, in hex. */
  authProtocol: string;
  authCookie: string;
  singleConnection: boolean;
}

export type X11State = 'none' | 'pending' | 'granted' | 'refused';

export interface SessionX11 {
  readonly state: X11State;
  /** The display once granted. */
  readonly display: X11Display | undefined;
  /** Emits the display when granted (at once to a late subscriber) and completes; empty if refused or ended. */
  readonly display$: Observable<X11Display>;
  /**
   * Emits once and completes: the display if granted, undefined if none was asked for or it was refused;
   * while a request is being set up, waits for it. The moment to call it is before starting a program.
   */
  readonly settled$: Observable<X11Display | undefined>;
}

export interface X11Session extends Session {
  readonly x11: SessionX11;
}

export interface AllowX11Options {
  /** The first display number tried (sshd's X11DisplayOffset, default 10). */
  displayOffset?: number;
  /** How many display numbers are tried (default 1000, as sshd). */
  maxDisplays?: number;
  /** X connections one display takes at once (default 64). */
  maxConnections?: number;
  /**
   * Whether this session may forward X11 (default: yes). A client that logged in with a user certificate
   * lacking `permit-X11-forwarding` is refused either way, as sshd refuses it.
   */
  allow?: (session: Session) => boolean;
  onError?: ForwardingLog;
}

/** sshd (session.c, xauth_valid_string) lets only these reach xauth; the cookie must also be hex for xauth. */
const AUTH_PROTOCOL = /^[A-Za-z0-9.:/_-]{1,256}$/;
const HEX_COOKIE = /^(?:[0-9a-fA-F]{2}){1,256}$/;

type X11Request = Extract<ChannelRequest, { type: 'x11-req' }>;

/** Adds `x11` to each session (keeping what earlier operators added, such as `agent`). */
export function allowX11<S extends Session>(opts: AllowX11Options = {}): OperatorFunction<S, S & X11Session> {
  return map((session) => ({ ...session, x11: forwardSessionX11(session, opts) }));
}

function forwardSessionX11(session: Session, opts: AllowX11Options): SessionX11 {
  const { connection, channel } = session;
  const granted = new ReplaySubject<X11Display>(1);
  let state: X11State = 'none';
  let display: X11Display | undefined;
  let listener: Subscription | undefined;
  let ended = false;
  const permitted = () => {
    try {
      return (
        (opts.allow?.(session) ?? true) &&
        (acceptedUserCertificate(connection)?.authorizations.permitX11Forwarding ?? true)
      );
    } catch {
      return false; // a throwing policy fails closed
    }
  };

  const start = (req: X11Request, reply: (ok: boolean) => void) => {
    state = 'pending';
    const first = opts.displayOffset ?? 10;
    const last = Math.min(first + (opts.maxDisplays ?? 1000) - 1, MAX_DISPLAY_NUMBER);
    listener = listenFirstFreeDisplay(first, last, opts.maxConnections ?? 64).subscribe({
      next: ({ ev, displayNumber }) => {
        if (ev.type === 'connection') {
          // X connections outlive the session, as in sshd; each ends with its channel or the connection.
          openX11Channel(connection, ev.socket, opts.onError).subscribe();
          // §6.3.1: with `single connection`, only the first X connection is forwarded.
          if (req.singleConnection) listener?.unsubscribe();
          return;
        }
        // The session ended while we were binding: a listener is only closed once it is listening.
        if (ended) {
          state = 'refused';
          return listener?.unsubscribe();
        }
        state = 'granted';
        display = {
          display: `localhost:${displayNumber}.${req.screen}`,
          displayNumber,
          screen: req.screen,
          port: ev.port,
          authProtocol: req.authProtocol,
          authCookie: req.authCookie.toLowerCase(),
          singleConnection: req.singleConnection,
        };
        reply(true);
        granted.next(display);
        granted.complete();
      },
      error: (err) => {
        if (state === 'pending') {
          state = 'refused';
          reply(false);
          granted.complete();
        }
        opts.onError?.(forwardingError('X11 forwarding: cannot listen for a display', err, 'local'));
      },
    });
  };

  // connection.messages$ sees each message before the channel's own subscribers, so this answers first.
  const watch = connection.messages$.subscribe(({ channel: ch, msg }) => {
    if (ch !== channel || msg.type !== 'request' || msg.request.type !== 'x11-req') return;
    const req = msg.request;
    // sshd refuses a second request on a session ("X11 forwarding already active") and odd auth strings.
    const ok =
      state === 'none' &&
      AUTH_PROTOCOL.test(req.authProtocol) &&
      HEX_COOKIE.test(req.authCookie) &&
      permitted();
    if (!ok) return msg.reply(false);
    msg.defer();
    start(req, msg.reply);
  });
  channel.onEnd(() => {
    watch.unsubscribe();
    ended = true;
    if (state !== 'pending') listener?.unsubscribe();
    granted.complete();
  });
  return {
    get state() {
      return state;
    },
    get display() {
      return display;
    },
    display$: granted.asObservable(),
    // A request refused (or a session ended) while pending completes `granted` empty.
    settled$: defer(() => (state === 'pending' ? granted.pipe(defaultIfEmpty(undefined)) : of(display))),
  };
}
