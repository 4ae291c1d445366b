/**
 * X11 forwarding for one examples/sshd.ts session, as sshd does it with `X11Forwarding yes` and
 * `X11UseLocalhost yes`. allowX11() (rxssh/operators) has answered the client's x11-req and listens on the
 * display; this gives the session's program DISPLAY (`localhost:N.S`) and, when xauth is installed, an
 * XAUTHORITY file in a private temporary folder (mkdtemp makes it 0700) holding the client's cookie for the
 * display, as sshd's do_xauth runs `xauth add unix:N.S PROTOCOL COOKIE`. The folder goes when the session ends.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import type { X11Display, X11Session } from '../../operators/x11-allow.js';

export const XAUTH = '/usr/bin/xauth';
const XAUTH_TIMEOUT_MS = 5_000;

/** Folders of sessions still open, so a server being stopped can remove them. */
const folders = new Set<string>();

/** Removes every XAUTHORITY folder still there (the server is stopping). */
export function closeX11Files(): void {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

/**
 * The environment a session's program gets for X11: empty unless the client asked and it was granted. Waits
 * while the display is still being set up (a client need not wait for the x11-req answer before exec).
 */
export function sessionX11Env(
  { channel, x11 }: X11Session,
  log: { log(line: string): void; debug(line: string): void },
): () => Promise<Record<string, string>> {
  let made: Promise<Record<string, string>> | undefined;
  let dir: string | undefined;
  channel.onEnd(() => {
    if (!dir) return;
    rmSync(dir, { recursive: true, force: true });
    folders.delete(dir);
  });
  return () => {
    made ??= firstValueFrom(x11.settled$).then(async (display): Promise<Record<string, string>> => {
      if (!display || channel.closed) return {};
      log.debug(`x11: DISPLAY ${display.display} (port ${display.port})`);
      if (!existsSync(XAUTH)) return { DISPLAY: display.display };
      dir = mkdtempSync(join(tmpdir(), 'rxssh-x11-'));
      folders.add(dir);
      const file = join(dir, 'Xauthority');
      try {
        await xauthAdd(file, display);
      } catch (e) {
        log.log(`x11: xauth add failed: ${(e as Error).message}`);
      }
      return { DISPLAY: display.display, XAUTHORITY: file };
    });
    return made;
  };
}

/** `xauth -q -f FILE add unix:N.S PROTOCOL COOKIE`, through argv (allowX11 let only safe strings through). */
function xauthAdd(file: string, d: X11Display): Promise<void> {
  const args = ['-q', '-f', file, 'add', `unix:${d.displayNumber}.${d.screen}`, d.authProtocol, d.authCookie];
  return new Promise((resolve, reject) =>
    execFile(XAUTH, args, { timeout: XAUTH_TIMEOUT_MS }, (err) => (err ? reject(err) : resolve())),
  );
}
