/**
 * Child processes of the bench: servers that print `LISTENING <port>`, and workers that print one JSON line.
 * Every PID we start is remembered and killed (by that PID only) when the bench exits.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Opt-in diagnostics, off unless set: BENCH_NODE_ARGS adds node flags to every child (e.g. `--trace-gc`), and
 * BENCH_TRACE_DIR keeps a copy of each child's stdout (where V8 traces go) as `<dir>/<file>-<pid>.log`.
 */
const diagArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const diagDir = process.env.BENCH_TRACE_DIR;
function keepStdout(child: ChildProcess, name: string): void {
  if (!diagDir || !child.stdout) return;
  const out = createWriteStream(`${diagDir}/${name.replace(/\W/g, '_')}-${child.pid}.log`);
  child.stdout.on('data', (d) => out.write(d));
}

const started = new Set<number>();
let hooked = false;

export function track(child: ChildProcess): void {
  if (child.pid === undefined) return;
  const pid = child.pid;
  started.add(pid);
  child.once('exit', () => started.delete(pid));
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const p of started) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
    });
  }
}

const benchDir = fileURLToPath(new URL('..', import.meta.url));
export const benchFile = (name: string) => `${benchDir}${name}`;

export interface ServerProcess {
  port: number;
  pid: number;
  /** Lines the server printed before LISTENING (e.g. `ADDON yes`). */
  banner: Map<string, string>;
  /** Sends an IPC message and resolves with the next reply (servers started with `ipc`). */
  ask<T>(message: unknown, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/** Starts a bench server (a .ts file in bench/) under node with tsx, waiting up to 20 s for it to listen. */
export function startServer(
  file: string,
  args: string[],
  opts: { ipc?: boolean; nodeArgs?: string[] } = {},
): Promise<ServerProcess> {
  const nodeArgs = ['--import', 'tsx', ...diagArgs, ...(opts.nodeArgs ?? [])];
  const child = opts.ipc
    ? fork(benchFile(file), args, { execArgv: nodeArgs, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
    : spawn(process.execPath, [...nodeArgs, benchFile(file), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  keepStdout(child, file);
  return new Promise((resolve, reject) => {
    const banner = new Map<string, string>();
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`${file} did not start in 20 s:\n${out}${err}`)), 20_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(e);
    };
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < 64 * 1024) err += d;
    });
    child.once('exit', (code) => fail(new Error(`${file} exited (${code}):\n${out}${err}`)));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (const line of out.split('\n')) {
        const [k, v] = line.split(' ');
        if (k && v) banner.set(k, v);
      }
      const port = banner.get('LISTENING');
      if (!port) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        port: Number(port),
        pid: child.pid!,
        banner,
        ask: <T>(message: unknown, timeoutMs = 30_000) =>
          new Promise<T>((res, rej) => {
            const t = setTimeout(() => rej(new Error(`${file}: no IPC reply in ${timeoutMs} ms`)), timeoutMs);
            child.once('message', (m) => {
              clearTimeout(t);
              res(m as T);
            });
            child.send(message as object);
          }),
        stop: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null || child.signalCode !== null) return res();
            const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(t);
              res();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

export interface WorkerOptions {
  timeoutMs?: number;
  nodeArgs?: string[];
  /** Called with each stdout line before the last (e.g. `READY`), with a way to write to the worker's stdin. */
  onLine?: (line: string, write: (text: string) => void) => void;
}

/** Runs a bench worker to completion and parses its last stdout line as JSON; kills it at the timeout. */
export function runWorker<T>(file: string, args: string[], opts: WorkerOptions = {}): Promise<T> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...diagArgs, ...(opts.nodeArgs ?? []), benchFile(file), ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  track(child);
  keepStdout(child, file);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let seen = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdin!.on('error', () => {});
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < 64 * 1024) err += d;
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const lines = out.split('\n');
      for (; seen < lines.length - 1; seen++) {
        if (!lines[seen].startsWith('{')) opts.onLine?.(lines[seen], (t) => child.stdin!.write(t));
      }
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) return resolve(JSON.parse(last) as T);
      reject(new Error(`${file} ${args.join(' ')} failed (${code ?? signal}):\n${err.slice(-2000)}`));
    });
  });
}
