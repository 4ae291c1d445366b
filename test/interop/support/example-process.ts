/**
 * Runs one of our examples (examples/*.ts) as a child process for interop tests. It is started as
 * `node --import tsx FILE` rather than `npx tsx FILE`: npx and the tsx CLI each add a parent process, and a
 * test must be able to stop exactly the process it started, by its PID.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { BoundedText, killQuietly, sleep } from '../harness/index.js';

/** The repository root, where `examples/` and `node_modules/tsx` live. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ExampleProcess {
  readonly pid: number;
  /** stdout and stderr interleaved as they arrived (the examples write their log to stderr). */
  output(): string;
  stdout(): string;
  exited(): boolean;
  /** Exit code once exited (null after a signal). */
  exitCode(): number | null;
  /** Resolves with the first match of `pattern` in the output; rejects on timeout or exit without it. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited (with SIGKILL after `timeoutMs`). */
  waitForExit(timeoutMs?: number): Promise<number | null>;
  /** SIGTERM, then SIGKILL after 3 s; only this PID. Safe to call twice. */
  stop(): Promise<void>;
}

type Child = ChildProcessByStdio<null, Readable, Readable>;

const running = new Set<number>();
let exitHookInstalled = false;
function track(pid: number): void {
  running.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of running) killQuietly(p, 'SIGKILL');
  });
}

export function startExample(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ExampleProcess {
  const child: Child = spawn(process.execPath, ['--import', 'tsx', join('examples', script), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const all = new BoundedText(4 * 1024 * 1024);
  const out = new BoundedText(1024 * 1024);
  let code: number | null = null;
  let done = false;
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    all.append(d);
    out.append(d);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => all.append(d));
  const exit = new Promise<void>((resolve) => {
    // 'close' waits for both pipes to drain, so output() is complete once exited() is true.
    child.once('close', (c) => {
      code = c;
      done = true;
      if (child.pid !== undefined) running.delete(child.pid);
      resolve();
    });
    child.once('error', (err) => {
      all.append(`spawn error: ${err.message}\n`);
      done = true;
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`could not start examples/${script}`);
  const pid = child.pid;
  track(pid);
  let stopping: Promise<void> | undefined;
  const waitForExit = async (timeoutMs = 10_000) => {
    const timer = setTimeout(() => killQuietly(pid, 'SIGKILL'), timeoutMs);
    await exit;
    clearTimeout(timer);
    return code;
  };
  return {
    pid,
    output: () => all.toString(),
    stdout: () => out.toString(),
    exited: () => done,
    exitCode: () => code,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = all.toString().match(pattern);
        if (match) return match;
        if (done) throw new Error(`examples/${script} exited (${code}) before printing ${pattern}:\n${all}`);
        if (Date.now() >= deadline)
          throw new Error(`examples/${script} did not print ${pattern} within ${timeoutMs} ms:\n${all}`);
        await sleep(25);
      }
    },
    waitForExit,
    stop() {
      stopping ??= (async () => {
        if (!done) {
          killQuietly(pid, 'SIGTERM');
          await waitForExit(3_000);
        }
      })();
      return stopping;
    },
  };
}

export interface RxsshdInstance extends ExampleProcess {
  readonly port: number;
}

/** Starts examples/sshd.ts on a kernel-chosen loopback port and waits for "Server listening". */
export async function startRxsshd(args: readonly string[]): Promise<RxsshdInstance> {
  const proc = startExample('sshd.ts', ['--listen', '127.0.0.1:0', ...args]);
  try {
    const m = await proc.waitFor(/^Server listening on 127\.0\.0\.1 port (\d+)\.$/m, 30_000);
    return Object.assign(proc, { port: Number(m[1]) });
  } catch (err) {
    await proc.stop();
    throw err;
  }
}
