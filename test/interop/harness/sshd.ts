/**
 * Starts a real OpenSSH server on a free loopback port, in a temporary folder of its own, for one test file.
 * It must run as root (PAM, switching to the logged-in user); see `interopSkipReason()`.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SSHD_PATH } from './environment.js';
import { type GeneratedKey, generateKey, type KeyKind } from './keys.js';
import { LOOPBACK, pickFreePort, sleep, waitForTcp } from './net.js';
import { BoundedText, killQuietly } from './process.js';
import { buildSshdConfig, type SshdConfigOptions } from './sshd-config.js';

export interface SshdOptions extends SshdConfigOptions {
  /** Host key kinds to generate with ssh-keygen. Default `['ed25519']`. Ignored when `hostKeys` is given. */
  hostKeyKinds?: readonly KeyKind[];
  /** Ready-made host keys (private files must be mode 0600). */
  hostKeys?: readonly GeneratedKey[];
  /** Public key lines accepted for each user name, written to `authorized_keys_<user>`. */
  authorizedKeys?: Readonly<Record<string, readonly string[]>>;
  /** How long to wait for "Server listening" and a TCP accept. Default 10 s. */
  startTimeoutMs?: number;
  /** Characters of stderr kept (the most recent). Default 1 MiB. */
  logLimit?: number;
}

export interface SshdInstance {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** The temporary folder holding config, host keys, authorized keys and known_hosts. */
  readonly dir: string;
  readonly configPath: string;
  readonly configText: string;
  readonly hostKeys: readonly GeneratedKey[];
  /** Public host key blobs (RFC 4253 §6.6), in HostKey order. */
  readonly hostKeyBlobs: readonly Uint8Array[];
  /** `[127.0.0.1]:PORT type base64` lines for a known_hosts file. */
  readonly knownHostsLines: readonly string[];
  /** A known_hosts file with {@link knownHostsLines}, ready for `ssh -o UserKnownHostsFile=`. */
  readonly knownHostsPath: string;
  /** Appends a public key line to the user's authorized keys file (read by sshd at each login). */
  authorizeKey(user: string, publicLine: string): Promise<void>;
  /** sshd's stderr so far (LogLevel decides how much). */
  logs(): string;
  /** Resolves with the first match of `pattern` in the logs; rejects after `timeoutMs` or if sshd exits. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Stops this sshd (by its PID only) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

type SshdChild = ChildProcessByStdio<null, Readable, Readable>;

/** PIDs still running, killed if the test process exits without calling stop(). */
const running = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  running.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of running) killQuietly(p, 'SIGKILL');
    });
  }
}

const BIND_FAILED = /Address already in use|Cannot bind any address/;
const MAX_START_ATTEMPTS = 5;

