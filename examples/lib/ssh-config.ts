/**
 * The subset of ssh_config(5) that examples/ssh.ts understands, parsed from `-o Key=Value` and short flags.
 * Keywords are case-insensitive, as in OpenSSH; algorithm lists accept the `+`, `-` and `^` edits.
 */
import { CliError } from './cli-error.js';
import { type DynamicSpec, type ForwardSpec, parseDynamicSpec, parseForwardSpec } from './forward-spec.js';

export { CliError };

export interface SshCliConfig {
  host: string;
  user: string;
  port: number;
  identityFiles: string[];
  /** -o CertificateFile=PATH, in order (repeatable, as in ssh_config). */
  certificateFiles: string[];
  options: Map<string, string>;
  verbose: number;
  noCommand: boolean;
  command: string[];
  /** How many times -t was given (2 forces a pty even when stdin is not a terminal). */
  tty: number;
  /** -T: never a pty. */
  noTty: boolean;
  /** -n: stdin from /dev/null. */
  stdinNull: boolean;
  /** -q: no warnings. */
  quiet: boolean;
  localForwards: ForwardSpec[];
  remoteForwards: ForwardSpec[];
  dynamicForwards: DynamicSpec[];
}

/** Flags that take a value, OpenSSH style (`-p 22` or `-p22`). */
const WITH_VALUE = new Set([
  'p',
  'i',
  'o',
  'c',
  'm',
  'l',
  'F',
  'E',
  'L',
  'R',
  'D',
  'J',
  'W',
  'b',
  'Q',
  'S',
  'w',
  'e',
]);

export function parseSshArgs(argv: string[], env: NodeJS.ProcessEnv): SshCliConfig {
  const options = new Map<string, string>();
  const identityFiles: string[] = [];
  const certificateFiles: string[] = [];
  let verbose = 0;
  let noCommand = false;
  let tty = 0;
  let noTty = false;
  let stdinNull = false;
  let quiet = false;
  const localForwards: ForwardSpec[] = [];
  const remoteForwards: ForwardSpec[] = [];
  const dynamicForwards: DynamicSpec[] = [];
  let port: number | undefined;
  let user: string | undefined;
  let destination: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-') || a === '-') {
      destination = a;
      i++;
      break;
    }
    for (let j = 1; j < a.length; j++) {
      const flag = a[j];
      if (WITH_VALUE.has(flag)) {
        const value = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (value === undefined) throw new CliError(`option requires an argument -- ${flag}`);
        switch (flag) {
          case 'p':
            port = parsePort(value);
            break;
          case 'i':
            identityFiles.push(value);
            break;
          case 'l':
            user = value;
            break;
          case 'c':
            options.set('ciphers', value);
            break;
          case 'm':
            options.set('macs', value);
            break;
          case 'L':
          case 'R':
            (flag === 'L' ? localForwards : remoteForwards).push(parseForwardSpec(value, flag));
            break;
          case 'D':
            dynamicForwards.push(parseDynamicSpec(value));
            break;
          case 'o': {
            const m = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*)$/.exec(value);
            if (!m) throw new CliError(`bad option: ${value}`);
            const key = m[1].toLowerCase();
            if (key === 'identityfile') identityFiles.push(m[2]);
            else if (key === 'certificatefile') certificateFiles.push(m[2]);
            else if (!options.has(key)) options.set(key, m[2]); // first value wins, as in ssh_config
            break;
          }
          default:
            throw new CliError(`option -${flag} is not supported by this example yet`);
        }
        break;
      }
      switch (flag) {
        case 'v':
          verbose++;
          break;
        case 'N':
          noCommand = true;
          break;
        case 't':
          tty++;
          break;
        case 'T':
          noTty = true;
          break;
        case 'n':
          stdinNull = true;
          break;
        case 'q':
          quiet = true;
          break;
        case 'A':
          // As in ssh(1), the flag beats -o ForwardAgent=no, but keeps a socket path given with -o.
          if (!options.has('forwardagent') || /^(no|false)$/i.test(options.get('forwardagent')!))
            options.set('forwardagent', 'yes');
          break;
        case 'a':
          options.set('forwardagent', 'no');
          break;
        case 'X':
        case 'Y':
          // -Y is -X with ForwardX11Trusted (ssh(1)); -x turns X11 forwarding off.
          options.set('forwardx11', 'yes');
          if (flag === 'Y') options.set('forwardx11trusted', 'yes');
          break;
        case 'x':
          options.set('forwardx11', 'no');
          break;
        case '4':
        case '6':
        case 'C':
          if (flag === 'C') options.set('compression', 'yes');
          break;
        default:
          throw new CliError(`unknown option -- ${flag}`);
      }
    }
  }
  if (!destination)
    throw new CliError(
      'usage: ssh [-AaCNnqTtvXxY] [-p port] [-i identity_file] [-o option] [-c ciphers] [-m macs] [-L [bind:]port:host:hostport] [-R [bind:]port:host:hostport] [-D [bind:]port] [user@]host [command ...]',
    );
  let host = destination;
  const at = destination.lastIndexOf('@');
  if (at >= 0) {
    user ??= destination.slice(0, at);
    host = destination.slice(at + 1);
  }
  user ??= options.get('user') ?? env.USER ?? env.LOGNAME ?? 'root';
  port ??= options.has('port') ? parsePort(options.get('port')!) : 22;
  return {
    host,
    user,
    port,
    identityFiles,
    certificateFiles,
    options,
    verbose,
    noCommand,
    command: argv.slice(i),
    tty,
    noTty,
    stdinNull,
    quiet,
    localForwards,
    remoteForwards,
    dynamicForwards,
  };
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new CliError(`Bad port '${v}'`);
  return n;
}

/** `RekeyLimit` syntax: a byte count with an optional K/M/G suffix, then an optional time (s/m/h). */
export function parseRekeyLimit(v: string): { bytes?: number; seconds?: number } {
  const [amount, time] = v.trim().split(/\s+/);
  const out: { bytes?: number; seconds?: number } = {};
  if (amount && amount !== 'default' && amount !== 'none') out.bytes = parseSize(amount);
  if (time && time !== 'none') out.seconds = parseTime(time);
  return out;
}

function parseSize(v: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(v);
  if (!m) throw new CliError(`Bad RekeyLimit '${v}'`);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * unit;
}

export function parseTime(v: string): number {
  const m = /^(\d+)([smhdw]?)$/i.exec(v);
  if (!m) throw new CliError(`Bad time '${v}'`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2].toLowerCase() as 's'];
  return Number(m[1]) * unit;
}

export function yesNo(v: string | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  return /^(yes|true)$/i.test(v);
}
