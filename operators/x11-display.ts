/**
 * Where an X display lives, from a `DISPLAY` string (X(7) "Display names"): `:N`, `unix:N` and `:N.S` name the
 * local server's unix socket `/tmp/.X11-unix/XN`; `host:N[.S]` names TCP port 6000 + N on `host`. The
 * default connector, used by the client side of X11 forwarding (RFC 4254 §6.3), opens either.
 *
 * @example
 * parseX11Display('localhost:10.0'); // { kind: 'tcp', host: 'localhost', port: 6010, displayNumber: 10, screen: 0 }
 * parseX11Display(':0');             // { kind: 'unix', path: '/tmp/.X11-unix/X0', displayNumber: 0, screen: 0 }
 */
import * as net from 'node:net';
import { Observable } from 'rxjs';
import { UsageError } from '../src/errors.js';

/** X11 over TCP listens on 6000 + display number (X(7), "Display names"). */
export const X11_BASE_PORT = 6000;
/** The largest display number whose port fits in 16 bits (as ssh's channels.c bounds it). */
export const MAX_DISPLAY_NUMBER = 65535 - X11_BASE_PORT;
/** The folder of the local server's sockets. */
export const X11_UNIX_DIR = '/tmp/.X11-unix';
/** ssh(1) sends screen 0 for a screen number above this (clientloop.c bounds it the same way). */
const MAX_SCREEN = 400;

export type X11DisplayTarget =
  | { kind: 'unix'; path: string; displayNumber: number; screen: number }
  | { kind: 'tcp'; host: string; port: number; displayNumber: number; screen: number };

/** Opens a connection to the display (for tests: anything that yields a connected socket). */
export type X11Connector = (target: X11DisplayTarget) => Observable<net.Socket>;

const NUMBER_AND_SCREEN = /^(\d{1,5})(?:\.(\d{1,5}))?$/;

/**
 * Parses a DISPLAY value.
 * @throws UsageError when it names no display we can reach (no `:N`, a number out of range)
 */
export function parseX11Display(display: string): X11DisplayTarget {
  const colon = display.lastIndexOf(':');
  const m = colon < 0 ? null : NUMBER_AND_SCREEN.exec(display.slice(colon + 1));
  if (!m || display.includes('\0'))
    throw new UsageError(`X11 display ${JSON.stringify(display)} is not HOST:N[.S]`);
  const displayNumber = Number(m[1]);
  if (displayNumber > MAX_DISPLAY_NUMBER)
    throw new UsageError(`X11 display number ${displayNumber} is above ${MAX_DISPLAY_NUMBER}`);
  const screen = m[2] === undefined ? 0 : Number(m[2]);
  const host = display.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  if (host === '' || host === 'unix')
    return { kind: 'unix', path: `${X11_UNIX_DIR}/X${displayNumber}`, displayNumber, screen };
  return { kind: 'tcp', host, port: X11_BASE_PORT + displayNumber, displayNumber, screen };
}

/** The screen number to put in x11-req: the display's, or 0 when it is implausibly large. */
export function requestScreen(target: X11DisplayTarget): number {
  return target.screen <= MAX_SCREEN ? target.screen : 0;
}

/** The default connector: the unix socket or the TCP port. Emits the paused socket once connected. */
export const connectX11Display: X11Connector = (target) =>
  new Observable<net.Socket>((subscriber) => {
    const socket =
      target.kind === 'unix'
        ? net.connect({ path: target.path, allowHalfOpen: true })
        : net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
    let connected = false;
    // After the connect, errors reach whoever pipes the socket; this listener only keeps them from being uncaught.
    socket.on('error', (err) => {
      if (!connected) subscriber.error(err);
    });
    socket.once('connect', () => {
      connected = true;
      if (target.kind === 'tcp') socket.setNoDelay(true);
      socket.pause();
      subscriber.next(socket);
    });
    return () => socket.destroy();
  });
