/** Child-process helpers for the interop harness: bounded output capture and a run-with-timeout. */
import { spawn } from 'node:child_process';

/** Keeps only the last `limit` characters written to it, so a chatty peer cannot exhaust memory. */
export class BoundedText {
  private text = '';
  private dropped = 0;

  constructor(private readonly limit = 1024 * 1024) {}

  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limit) {
      const excess = this.text.length - this.limit;
      this.dropped += excess;
      this.text = this.text.slice(excess);
    }
  }

  /** Characters discarded from the front so far. */
  get droppedChars(): number {
    return this.dropped;
  }

  toString(): string {
    return this.text;
  }
}

export interface RunProcessOptions {
  args?: readonly string[];
  /** Written to the child's stdin, which is then closed. Default: empty. */
  stdin?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  /** SIGKILL the child (by its own PID) after this many ms. Default 30 s. */
  timeoutMs?: number;
  /** Per-stream capture limit in characters. Default 1 MiB. */
  outputLimit?: number;
}

export interface ProcessResult {
  /** Exit code, or null when the process died from a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `command` to completion without a shell or a TTY and collects its output. */
export function runProcess(command: string, options: RunProcessOptions = {}): Promise<ProcessResult> {
  const { args = [], stdin, env = process.env, timeoutMs = 30_000, outputLimit } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = new BoundedText(outputLimit);
    const stderr = new BoundedText(outputLimit);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killQuietly(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => stdout.append(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => stderr.append(d));
    // The peer may exit before reading its stdin; that is not our failure.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close' waits for the pipes to drain, so the captured output is complete.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.toString(), stderr: stderr.toString(), timedOut });
    });
  });
}

/** Signals one PID, ignoring "no such process" (it already exited). */
export function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
