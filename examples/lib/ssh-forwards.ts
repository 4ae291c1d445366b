/**
 * The -L, -R and -D forwardings of examples/ssh.ts on an authenticated connection, with ssh(1)'s messages:
 * a forwarding that cannot be set up is a warning (or fatal with ExitOnForwardFailure=yes), a forwarded
 * connection that fails is reported and the rest carry on. A -L or -R with a socket path at either end goes
 * through the streamlocal operators (OpenSSH PROTOCOL §2.4), TCP to TCP through forwardLocal/forwardRemote.
 */
import { type Observable, of, type Subscription } from 'rxjs';
import {
  type Endpoint,
  forwardLocal,
  forwardLocalStreamlocal,
  forwardRemote,
  forwardRemoteStreamlocal,
  type ListenEndpoint,
  type RemoteListening,
  socksProxy,
} from '../../operators/index.js';
import type { Connection } from '../../src/connection/connection.js';
import type { ForwardSpec } from './forward-spec.js';
import { type SshCliConfig, yesNo } from './ssh-config.js';

export interface ForwardingHooks {
  debug(line: string): void;
  warn(line: string): void;
  /** A forwarding could not be set up (for ExitOnForwardFailure). */
  failed(): void;
}

/** -L and -D listen on loopback unless a bind address was given ('' = every interface). */
const localBind = (host: string | undefined) =>
  host === undefined ? '127.0.0.1' : host === '' ? undefined : host;

/** Where connections go, as ssh(1) prints it: `host:port` or the socket path. */
const shown = (e: Endpoint | ListenEndpoint) => ('path' in e ? e.path : `${e.host ?? '*'}:${e.port}`);

function connectEnd(f: ForwardSpec): Endpoint {
  return f.connectPath !== undefined ? { path: f.connectPath } : { host: f.host, port: f.hostPort };
}

function localForward(conn: Connection, f: ForwardSpec, cfg: SshCliConfig, onError: (e: Error) => void) {
  const target = connectEnd(f);
  const listen: ListenEndpoint =
    f.bindPath !== undefined ? { path: f.bindPath } : { host: localBind(f.bindHost), port: f.bindPort };
  // ssh_config(5) StreamLocalBindUnlink: remove a stale socket at the -L path before listening.
  const socket = { unlinkExisting: yesNo(cfg.options.get('streamlocalbindunlink'), false) };
  const stream$: Observable<{ address?: string; port?: number; path?: string }> =
    'path' in listen || 'path' in target
      ? of(conn).pipe(forwardLocalStreamlocal({ listen, target, socket, onError }))
      : of(conn).pipe(forwardLocal({ listen, target, onError }));
  return { listen, target, stream$ };
}

function remoteForward(conn: Connection, f: ForwardSpec, onError: (e: Error) => void) {
  const target = connectEnd(f);
  // Like ssh, ask the server for "localhost" when no bind address was given.
  const bind: Endpoint =
    f.bindPath !== undefined ? { path: f.bindPath } : { host: f.bindHost ?? 'localhost', port: f.bindPort };
  const stream$: Observable<RemoteListening> =
    'path' in bind || 'path' in target
      ? of(conn).pipe(forwardRemoteStreamlocal({ bind, target, onError }))
      : of(conn).pipe(forwardRemote({ bind, target, onError }));
  return { bind, target, stream$ };
}

export function startForwards(conn: Connection, cfg: SshCliConfig, hooks: ForwardingHooks): Subscription[] {
  const onError = (e: Error) => hooks.warn(`channel: open failed: ${e.message}`);
  const subs: Subscription[] = [];
  for (const f of cfg.localForwards) {
    const { listen, target, stream$ } = localForward(conn, f, cfg, onError);
    subs.push(
      stream$.subscribe({
        next: (a) => {
          if (a.path !== undefined) {
            hooks.debug(`Local connections to ${a.path} forwarded to remote address ${shown(target)}`);
            hooks.debug(`Local forwarding listening on path ${a.path}.`);
            return;
          }
          const host = 'path' in listen ? undefined : listen.host;
          hooks.debug(
            `Local connections to ${host ?? '*'}:${a.port} forwarded to remote address ${shown(target)}`,
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
    const { bind, target, stream$ } = remoteForward(conn, f, onError);
    subs.push(
      stream$.subscribe({
        next: (at) => {
          const listen = 'path' in at ? at.path : `${'host' in bind ? bind.host : ''}:${at.port}`;
          hooks.debug(`remote forward success for: listen ${listen}, connect ${shown(target)}`);
          if (f.bindPort === 0 && 'port' in at)
            hooks.warn(`Allocated port ${at.port} for remote forward to ${shown(target)}`);
        },
        error: () => {
          const what = 'path' in bind ? `path ${bind.path}` : `port ${bind.port}`;
          hooks.warn(`Warning: remote port forwarding failed for listen ${what}`);
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
