/**
 * The -L, -R and -D forwardings of examples/ssh.ts on an authenticated connection, with ssh(1)'s messages:
 * a forwarding that cannot be set up is a warning (or fatal with ExitOnForwardFailure=yes), a forwarded
 * connection that fails is reported and the rest carry on.
 */
import { of, type Subscription } from 'rxjs';
import { forwardLocal, forwardRemote, socksProxy } from '../../operators/index.js';
import type { Connection } from '../../src/connection/connection.js';
import type { SshCliConfig } from './ssh-config.js';

export interface ForwardingHooks {
  debug(line: string): void;
  warn(line: string): void;
  /** A forwarding could not be set up (for ExitOnForwardFailure). */
  failed(): void;
}

/** -L and -D listen on loopback unless a bind address was given ('' = every interface). */
const localBind = (host: string | undefined) =>
  host === undefined ? '127.0.0.1' : host === '' ? undefined : host;

export function startForwards(conn: Connection, cfg: SshCliConfig, hooks: ForwardingHooks): Subscription[] {
  const onError = (e: Error) => hooks.warn(`channel: open failed: ${e.message}`);
  const subs: Subscription[] = [];
  for (const f of cfg.localForwards) {
    const listen = { host: localBind(f.bindHost), port: f.bindPort };
    subs.push(
      of(conn)
        .pipe(forwardLocal({ listen, target: { host: f.host, port: f.hostPort }, onError }))
        .subscribe({
          next: (a) => {
            hooks.debug(
              `Local connections to ${listen.host ?? '*'}:${a.port} forwarded to remote address ${f.host}:${f.hostPort}`,
            );
            hooks.debug(`Local forwarding listening on ${a.address} port ${a.port}.`);
          },
          error: (e: Error) => {
            hooks.warn(`${e.message}\nCould not request local forwarding.`);
            hooks.failed();
          },
        }),
    );
  }
  for (const f of cfg.remoteForwards) {
    // Like ssh, ask the server for "localhost" when no bind address was given.
    const bind = { host: f.bindHost ?? 'localhost', port: f.bindPort };
    subs.push(
      of(conn)
        .pipe(forwardRemote({ bind, target: { host: f.host, port: f.hostPort }, onError }))
        .subscribe({
          next: ({ port }) => {
            hooks.debug(
              `remote forward success for: listen ${bind.host}:${port}, connect ${f.host}:${f.hostPort}`,
            );
            if (f.bindPort === 0)
              hooks.warn(`Allocated port ${port} for remote forward to ${f.host}:${f.hostPort}`);
          },
          error: () => {
            hooks.warn(`Warning: remote port forwarding failed for listen port ${f.bindPort}`);
            hooks.failed();
          },
        }),
    );
  }
  for (const d of cfg.dynamicForwards) {
    const listen = { host: localBind(d.bindHost), port: d.bindPort };
    subs.push(
      of(conn)
        .pipe(socksProxy({ listen, onError }))
        .subscribe({
          next: (a) => hooks.debug(`Local forwarding listening on ${a.address} port ${a.port}.`),
          error: (e: Error) => {
            hooks.warn(`${e.message}\nCould not request local forwarding.`);
            hooks.failed();
          },
        }),
    );
  }
  return subs;
}
