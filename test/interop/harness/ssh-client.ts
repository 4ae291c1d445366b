/**
 * Runs the real OpenSSH client (`/usr/bin/ssh`) against a server on 127.0.0.1, with no user or system
 * config, a known_hosts file of our choosing and strict host key checking, and returns its exit and output.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSH_PATH } from './environment.js';
import { LOOPBACK } from './net.js';
import { type ProcessResult, runProcess } from './process.js';
import type { AlgorithmList } from './sshd-config.js';

export interface RunSshOptions {
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  user: string;
  /** Either a known_hosts file (e.g. `SshdInstance.knownHostsPath`) or its lines; one is required. */
  knownHostsPath?: string;
  knownHostsLines?: readonly string[];
  /** Private key files for `-i`. With none, no key files are offered at all. */
  identities?: readonly string[];
  /** Answered through SSH_ASKPASS (for password and keyboard-interactive prompts); turns BatchMode off. */
  password?: string;
  /** `PreferredAuthentications`, e.g. `['password']`. */
  preferredAuthentications?: readonly string[];
  kexAlgorithms?: AlgorithmList;
  ciphers?: AlgorithmList;
  macs?: AlgorithmList;
  hostKeyAlgorithms?: AlgorithmList;
  pubkeyAcceptedAlgorithms?: AlgorithmList;
  /** `-v` repeated this many times. Default 1, which the parsers in ssh-log.ts need. */
  verbosity?: 0 | 1 | 2 | 3;
  /** Remote command. Without it (and without `noCommand`) ssh asks for a shell. */
  command?: string;
  /** `-N`: no command; ssh then runs until `timeoutMs` unless something ends the connection. */
  noCommand?: boolean;
  /** Sent as the session's stdin, then EOF. Default: immediate EOF. */
  stdin?: string | Uint8Array;
  /** Further `-o Key=Value` options; they come first, so they win (ssh keeps the first value). */
  options?: Readonly<Record<string, string>>;
  /** Raw arguments placed before the destination. */
  extraArgs?: readonly string[];
  /** Kill ssh (its PID only) after this long. Default 30 s. */
  timeoutMs?: number;
}

export interface SshResult extends ProcessResult {
  /** The argument vector used, for failure messages. */
  args: readonly string[];
}

const joinList = (list: AlgorithmList) => (typeof list === 'string' ? list : list.join(','));

/** Builds the `ssh` argument vector (exported so tests can show exactly what ran). */
export function buildSshArgs(opts: RunSshOptions, knownHostsPath: string, askpass: boolean): string[] {
  const args: string[] = ['-F', '/dev/null'];
  const o = (key: string, value: string) => args.push('-o', `${key}=${value}`);
  for (const [key, value] of Object.entries(opts.options ?? {})) o(key, value);
  o('BatchMode', askpass ? 'no' : 'yes');
  o('UserKnownHostsFile', knownHostsPath);
  o('GlobalKnownHostsFile', '/dev/null');
  o('StrictHostKeyChecking', 'yes');
  o('UpdateHostKeys', 'no');
  o('CheckHostIP', 'no');
  // Only the keys we name: no agent, no ~/.ssh/id_* defaults.
  o('IdentitiesOnly', 'yes');
  o('IdentityAgent', 'none');
  if (!opts.identities?.length) o('PubkeyAuthentication', 'no');
  o('NumberOfPasswordPrompts', '1');
  o('ConnectTimeout', '10');
  o('ControlMaster', 'no');
  o('ControlPath', 'none');
  if (opts.preferredAuthentications) o('PreferredAuthentications', opts.preferredAuthentications.join(','));
  const lists: [string, AlgorithmList | undefined][] = [
    ['KexAlgorithms', opts.kexAlgorithms],
    ['Ciphers', opts.ciphers],
    ['MACs', opts.macs],
    ['HostKeyAlgorithms', opts.hostKeyAlgorithms],
    ['PubkeyAcceptedAlgorithms', opts.pubkeyAcceptedAlgorithms],
  ];
  for (const [key, list] of lists) if (list !== undefined) o(key, joinList(list));
  for (const identity of opts.identities ?? []) args.push('-i', identity);
  const verbosity = opts.verbosity ?? 1;
  if (verbosity > 0) args.push(`-${'v'.repeat(verbosity)}`);
  if (opts.noCommand) args.push('-N');
  args.push(...(opts.extraArgs ?? []));
  args.push('-p', String(opts.port), '-l', opts.user, opts.host ?? LOOPBACK);
  if (opts.command !== undefined && !opts.noCommand) args.push('--', opts.command);
  return args;
}

/** Runs `ssh` once and resolves when it exits (or is killed at the timeout). Never rejects on a non-zero exit. */
export async function runSsh(opts: RunSshOptions): Promise<SshResult> {
  if (!opts.knownHostsPath && !opts.knownHostsLines) {
    throw new Error('runSsh needs knownHostsPath or knownHostsLines: host keys are always checked');
  }
  const scratch = await mkdtemp(join(tmpdir(), 'rxssh-ssh-'));
  try {
    let knownHostsPath = opts.knownHostsPath;
    if (!knownHostsPath) {
      knownHostsPath = join(scratch, 'known_hosts');
      await writeFile(knownHostsPath, (opts.knownHostsLines ?? []).map((l) => `${l}\n`).join(''));
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.SSH_AUTH_SOCK;
    delete env.DISPLAY;
    const askpass = opts.password !== undefined;
    if (askpass) {
      // The script prints a file instead of embedding the password, so no shell quoting is involved.
      const passwordFile = join(scratch, 'password');
      await writeFile(passwordFile, `${opts.password}\n`, { mode: 0o600 });
      const script = join(scratch, 'askpass');
      await writeFile(script, `#!/bin/sh\nexec cat '${passwordFile}'\n`, { mode: 0o700 });
      await chmod(script, 0o700);
      env.SSH_ASKPASS = script;
      env.SSH_ASKPASS_REQUIRE = 'force';
    }
    const args = buildSshArgs(opts, knownHostsPath, askpass);
    const result = await runProcess(SSH_PATH, {
      args,
      env,
      stdin: opts.stdin,
      timeoutMs: opts.timeoutMs ?? 30_000,
    });
    return { ...result, args };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** What `ssh -Q` can list; see ssh(1). */
export type SshQueryKind =
  | 'kex'
  | 'cipher'
  | 'cipher-auth'
  | 'mac'
  | 'key'
  | 'key-plain'
  | 'key-sig'
  | 'sig'
  | 'HostKeyAlgorithms'
  | 'PubkeyAcceptedAlgorithms';

/** The algorithm names this OpenSSH build supports for `kind` (`ssh -Q kind`), for building test matrices. */
export async function sshQueryAlgorithms(kind: SshQueryKind): Promise<string[]> {
  const result = await runProcess(SSH_PATH, { args: ['-Q', kind], timeoutMs: 10_000 });
  if (result.code !== 0) throw new Error(`ssh -Q ${kind} failed (${result.code}): ${result.stderr}`);
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
