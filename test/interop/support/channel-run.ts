/**
 * Runs commands on session channels for the channel interop tests, streaming both ways: stdout is hashed as it
 * arrives (so 64 MiB stays out of memory), stdin is written with backpressure (once the channel's outgoing queue
 * passes a high-water mark the next chunk waits for its `writable` message), and the exit status or signal is
 * kept. Every wait has a deadline, so a stuck transfer fails the test with a message instead of hanging it.
 */
import { createHash } from 'node:crypto';
import type { Observable, Subscription } from 'rxjs';
import type { Channel, ChannelOptions, Connection } from '../../../src/index.js';
import { execRequest } from '../../../src/index.js';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** Rejects with `what` in the message when `promise` takes longer than `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Subscribes to `source` and resolves with its first value and a `stop` that unsubscribes: operators such as
 * shell() or forwardLocal() keep their channel or listener only while subscribed.
 */
export function firstKept<T>(
  source: Observable<T>,
  what: string,
  ms = 15_000,
): Promise<{ value: T; stop(): void }> {
  let sub: Subscription | undefined;
  const first = new Promise<{ value: T; stop(): void }>((resolve, reject) => {
    sub = source.subscribe({
      next: (value) => resolve({ value, stop: () => sub?.unsubscribe() }),
      error: reject,
      complete: () => reject(new Error(`${what} completed without a value`)),
    });
  });
  return withDeadline(first, ms, what).catch((e) => {
    sub?.unsubscribe();
    throw e;
  });
}

export interface OpenedSession {
  channel: Channel;
  /** Unsubscribes from the open, which closes the channel if it is still open. */
  release(): void;
}

/**
 * Opens a session channel and keeps the open subscribed (firstValueFrom would unsubscribe, and that closes
 * the channel).
 */
export async function openSession(
  conn: Connection,
  opts?: ChannelOptions,
  ms = 10_000,
): Promise<OpenedSession> {
  const { value, stop } = await firstKept(conn.session(opts), 'opening a session channel', ms);
  return { channel: value, release: stop };
}

export interface CommandOutcome {
  stdoutBytes: number;
  stdoutSha256: string;
  /** stdout as text, up to the `keep` limit of the run. */
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal?: string;
  coreDumped?: boolean;
  /** Whether the peer sent EOF before its CLOSE (RFC 4254 §5.3). */
  eof: boolean;
}

export interface WatchOptions {
  /** Bytes of stdout kept as text (default 64 KiB); the rest is only hashed and counted. */
  keep?: number;
  /** Sees every stdout chunk (a view into a packet buffer: copy it to keep it). */
  onStdout?: (chunk: Uint8Array) => void;
}

/** Watches one channel until it closes; `write` feeds it stdin with backpressure. */
export class ChannelRun {
  readonly done: Promise<CommandOutcome>;
  private readonly hash = createHash('sha256');
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private readonly stderr: Buffer[] = [];
  private readonly outcome: Omit<CommandOutcome, 'stdoutSha256' | 'stdout' | 'stderr'> = {
    stdoutBytes: 0,
    exitCode: null,
    eof: false,
  };
  private writable: (() => void)[] = [];
  private textWaiters: (() => void)[] = [];
  private ended = false;

  constructor(
    readonly channel: Channel,
    private readonly opts: WatchOptions = {},
  ) {
    this.done = new Promise((resolve, reject) => {
      channel.subscribe({
        next: (msg) => {
          switch (msg.type) {
            case 'data':
              return this.stdout(msg.data);
            case 'extended-data':
              if (msg.dataType === 1) this.stderr.push(Buffer.from(msg.data));
              return;
            case 'exit-status':
              this.outcome.exitCode = msg.code;
              return;
            case 'exit-signal':
              this.outcome.signal = msg.signal;
              this.outcome.coreDumped = msg.coreDumped;
              return;
            case 'eof':
              this.outcome.eof = true;
              return;
            case 'writable':
              for (const w of this.writable.splice(0)) w();
              return;
            case 'close':
              // The connection ended before the channel closed: report it as the failure it is.
              if (msg.error) {
                this.finish();
                reject(msg.error);
              }
              return;
          }
        },
        error: (e) => {
          this.finish();
          reject(e);
        },
        complete: () => {
          this.finish();
          resolve({
            ...this.outcome,
            stdoutSha256: this.hash.digest('hex'),
            stdout: this.text(),
            stderr: Buffer.concat(this.stderr).toString('utf8'),
          });
        },
      });
    });
  }

  /** stdout kept so far, as text. */
  text(): string {
    return Buffer.concat(this.kept).toString('utf8');
  }

  /** Resolves once the kept stdout matches `pattern` (searching from `from`). */
  async waitForText(pattern: RegExp, ms = 10_000, from = 0): Promise<RegExpMatchArray> {
    const found = async () => {
      for (;;) {
        const m = this.text().slice(from).match(pattern);
        if (m) return m;
        if (this.ended)
          throw new Error(`channel closed before ${pattern}; stdout: ${JSON.stringify(this.text())}`);
        await new Promise<void>((resolve) => this.textWaiters.push(resolve));
      }
    };
    return withDeadline(found(), ms, `waiting for ${pattern}`).catch((e: Error) => {
      throw new Error(`${e.message}; stdout so far: ${JSON.stringify(this.text())}`);
    });
  }

  /**
   * Sends `chunks` as stdin, waiting for `writable` whenever more than `highWater` bytes are queued, then EOF
   * unless `eof` is false. Resolves with the number of bytes written (fewer if the channel closed first).
   */
  async write(
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    { highWater = MiB, eof = true }: { highWater?: number; eof?: boolean } = {},
  ): Promise<number> {
    let written = 0;
    for await (const chunk of chunks) {
      if (this.ended) return written;
      this.channel.next(chunk);
      written += chunk.length;
      if (this.channel.bufferedAmount > highWater) {
        await new Promise<void>((resolve) => this.writable.push(resolve));
      }
    }
    if (eof && !this.ended) this.channel.complete();
    return written;
  }

  private stdout(data: Uint8Array): void {
    this.outcome.stdoutBytes += data.length;
    this.hash.update(data);
    this.opts.onStdout?.(data);
    const keep = (this.opts.keep ?? 64 * KiB) - this.keptBytes;
    if (keep > 0) {
      const part = Buffer.from(data.subarray(0, keep));
      this.kept.push(part);
      this.keptBytes += part.length;
      for (const w of this.textWaiters.splice(0)) w();
    }
  }

  private finish(): void {
    this.ended = true;
    for (const w of [...this.writable.splice(0), ...this.textWaiters.splice(0)]) w();
  }
}

export interface ExecOnOptions extends WatchOptions {
  stdin?: Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  channel?: ChannelOptions;
  /** Deadline for the whole command, from open to close (default 60 s). */
  ms?: number;
}

/** Opens a session, runs `command` with `exec` (RFC 4254 §6.5), feeds stdin (or EOF at once), awaits the close. */
export async function execOn(
  conn: Connection,
  command: string,
  opts: ExecOnOptions = {},
): Promise<CommandOutcome> {
  const { channel, release } = await openSession(conn, opts.channel);
  try {
    const run = new ChannelRun(channel, opts);
    const accepted = await withDeadline(
      requestOnce(channel, execRequest(command)),
      10_000,
      `exec ${command}`,
    );
    if (!accepted) throw new Error(`the server refused exec ${JSON.stringify(command)}`);
    const writing = run.write(opts.stdin ?? []);
    const [outcome] = await withDeadline(
      Promise.all([run.done, writing]),
      opts.ms ?? 60_000,
      `exec ${command}`,
    );
    return outcome;
  } finally {
    release();
  }
}

/** Sends one channel request and resolves with the peer's answer (true without want_reply). */
export function requestOnce(channel: Channel, req: Parameters<Channel['request']>[0], wantReply = true) {
  return new Promise<boolean>((resolve, reject) => {
    channel.request(req, wantReply).subscribe({ next: resolve, error: reject });
  });
}

/** `total` bytes of `data` (repeated as needed) in chunks of `chunk` bytes, as views (never copied). */
export function* chunksOf(data: Uint8Array, chunk = 256 * KiB): Generator<Uint8Array> {
  for (let off = 0; off < data.length; off += chunk)
    yield data.subarray(off, Math.min(off + chunk, data.length));
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `sha256sum` output: the digest, two spaces, the name. */
export function parseSha256sum(text: string): string {
  const m = /^([0-9a-f]{64})\b/m.exec(text);
  if (!m) throw new Error(`no sha256sum digest in ${JSON.stringify(text)}`);
  return m[1];
}
