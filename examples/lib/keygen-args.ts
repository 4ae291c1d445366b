/**
 * Command-line parsing for examples/keygen.ts with ssh-keygen's getopt rules (ssh-keygen(1)): flags may be
 * clustered (`-lf key`), an option's value may be attached (`-b4096`) or the next word, `--` ends the
 * options, and operands may come anywhere (as glibc getopt permutes them).
 */
import { KeygenError } from './keygen-error.js';

/** Which operation the flags ask for, picked in ssh-keygen's order: -s, then -L, -l, -y, else generate. */
export type KeygenMode = 'sign' | 'show-cert' | 'fingerprint' | 'print-public' | 'generate';

export interface KeygenArgs {
  mode: KeygenMode;
  /** -t: key type to generate, or the CA signature algorithm with -s. */
  type?: string;
  /** -b */
  bits?: number;
  /** -f */
  file?: string;
  /** -N: passphrase for a new key ('' = unencrypted). */
  newPassphrase?: string;
  /** -P: passphrase of an existing key. */
  passphrase?: string;
  /** -C */
  comment?: string;
  /** -E: fingerprint hash. */
  hash: 'sha256' | 'md5';
  /** -q */
  quiet: boolean;
  /** -v count (with -l, -v prints the randomart). */
  verbose: number;
  /** -s: CA private key. */
  caKey?: string;
  /** -I */
  keyId?: string;
  /** -n: comma-separated principals. */
  principals?: string;
  /** -V */
  validity?: string;
  /** -h: host certificate. */
  host: boolean;
  /** -z */
  serial?: string;
  /** -O, in order. */
  certOptions: string[];
  /** Operands: the public keys to certify with -s. */
  operands: string[];
}

const FLAGS = new Set(['l', 'L', 'y', 'q', 'h', 'v']);
const WITH_VALUE = new Set(['t', 'b', 'f', 'N', 'P', 'C', 'E', 's', 'I', 'n', 'V', 'z', 'O']);

/** Splits argv into flags and operands. @throws KeygenError on an unknown flag or a missing value */
export function parseKeygenArgs(argv: readonly string[]): KeygenArgs {
  const values = new Map<string, string>();
  const flags = new Map<string, number>();
  const certOptions: string[] = [];
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      operands.push(arg);
      continue;
    }
    for (let j = 1; j < arg.length; j++) {
      const c = arg[j];
      if (FLAGS.has(c)) {
        flags.set(c, (flags.get(c) ?? 0) + 1);
        continue;
      }
      if (!WITH_VALUE.has(c)) throw new KeygenError(`keygen: unknown option -- ${c}`);
      let value = arg.slice(j + 1);
      if (value === '') {
        if (i + 1 >= argv.length) throw new KeygenError(`keygen: option requires an argument -- ${c}`);
        value = argv[++i];
      }
      if (c === 'O') certOptions.push(value);
      else values.set(c, value);
      break;
    }
  }
  return {
    mode: pickMode(values, flags),
    type: values.get('t'),
    bits: values.has('b') ? parseBits(values.get('b')!) : undefined,
    file: values.get('f'),
    newPassphrase: values.get('N'),
    passphrase: values.get('P'),
    comment: values.get('C'),
    hash: parseHash(values.get('E') ?? 'sha256'),
    quiet: flags.has('q'),
    verbose: flags.get('v') ?? 0,
    caKey: values.get('s'),
    keyId: values.get('I'),
    principals: values.get('n'),
    validity: values.get('V'),
    host: flags.has('h'),
    serial: values.get('z'),
    certOptions,
    operands,
  };
}

function pickMode(values: Map<string, string>, flags: Map<string, number>): KeygenMode {
  if (values.has('s')) return 'sign';
  if (flags.has('L')) return 'show-cert';
  if (flags.has('l')) return 'fingerprint';
  if (flags.has('y')) return 'print-public';
  return 'generate';
}

function parseBits(text: string): number {
  // ssh-keygen: strtonum(optarg, 1, UINT32_MAX)
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 0xffff_ffff)
    throw new KeygenError(`keygen: bits has bad value ${text}`);
  return Number(text);
}

function parseHash(text: string): 'sha256' | 'md5' {
  const lower = text.toLowerCase(); // ssh_digest_alg_by_name compares without case
  if (lower === 'sha256' || lower === 'md5') return lower;
  throw new KeygenError(`keygen: invalid hash algorithm "${text}" (sha256 or md5)`);
}
