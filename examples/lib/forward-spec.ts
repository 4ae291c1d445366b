/**
 * ssh(1)'s forwarding specifications: `-L [bind_address:]port:host:hostport`, `-R` the same, and
 * `-D [bind_address:]port`. Fields are split on `:`; an IPv6 address goes in brackets (`[::1]:8080:...`).
 * An empty bind address or `*` means every interface; none at all means the default (loopback for -L and
 * -D, `localhost` as sent to the server for -R).
 */
import { CliError } from './cli-error.js';

export interface ForwardSpec {
  /** undefined: the default; '': every interface. */
  bindHost?: string;
  /** 0 asks for any free port (the server reports it for -R; -v prints it for -L). */
  bindPort: number;
  host: string;
  hostPort: number;
}

export interface DynamicSpec {
  bindHost?: string;
  bindPort: number;
}

/** Splits on `:` outside brackets, unwrapping `[addr]` fields. */
function fields(spec: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= spec.length) {
    if (spec[i] === '[') {
      const close = spec.indexOf(']', i);
      if (close < 0 || (close + 1 < spec.length && spec[close + 1] !== ':')) return [];
      out.push(spec.slice(i + 1, close));
      i = close + 2;
    } else {
      const colon = spec.indexOf(':', i);
      const end = colon < 0 ? spec.length : colon;
      out.push(spec.slice(i, end));
      i = end + 1;
    }
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
  const f = fields(spec);
  if (f.length !== 3 && f.length !== 4) throw new CliError(`Bad ${kind} forwarding specification '${spec}'`);
  const [bindHost, bindPort, host, hostPort]: (string | undefined)[] = f.length === 4 ? f : [undefined, ...f];
  if (!host) throw new CliError(`Bad ${kind} forwarding specification '${spec}'`);
  return {
    bindHost: bindHost === undefined ? undefined : bind(bindHost),
    bindPort: port(bindPort!, true, `${kind} forwarding port`),
    host,
    hostPort: port(hostPort!, false, `${kind} forwarding port`),
  };
}

/** `-D`. */
export function parseDynamicSpec(spec: string): DynamicSpec {
  const f = fields(spec);
  if (f.length !== 1 && f.length !== 2) throw new CliError(`Bad dynamic forwarding specification '${spec}'`);
  const [bindHost, bindPort] = f.length === 2 ? f : [undefined, f[0]];
  return {
    bindHost: bindHost === undefined ? undefined : bind(bindHost),
    bindPort: port(bindPort, true, 'dynamic forwarding port'),
  };
}