export async function startSshd(options: SshdOptions = {}): Promise<SshdInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'rxssh-sshd-'));
  try {
    // sshd reads authorized keys with the logged-in user's uid, so the folder must be traversable by them.
    await chmod(dir, 0o755);
    const hostKeys = options.hostKeys ?? (await makeHostKeys(dir, options.hostKeyKinds ?? ['ed25519']));
    const authorizedKeysPath = (user: string) => join(dir, `authorized_keys_${user}`);
    for (const [user, keyLines] of Object.entries(options.authorizedKeys ?? {})) {
      await writeFile(authorizedKeysPath(user), keyLines.map((l) => `${l}\n`).join(''), { mode: 0o644 });
    }
    for (let attempt = 1; ; attempt++) {
      const port = await pickFreePort();
      const configText = buildSshdConfig(
        {
          port,
          listenAddress: LOOPBACK,
          hostKeyPaths: hostKeys.map((k) => k.privatePath),
          pidFile: join(dir, 'sshd.pid'),
          authorizedKeysPattern: join(dir, 'authorized_keys_%u'),
        },
        options,
      );
      const configPath = join(dir, 'sshd_config');
      await writeFile(configPath, configText, { mode: 0o644 });
      const started = await launch(configPath, port, options);
      if (started.kind === 'bind-failed' && attempt < MAX_START_ATTEMPTS) continue;
      if (started.kind !== 'ready') throw new Error(`sshd did not start (${started.kind}):\n${started.log}`);
      return await describe(dir, configPath, configText, port, hostKeys, started, authorizedKeysPath);
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function makeHostKeys(dir: string, kinds: readonly KeyKind[]): Promise<GeneratedKey[]> {
  const keys: GeneratedKey[] = [];
  for (const kind of kinds) keys.push(await generateKey(dir, `ssh_host_${kind}_key`, kind));
  return keys;
}

type LaunchResult =
  | { kind: 'ready'; child: SshdChild; log: BoundedText; exited: () => boolean }
  | { kind: 'bind-failed' | 'exited' | 'timeout'; log: string };

async function launch(configPath: string, port: number, options: SshdOptions): Promise<LaunchResult> {
  // -D: stay in the foreground so the PID is ours; -e: log to stderr so tests can read it.
  const child: SshdChild = spawn(SSHD_PATH, ['-D', '-e', '-f', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = new BoundedText(options.logLimit);
  let exited = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => log.append(d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => log.append(d));
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      if (child.pid !== undefined) running.delete(child.pid);
      resolve();
    });
    child.once('error', (err) => {
      exited = true;
      log.append(`spawn error: ${err.message}\n`);
      resolve();
    });
  });
  if (child.pid !== undefined) track(child.pid);
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const listening = new RegExp(`Server listening on ${LOOPBACK.replaceAll('.', '\\.')} port ${port}\\b`);
  while (!exited && !listening.test(log.toString()) && Date.now() < deadline) await sleep(50);
  const accepting =
    !exited && listening.test(log.toString())
      ? await waitForTcp(port, Math.max(deadline - Date.now(), 50), 50, () => exited)
      : false;
  if (accepting) return { kind: 'ready', child, log, exited: () => exited };
  if (!exited && child.pid !== undefined) {
    killQuietly(child.pid, 'SIGKILL');
  }
  await exitPromise;
  const text = log.toString();
  return { kind: BIND_FAILED.test(text) ? 'bind-failed' : exited ? 'exited' : 'timeout', log: text };
}

async function describe(
  dir: string,
  configPath: string,
  configText: string,
  port: number,
  hostKeys: readonly GeneratedKey[],
  started: Extract<LaunchResult, { kind: 'ready' }>,
  authorizedKeysPath: (user: string) => string,
): Promise<SshdInstance> {
  const { child, log, exited } = started;
  const pid = child.pid!;
  const knownHostsLines = hostKeys.map(
    (k) => `[${LOOPBACK}]:${port} ${k.keyType} ${Buffer.from(k.blob).toString('base64')}`,
  );
  const knownHostsPath = join(dir, 'known_hosts');
  await writeFile(knownHostsPath, knownHostsLines.map((l) => `${l}\n`).join(''), { mode: 0o644 });
  let stopped: Promise<void> | undefined;
  return {
    host: LOOPBACK,
    port,
    pid,
    dir,
    configPath,
    configText,
    hostKeys,
    hostKeyBlobs: hostKeys.map((k) => k.blob),
    knownHostsLines,
    knownHostsPath,
    authorizeKey: (user, publicLine) =>
      writeFile(authorizedKeysPath(user), `${publicLine.trim()}\n`, { flag: 'a', mode: 0o644 }),
    logs: () => log.toString(),
    async waitForLog(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = log.toString().match(pattern);
        if (match) return match;
        if (exited()) throw new Error(`sshd exited before logging ${pattern}:\n${log}`);
        if (Date.now() >= deadline) throw new Error(`sshd did not log ${pattern} within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    stop() {
      stopped ??= (async () => {
        // Per-connection children call setsid() and leave with their clients; we signal only our own PID.
        if (!exited()) {
          const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          killQuietly(pid, 'SIGTERM');
          const timer = setTimeout(() => killQuietly(pid, 'SIGKILL'), 5_000);
          await gone;
          clearTimeout(timer);
        }
        running.delete(pid);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
