/**
 * rxssh client helpers shared by the bench workers: connect with one cipher, and run the bench commands on a
 * session channel through the Channel API (what operators/exec builds on), timing from the exec request to
 * the channel's close.
 */
import { readFileSync } from 'node:fs';
import { firstValueFrom, type Subscription, switchMap } from 'rxjs';
import {
  acceptAnyHostKeyInsecure,
  type Channel,
  type Connection,
  type ConnectOptions,
  connect,
  connectTcp,
  DEFAULT_CIPHERS,
  DEFAULT_MACS,
  nobleCrypto,
  type PrivateKey,
  parsePrivateKeyFile,
} from '../../src/index.js';
import { CHUNK, CPU_COMMAND, SINK_COMMAND, sourceCommand } from './commands.js';

export const BENCH_USER_FALLBACK = 'bench';

export interface ClientSetup {
  port: number;
  user: string;
  key: PrivateKey;
  cipher?: string;
  mac?: string;
  /** Key exchange method; the library's default order otherwise. */
  kex?: string;
  crypto?: 'node' | 'noble';
  window?: number;
}

export function loadKey(path: string): PrivateKey {
  return parsePrivateKeyFile(readFileSync(path, 'utf8'));
}

export function connectOptions(s: ClientSetup): ConnectOptions {
  return {
    username: s.user,
    privateKeys: [s.key],
    verifyHostKey: acceptAnyHostKeyInsecure(),
    authMethods: ['publickey'],
    crypto: s.crypto === 'noble' ? nobleCrypto : undefined,
    algorithms: {
      cipher: s.cipher ? [s.cipher] : DEFAULT_CIPHERS,
      mac: s.mac ? [s.mac] : DEFAULT_MACS,
      ...(s.kex ? { kex: [s.kex] } : {}),
    },
    channels: s.window ? { window: s.window } : undefined,
  };
}

/**
 * Connects and authenticates; resolves with the live Connection. The subscription is kept (unsubscribing
 * from connect() disconnects), and `closeConnection` ends it.
 */
export function openConnection(s: ClientSetup): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const sub = connectTcp({ host: '127.0.0.1', port: s.port })
      .pipe(switchMap((io) => connect(io, connectOptions(s))))
      .subscribe({
        next: (conn) => {
          settled = true;
          held.set(conn, sub);
          resolve(conn);
        },
        error: (err) => {
          if (!settled) reject(err);
        },
      });
  });
}

const held = new WeakMap<Connection, Subscription>();

/** Closes a connection and resolves once it has ended. */
export function closeConnection(conn: Connection): Promise<void> {
  return new Promise((resolve) => {
    conn.disconnect$.subscribe({ complete: () => resolve() });
    conn.close();
    held.get(conn)?.unsubscribe();
  });
}

const zeros = new Uint8Array(CHUNK);
/** Upload writes stop while this much is queued in the channel; 'writable' resumes them. */
const UPLOAD_HIGH_WATER = 1 << 20;

export interface RunResult {
  ms: number;
  bytes: number;
  /** First output byte after the exec request (ms), for handshake-style measures. */
  firstOutputMs?: number;
  /** The output, for `cpu`. */
  text?: string;
}

/** CPU time (µs) of the server process (bench servers only) and of this one. */
export async function cpuNow(conn: Connection): Promise<{ server: number; client: number }> {
  const r = await runOnSession(conn, 'cpu', 0);
  const s = JSON.parse(r.text ?? '') as { user: number; system: number };
  const c = process.cpuUsage();
  return { server: s.user + s.system, client: c.user + c.system };
}

/**
 * Runs one bench command on a new session channel: `upload` streams `bytes` zeros into `cat >/dev/null`,
 * `download` reads `head -c bytes /dev/zero`, `echo` runs `echo ok`.
 */
export function runOnSession(
  conn: Connection,
  mode: 'upload' | 'download' | 'echo' | 'cpu',
  bytes: number,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let t0 = 0;
    let received = 0;
    let firstOutputMs: number | undefined;
    const output: Uint8Array[] = [];
    const sub = conn.session().subscribe({
      next: (ch) => {
        let left = mode === 'upload' ? bytes : 0;
        const pump = () => {
          for (let q = ch.bufferedAmount; left > 0 && q < UPLOAD_HIGH_WATER; q = ch.bufferedAmount) {
            const n = Math.min(left, CHUNK);
            ch.next(n === CHUNK ? zeros : zeros.subarray(0, n));
            left -= n;
          }
          if (left === 0) {
            left = -1;
            ch.complete();
          }
        };
        ch.subscribe({
          next: (msg) => {
            if (msg.type === 'data' || msg.type === 'extended-data') {
              firstOutputMs ??= performance.now() - t0;
              received += msg.data.length;
              if (mode === 'cpu') output.push(msg.data.slice());
            } else if (msg.type === 'writable' && left > 0) pump();
          },
          complete: () => {
            const ms = performance.now() - t0;
            sub.unsubscribe();
            if (mode === 'download' && received !== bytes) {
              reject(new Error(`download: got ${received} of ${bytes} bytes`));
            } else {
              const text = Buffer.concat(output).toString();
              resolve({ ms, bytes: mode === 'download' ? received : bytes, firstOutputMs, text });
            }
          },
          error: reject,
        });
        t0 = performance.now();
        const command = {
          upload: SINK_COMMAND,
          download: sourceCommand(bytes),
          cpu: CPU_COMMAND,
          echo: 'echo ok',
        }[mode];
        execOn(ch, command).then((ok) => {
          if (!ok) return reject(new Error(`server refused ${command}`));
          if (mode === 'upload') pump();
          else ch.complete();
        }, reject);
      },
      error: reject,
    });
  });
}

function execOn(ch: Channel, command: string): Promise<boolean> {
  return firstValueFrom(ch.request({ type: 'exec', command: new TextEncoder().encode(command) }));
}
