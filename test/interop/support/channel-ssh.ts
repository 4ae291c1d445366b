/**
 * The real OpenSSH client for the channel interop tests, with binary streams: `runSshStreaming` feeds stdin
 * from bytes (with the pipe's backpressure) and hashes stdout as it arrives, so 64 MiB go through without a
 * text buffer; `startSshBackground` keeps `ssh -N -L/-R` running for forwarding tests and reads its log.
 * Argument vectors come from the harness (`buildSshArgs`): no user config, strict host key checking.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BoundedText,
  buildSshArgs,
  killQuietly,
  type RunSshOptions,
  SSH_PATH,
  sleep,
} from '../harness/index.js';
import { chunksOf, KiB } from './channel-run.js';

export interface SshStreamResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdoutBytes: number;
  stdoutSha256: string;
  /** The first 64 KiB of stdout as text. */
  stdout: string;
  /** ssh's stderr: the remote command's stderr and ssh's own `-v` log (the last 1 MiB). */
  stderr: string;
  timedOut: boolean;
  args: readonly string[];
}

type SshOptions = Omit<RunSshOptions, 'stdin' | 'password' | 'knownHostsPath'> & {
  knownHostsLines: readonly string[];
  /** Piped to ssh's stdin, then EOF. Default: EOF at once. */
  stdinData?: Uint8Array;
  /**
   * Runs ssh on a terminal of its own, under util-linux `script`, after these shell commands (run on that
   * terminal, e.g. `stty cols 100 rows 40;`): ssh then sends a real size in pty-req and window-change on SIGWINCH.
   */
  onTerminal?: string;
};

/** Quotes one word for /bin/sh. */
const shellWord = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;

/** A scratch folder with the known_hosts file; removed by `cleanup`. */
async function prepare(opts: SshOptions) {
  const scratch = await mkdtemp(join(tmpdir(), 'rxssh-chssh-'));
  const knownHostsPath = join(scratch, 'known_hosts');
  await writeFile(knownHostsPath, opts.knownHostsLines.map((l) => `${l}\n`).join(''));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.SSH_AUTH_SOCK;
  delete env.DISPLAY;
  return {
    args: buildSshArgs(opts, knownHostsPath, false),
    env,
    cleanup: () => rm(scratch, { recursive: true, force: true }),
  };
}

/** Runs ssh to completion (killing it, by its PID, after `timeoutMs`); never rejects on a non-zero exit. */
export async function runSshStreaming(opts: SshOptions): Promise<SshStreamResult> {
  const { args, env, cleanup } = await prepare(opts);
  try {
    return await new Promise<SshStreamResult>((resolve, reject) => {
      const [file, argv] =
        opts.onTerminal === undefined
          ? [SSH_PATH, args]
          : [
              'script',
              [
                '-qec',
                `${opts.onTerminal} exec ${[SSH_PATH, ...args].map(shellWord).join(' ')}`,
                '/dev/null',
              ],
            ];
      const child = spawn(file, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      const hash = createHash('sha256');
      const kept: Buffer[] = [];
      let keptBytes = 0;
      let stdoutBytes = 0;
      const stderr = new BoundedText(1024 * 1024);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) killQuietly(child.pid, 'SIGKILL');
      }, opts.timeoutMs ?? 60_000);
      child.stdout.on('data', (d: Buffer) => {
        stdoutBytes += d.length;
        hash.update(d);
        if (keptBytes < 64 * KiB) {
          kept.push(d);
          keptBytes += d.length;
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => stderr.append(d));
      child.stdin.on('error', () => {}); // ssh may exit before reading all of it; the result says so
      (async () => {
        for (const chunk of chunksOf(opts.stdinData ?? new Uint8Array(0), 256 * KiB)) {
          if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
          if (child.stdin.destroyed) return;
        }
        // On a terminal, script(1) would pass the end of its input on as the terminal's EOF character, typed
        // into the session; there the pipe stays open until ssh is done.
        if (opts.onTerminal === undefined) child.stdin.end();
      })();
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          code,
          signal,
          stdoutBytes,
          stdoutSha256: hash.digest('hex'),
          stdout: Buffer.concat(kept).toString('utf8'),
          stderr: stderr.toString(),
          timedOut,
          args,
        });
      });
    });
  } finally {
    await cleanup();
  }
}

export interface BackgroundSsh {
  /** ssh's stderr so far (its -v log). */
  output(): string;
  exited(): boolean;
  /** Resolves with the first match in ssh's stderr; rejects on timeout or if ssh exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM to this ssh's PID (SIGKILL after 3 s) and removes its scratch folder. */
  stop(): Promise<void>;
}

/** Starts ssh (typically `-N` with -L or -R) and leaves it running until `stop()`. */
export async function startSshBackground(opts: SshOptions): Promise<BackgroundSsh> {
  const { args, env, cleanup } = await prepare(opts);
  const child = spawn(SSH_PATH, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const log = new BoundedText(1024 * 1024);
  let done = false;
  child.stderr.setEncoding('utf8').on('data', (d: string) => log.append(d));
  const exit = new Promise<void>((resolve) => {
    child.once('close', () => {
      done = true;
      resolve();
    });
    child.once('error', (err) => {
      log.append(`spawn error: ${err.message}\n`);
      done = true;
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    output: () => log.toString(),
    exited: () => done,
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = log.toString().match(pattern);
        if (m) return m;
        if (done) throw new Error(`ssh exited before printing ${pattern}:\n${log}`);
        if (Date.now() >= deadline)
          throw new Error(`ssh did not print ${pattern} within ${timeoutMs} ms:\n${log}`);
        await sleep(25);
      }
    },
    stop() {
      stopping ??= (async () => {
        if (!done && child.pid !== undefined) {
          killQuietly(child.pid, 'SIGTERM');
          const timer = setTimeout(() => child.pid !== undefined && killQuietly(child.pid, 'SIGKILL'), 3_000);
          await exit;
          clearTimeout(timer);
        }
        await cleanup();
      })();
      return stopping;
    },
  };
}
