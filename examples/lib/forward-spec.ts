/**
 * ssh(1)'s forwarding specifications: `-L [bind_address:]port:host:hostport`, `-R` the same, and
 * `-D [bind_address:]port`. Fields are split on `:`; an IPv6 address goes in brackets (`[::1]:8080:...`) and
 * a backslash makes the next character literal (`\:`). An empty bind address or `*` means every interface;
 * none at all means the default (loopback for -L and -D, `localhost` as sent to the server for -R).
 *
 * Either end of -L and -R may instead be a Unix-domain socket (OpenSSH PROTOCOL §2.4 streamlocal forwarding):
 * a field holding a `/` is a socket path, as in ssh(1), giving `[bind:]port:/socket`, `/socket:host:hostport`
 * and `/socket:/socket`.
 */
import { CliError } from './cli-error.js';

/**
 * Where a forwarding listens: a TCP port, or a Unix-domain socket. (The other form's fields are declared
 * absent, so either can be read, and `bindPath !== undefined` tells them apart.)
 */
export type ForwardListen =
  /** bindHost undefined: the default; '': every interface. bindPort 0 asks for any free port. */
  | { bindHost?: string; bindPort: number; bindPath?: undefined }
  | { bindPath: string; bindHost?: undefined; bindPort?: undefined };

/** Where forwarded connections go: a TCP host and port, or a Unix-domain socket. */
export type ForwardConnect =
  | { host: string; hostPort: number; connectPath?: undefined }
  | { connectPath: string; host?: undefined; hostPort?: undefined };

/** One -L or -R (for -L the listening end is here, for -R on the server). */
export type ForwardSpec = ForwardListen & ForwardConnect;

export interface DynamicSpec {
  bindHost?: string;
  bindPort: number;
}

interface Field {
  text: string;
  /** It holds a `/`: ssh(1) takes it for a Unix-domain socket path. */
  isPath: boolean;
}

/** sizeof(sockaddr_un.sun_path) on Linux: a socket path must fit with its NUL, as ssh(1) checks. */
const SUN_PATH_MAX = 108;

/** Splits on `:` outside brackets, unwrapping `[addr]` fields and unescaping `\x`; [] when malformed. */
function fields(spec: string): Field[] {
  const out: Field[] = [];
  let i = 0;
  while (i <= spec.length) {
    if (spec[i] === '[') {
      const close = spec.indexOf(']', i);
      if (close < 0 || (close + 1 < spec.length && spec[close + 1] !== ':')) return [];
      const text = spec.slice(i + 1, close);
      out.push({ text, isPath: text.includes('/') });
      i = close + 2;
      continue;
    }
    let text = '';
    for (; i < spec.length && spec[i] !== ':'; i++) {
      if (spec[i] === '\\') {
        i++;
        if (i === spec.length) return [];
      }
      text += spec[i];
    }
    out.push({ text, isPath: text.includes('/') });
    i++;
  }
  return out;
}

function port(v: string, allowZero: boolean, what: string): number {
  const n = /^\d{1,5}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n <= 65535 && (n >= 1 || (allowZero && n === 0)))) throw new CliError(`Bad ${what} '${v}'`);
  return n;
}

const bind = (h: string) => (h === '*' ? '' : h);

/** `-L` or `-R` (`flag` names the option in error messages, as ssh does). */
export function parseForwardSpec(spec: string, flag: 'L' | 'R'): ForwardSpec {
  const kind = flag === 'L' ? 'local' : 'remote';
  const bad = () => new CliError(`Bad ${kind} forwarding specification '${spec}'`);
  const listen = (host: string | undefined, p: Field): ForwardListen => ({
    bindHost: host === undefined ? undefined : bind(host),
    bindPort: port(p.text, true, `${kind} forwarding port`),
  });
  const connect = (host: Field, p: Field): ForwardConnect => {
    if (!host.text) throw bad();
    return { host: host.text, hostPort: port(p.text, false, `${kind} forwarding port`) };
  };
  const path = (f: Field): string => {
    if (Buffer.byteLength(f.text) >= SUN_PATH_MAX) throw bad();
    return f.text;
  };
  const f = fields(spec);
  switch (f.length) {
    case 2: // /socket:/socket, port:/socket
      if (!f[1].isPath) throw bad();
      if (f[0].isPath) return { bindPath: path(f[0]), connectPath: path(f[1]) };
      return { ...listen(undefined, f[0]), connectPath: path(f[1]) };
    case 3: // /socket:host:hostport, bind:port:/socket, port:host:hostport
      if (f[0].isPath) return { bindPath: path(f[0]), ...connect(f[1], f[2]) };
      if (f[2].isPath) return { ...listen(f[0].text, f[1]), connectPath: path(f[2]) };
      return { ...listen(undefined, f[0]), ...connect(f[1], f[2]) };
    case 4:
      return { ...listen(f[0].text, f[1]), ...connect(f[2], f[3]) };
    default:
      throw bad();
  }
}

/** `-D`. */
export function parseDynamicSpec(spec: string): DynamicSpec {
  const f = fields(spec).map((x) => x.text);
  if (f.length !== 1 && f.length !== 2) throw new CliError(`Bad dynamic forwarding specification '${spec}'`);
  const [bindHost, bindPort] = f.length === 2 ? f : [undefined, f[0]];
  return {
    bindHost: bindHost === undefined ? undefined : bind(bindHost),
    bindPort: port(bindPort, true, 'dynamic forwarding port'),
  };
}
