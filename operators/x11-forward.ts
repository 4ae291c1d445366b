/**
 * Client side of X11 forwarding, `ssh -X` / `ssh -Y` (RFC 4254 §6.3). `requestX11(conn, channel)` sends
 * `x11-req` on a session channel with a fake MIT-MAGIC-COOKIE-1 (random, so the server never learns the
 * real one); from then on, while a session that asked is open, the `x11` channels the server opens on that
 * connection are joined to the local display named by DISPLAY. Each must begin with an X11 setup message
 * carrying the fake cookie, which is replaced with the real one (from `xauth list $DISPLAY`, say) on the way:
 * ssh(1) does the same. Other `x11` opens are refused with SSH_OPEN_ADMINISTRATIVELY_PROHIBITED.
 *
 * As in ssh(1), one connection has one fake cookie and one display, fixed by its first request; a later
 * request naming another display is refused with a UsageError. Forwarding X lets the server's programs
 * draw on, and read, your display: use it only with servers you trust.
 *
 * @example
 * connection$.pipe(
 *   switchMap((conn) => conn.session().pipe(
 *     forwardX11(conn, { auth: { protocol: 'MIT-MAGIC-COOKIE-1', cookie: hexFromXauthList } }),
 *     switchMap((ch) => runExec(ch, 'xterm')),
 *   )),
 * );
 */
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  filter,
  finalize,
  type MonoTypeOperatorFunction,
  map,
  mergeMap,
  type Observable,
  switchMap,
  tap,
} from 'rxjs';
import { decodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { Channel } from '../src/connection/channels/channel.js';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import type { Connection } from '../src/connection/connection.js';
import type { RandomSource } from '../src/crypto/backend.js';
import { fromHex, toHex } from '../src/crypto/bytes.js';
import { systemRandom } from '../src/crypto/random.js';
import { UsageError } from '../src/errors.js';
import { ChannelOpenFailure } from '../src/wire/connection-messages.js';
import { type ForwardingLog, forwardingError } from './forwarding-error.js';
import {
  connectX11Display,
  parseX11Display,
  requestScreen,
  type X11Connector,
  type X11DisplayTarget,
} from './x11-display.js';
import { pipeX11Channel } from './x11-pipe.js';
import type { X11CookieSwap } from './x11-setup.js';

export const MIT_MAGIC_COOKIE = 'MIT-MAGIC-COOKIE-1';
/** A MIT-MAGIC-COOKIE-1 is 16 bytes; the fake one is as long as the real one. */
const DEFAULT_COOKIE_BYTES = 16;
/** Protocol names sshd accepts (session.c, xauth_valid_string); the cookie goes as hex. */
const AUTH_PROTOCOL = /^[A-Za-z0-9.:/_-]{1,256}$/;

export interface X11ForwardOptions {
  /** The local display, as in DISPLAY (default: the DISPLAY environment variable). */
  display?: string;
  /**
   * The display's real authorization, as `xauth list $DISPLAY` prints it (protocol name, hex cookie). Without
   * it the fake cookie is passed on unchanged, which only a display without access control accepts.
   */
  auth?: { protocol: string; cookie: string };
  /** Ask the server to forward only one X connection (RFC 4254 §6.3.1 `single connection`). */
  singleConnection?: boolean;
  /** Where the fake cookie comes from (default: the system's secure random source). */
  random?: RandomSource;
  /** How to reach the display (default: its unix socket or TCP port). */
  connect?: X11Connector;
  /** Told about X connections that could not be forwarded (display unreachable, wrong cookie). */
  onError?: ForwardingLog;
  /** X connections forwarded at once on one connection (default 64); more are refused. */
  maxConnections?: number;
}

interface X11Client {
  display: string;
  target: X11DisplayTarget;
  swap: X11CookieSwap;
  connect: X11Connector;
  onError?: ForwardingLog;
  maxConnections: number;
  /** Open session channels that asked for X11 and were not refused. */
  asking: number;
  /** X connections being set up or forwarded. */
  open: number;
}

/** One X11 state per connection, as ssh keeps one fake cookie per connection. */
const clients = new WeakMap<Connection, X11Client>();

/**
 * Sends `x11-req` (want_reply) on `channel` and emits whether the server agreed. A refusal is not an error:
 * ssh(1) goes on without X11 too. Errors with UsageError when there is no display or the options are bad.
 */
export function requestX11(
  conn: Connection,
  channel: Channel,
  opts: X11ForwardOptions = {},
): Observable<boolean> {
  return defer(() => {
    const client = clientFor(conn, opts);
    client.asking++;
    let counted = true;
    const release = () => {
      if (counted) client.asking--;
      counted = false;
    };
    channel.onEnd(release);
    // RFC 4254 §6.3.1: boolean single connection, string auth protocol, string auth cookie (hex), uint32 screen
    return channel
      .request({
        type: 'x11-req',
        singleConnection: opts.singleConnection ?? false,
        authProtocol: client.swap.protocol,
        authCookie: toHex(client.swap.fake),
        screen: requestScreen(client.target),
      })
      .pipe(tap((ok) => ok || release()));
  });
}

/**
 * `requestX11` on each session channel; emits the channel once the server has answered (before exec or shell,
 * so the program finds DISPLAY). `onRefused` hears of a refusal.
 */
export function forwardX11(
  conn: Connection,
  opts: X11ForwardOptions & { onRefused?: (channel: Channel) => void } = {},
): MonoTypeOperatorFunction<Channel> {
  return concatMap((channel) =>
    requestX11(conn, channel, opts).pipe(
      map((ok) => {
        if (!ok) opts.onRefused?.(channel);
        return channel;
      }),
    ),
  );
}

function clientFor(conn: Connection, opts: X11ForwardOptions): X11Client {
  const display = opts.display ?? process.env.DISPLAY;
  if (!display) throw new UsageError('X11 forwarding: no display (DISPLAY is not set)');
  const existing = clients.get(conn);
  if (existing) {
    if (existing.display !== display)
      throw new UsageError(`X11 forwarding: this connection already forwards display ${existing.display}`);
    return existing;
  }
  const target = parseX11Display(display);
  const protocol = opts.auth?.protocol ?? MIT_MAGIC_COOKIE;
  if (!AUTH_PROTOCOL.test(protocol)) throw new UsageError(`X11 forwarding: bad auth protocol ${protocol}`);
  let real: Uint8Array | undefined;
  try {
    real = opts.auth ? fromHex(opts.auth.cookie) : undefined;
  } catch {
    throw new UsageError('X11 forwarding: the cookie is not hex');
  }
  if (real?.length === 0) throw new UsageError('X11 forwarding: the cookie is empty');
  const fake = (opts.random ?? systemRandom)(real?.length ?? DEFAULT_COOKIE_BYTES);
  const client: X11Client = {
    display,
    target,
    swap: { protocol, fake, real: real ?? fake.slice() },
    connect: opts.connect ?? connectX11Display,
    onError: opts.onError,
    maxConnections: opts.maxConnections ?? 64,
    asking: 0,
    open: 0,
  };
  clients.set(conn, client);
  // Listens for the server's opens from the first request on, until the connection ends.
  conn.incomingChannels$
    .pipe(
      filter((inc) => inc.channelType === 'x11'),
      mergeMap((inc) => serveX11Open(client, inc)),
    )
    .subscribe();
  return client;
}

/** Answers one `x11` open: refused unless a session asked; otherwise accepted once the display is reached. */
function serveX11Open(client: X11Client, incoming: IncomingChannel): Observable<never> {
  if (client.asking === 0) {
    incoming.reject(ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED, 'X11 forwarding was not requested');
    return EMPTY;
  }
  // A server opening X connections without end would have us open as many to the display.
  if (client.open >= client.maxConnections) {
    incoming.reject(ChannelOpenFailure.RESOURCE_SHORTAGE, 'too many X11 connections');
    return EMPTY;
  }
  let from: string;
  try {
    // RFC 4254 §6.3.2: string originator address, uint32 originator port
    const p = decodeChannelOpenPayload('x11', incoming.data);
    from = p.type === 'x11' ? `${p.originatorAddress} port ${p.originatorPort}` : '?';
  } catch {
    incoming.reject(ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED, 'malformed x11 channel open');
    return EMPTY;
  }
  incoming.defer();
  client.open++;
  let accepted = false;
  return defer(() => client.connect(client.target)).pipe(
    switchMap((socket) => {
      accepted = true;
      return pipeX11Channel(socket, incoming.accept(), client.swap);
    }),
    catchError((err) => {
      if (accepted) client.onError?.(forwardingError(`X11 connection from ${from} refused`, err, 'peer'));
      else {
        const e = forwardingError(`cannot reach X11 display ${client.display}`, err);
        incoming.reject(ChannelOpenFailure.CONNECT_FAILED, e.message);
        client.onError?.(e);
      }
      return EMPTY;
    }),
    // Refusing after an accept does nothing; this answers an open still waiting for the display.
    finalize(() => {
      client.open--;
      incoming.reject(ChannelOpenFailure.CONNECT_FAILED, 'X11 forwarding stopped');
    }),
  );
}
