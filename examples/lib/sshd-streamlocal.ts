/**
 * Unix-domain socket forwarding for examples/sshd.ts (OpenSSH PROTOCOL §2.4), as sshd_config(5) has it:
 * --allow-streamlocal-forwarding (AllowStreamLocalForwarding: yes, all, no, local, remote) and
 * --streamlocal-bind-unlink (StreamLocalBindUnlink: remove a stale socket before creating one). Local (-L)
 * connections reach any socket this server's user can; remote (-R) sockets are created with mode 0600 and
 * removed on cancel, when the connection ends, and when the server is stopped.
 */
import { of, Subscription } from 'rxjs';
import { allowDirectStreamlocal, allowStreamlocalForwarding } from '../../operators/index.js';
import type { Connection } from '../../src/connection/connection.js';
import { yesNo } from './ssh-config.js';

export interface StreamlocalSettings {
  local: boolean;
  remote: boolean;
  bindUnlink: boolean;
}

/** The two options' values, checked. @throws Error naming the option */
export function streamlocalSettings(allow: string, bindUnlink: string): StreamlocalSettings {
  const a = allow.toLowerCase();
  if (!['yes', 'all', 'no', 'local', 'remote'].includes(a))
    throw new Error(`--allow-streamlocal-forwarding wants yes, no, local or remote, got ${allow}`);
  if (!['yes', 'no'].includes(bindUnlink.toLowerCase()))
    throw new Error(`--streamlocal-bind-unlink wants yes or no, got ${bindUnlink}`);
  return {
    local: a === 'yes' || a === 'all' || a === 'local',
    remote: a === 'yes' || a === 'all' || a === 'remote',
    bindUnlink: yesNo(bindUnlink, false),
  };
}

/** Every connection's forwarding, so a server being stopped can remove the sockets it made. */
const serving = new Subscription();

/** Removes every forwarded socket still open (the server is stopping). */
export function closeStreamlocalSockets(): void {
  serving.unsubscribe();
}

/** Serves one authenticated connection's streamlocal channels and requests, as `settings` allow. */
export function serveStreamlocal(
  conn: Connection,
  settings: StreamlocalSettings,
  log: { log(line: string): void; debug(line: string): void },
): void {
  const onError = (e: Error) => log.debug(`streamlocal forwarding: ${e.message}`);
  const subs = new Subscription();
  if (settings.local)
    subs.add(
      of(conn)
        .pipe(allowDirectStreamlocal({ onError }))
        .subscribe((r) => log.debug(`direct-streamlocal to ${r.socketPath}`)),
    );
  if (settings.remote)
    subs.add(
      of(conn)
        .pipe(allowStreamlocalForwarding({ onError, socket: { unlinkExisting: settings.bindUnlink } }))
        .subscribe((f) => log.log(`Remote forwarding listening on path ${f.socketPath}.`)),
    );
  serving.add(subs);
  conn.disconnect$.subscribe(() => serving.remove(subs));
}
