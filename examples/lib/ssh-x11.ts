/**
 * -X / -Y of examples/ssh.ts (ssh_config(5) ForwardX11, ForwardX11Trusted, XAuthLocation), as ssh(1) does
 * it: the display comes from DISPLAY, its real cookie from `xauth list $DISPLAY` when xauth is installed
 * (`localhost:N` looked up as `unix:N`, as ssh's client_x11_get_proto does), and the session asks with a fake
 * cookie (requestX11, rxssh/operators) that is swapped for the real one on each X connection. Without xauth
 * data the fake cookie goes to the display unchanged, with ssh's warning.
 *
 * Untrusted forwarding (-X with ForwardX11Trusted=no makes ssh generate an untrusted cookie with the X
 * SECURITY extension) is not done here: -X forwards as -Y does, and says so with -v.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { catchError, type Observable, of, tap } from 'rxjs';
import { parseX11Display, requestX11 } from '../../operators/index.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { Connection } from '../../src/connection/connection.js';
import { yesNo } from './ssh-config.js';

const DEFAULT_XAUTH = '/usr/bin/xauth';
const XAUTH_TIMEOUT_MS = 5_000;

export interface X11Hooks {
  debug(line: string): void;
  warn(line: string): void;
}

/** Sends x11-req on a session channel; emits once the server answered (a refusal is only a warning). */
export type X11Request = (channel: Channel) => Observable<unknown>;

/** What -X/-Y ask for, or undefined when X11 is not forwarded (not asked, or no usable DISPLAY). */
export function planX11(
  conn: Connection,
  options: Map<string, string>,
  env: NodeJS.ProcessEnv,
  hooks: X11Hooks,
): X11Request | undefined {
  if (!yesNo(options.get('forwardx11'), false)) return undefined;
  const display = env.DISPLAY;
  if (!display) {
    hooks.warn('X11 forwarding requested but DISPLAY not set');
    return undefined;
  }
  try {
    parseX11Display(display);
  } catch (e) {
    hooks.warn(`${(e as Error).message}; disabling X11 forwarding`);
    return undefined;
  }
  if (!yesNo(options.get('forwardx11trusted'), false))
    hooks.debug('untrusted X11 forwarding is not supported by this example: forwarding as trusted (-Y)');
  const auth = xauthCookie(options.get('xauthlocation') ?? DEFAULT_XAUTH, display, env, hooks);
  if (!auth) hooks.warn('Warning: No xauth data; using fake authentication data for X11 forwarding.');
  return (channel) => {
    hooks.debug('Requesting X11 forwarding with authentication spoofing.');
    return requestX11(conn, channel, {
      display,
      auth,
      onError: (e) => hooks.debug(`X11: ${e.message}`),
    }).pipe(
      tap((ok) => ok || hooks.warn('X11 forwarding request failed on channel 0')),
      catchError((e: Error) => {
        hooks.warn(`X11 forwarding: ${e.message}`);
        return of(false);
      }),
    );
  };
}

/** The first `xauth list` entry for the display: `DISPLAYNAME PROTOCOL HEXKEY`. */
function xauthCookie(
  xauth: string,
  display: string,
  env: NodeJS.ProcessEnv,
  hooks: X11Hooks,
): { protocol: string; cookie: string } | undefined {
  if (!existsSync(xauth)) {
    hooks.debug(`No xauth program (${xauth}).`);
    return undefined;
  }
  // A display on localhost is a local one for xauth: its entry is under unix:N.
  const lookup = display.startsWith('localhost:') ? `unix:${display.slice('localhost:'.length)}` : display;
  hooks.debug(`x11_get_proto: ${xauth} list ${lookup}`);
  let listed: string;
  try {
    listed = execFileSync(xauth, ['list', lookup], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: XAUTH_TIMEOUT_MS,
    });
  } catch {
    return undefined;
  }
  const m = /^\S+\s+(\S+)\s+((?:[0-9a-fA-F]{2})+)\s*$/m.exec(listed);
  return m ? { protocol: m[1], cookie: m[2] } : undefined;
}
