/**
 * Bulk throughput: one session channel, upload (`cat >/dev/null`) and download (`head -c N /dev/zero`), per
 * cipher, for every pair of peers. Node clients time from the exec request to the channel's close after a
 * warm-up transfer; the OpenSSH client is timed as bench/lib/openssh.ts says.
 */
import { TEST_USER } from '../../test/interop/harness/index.js';
import type { BenchContext, BulkCell, CipherCase, Pair } from './context.js';
import { sshBulk } from './openssh.js';
import { runWorker } from './procs.js';
import { waitQuiet } from './quiet.js';
import { mbPerSecond, spread } from './stats.js';

type Direction = 'upload' | 'download';

async function nodeClientCell(
  ctx: BenchContext,
  file: string,
  port: number,
  c: CipherCase,
  direction: Direction,
  bytes: number,
  extra: string[] = [],
): Promise<Samples> {
  const args = [
    `--port=${port}`,
    `--user=${TEST_USER}`,
    `--key=${ctx.userKey}`,
    `--cipher=${c.cipher}`,
    ...(c.mac ? [`--mac=${c.mac}`] : []),
    `--mode=${direction}`,
    `--bytes=${bytes}`,
    `--runs=${ctx.opts.runs}`,
    ...extra,
  ];
  const r = await runWorker<{ bytes: number; ms: number[]; cpu?: { client: number; server: number }[] }>(
    file,
    args,
    { timeoutMs: 180_000 },
  );
  // CPU µs per run → CPU milliseconds per 100 MB moved, for each side.
  const per100MB = (us: number) => us / 1000 / (r.bytes / 1e8);
  return {
    mbps: r.ms.map((ms) => mbPerSecond(r.bytes, ms)),
    clientCpu: r.cpu?.map((c) => per100MB(c.client)),
    serverCpu: r.cpu?.map((c) => per100MB(c.server)),
  };
}

interface Samples {
  mbps: number[];
  /** CPU ms per 100 MB of each side, where the server is one of ours (it answers `bench-cpu`). */
  clientCpu?: number[];
  serverCpu?: number[];
}

async function sshClientCell(
  ctx: BenchContext,
  port: number,
  knownHostsPath: string,
  c: CipherCase,
  direction: Direction,
  bytes: number,
): Promise<Samples> {
  const target = { port, user: TEST_USER, knownHostsPath, identity: ctx.userKey };
  const out: number[] = [];
  for (let i = 0; i < ctx.opts.runs; i++) {
    const r = await sshBulk(target, direction, bytes, c.cipher, c.mac);
    out.push(mbPerSecond(r.bytes, r.ms));
  }
  return { mbps: out };
}

function measure(ctx: BenchContext, pair: Pair, c: CipherCase, d: Direction): Promise<Samples> | undefined {
  const { rxssh, rxsshNoble, ssh2, sshd } = ctx.peers;
  const { bytes, nobleBytes } = ctx.opts;
  switch (pair) {
    case 'rxssh':
      return rxssh && nodeClientCell(ctx, 'rxssh-client.ts', rxssh.port, c, d, bytes, ['--cpu']);
    case 'noble':
      return (
        rxsshNoble &&
        nodeClientCell(ctx, 'rxssh-client.ts', rxsshNoble.port, c, d, nobleBytes, ['--crypto=noble', '--cpu'])
      );
    case 'ssh2':
      return ssh2 && nodeClientCell(ctx, 'ssh2-client.ts', ssh2.port, c, d, bytes, ['--cpu']);
    case 'rxssh-sshd':
      return sshd && nodeClientCell(ctx, 'rxssh-client.ts', sshd.port, c, d, bytes);
    case 'openssh':
      return sshd && sshClientCell(ctx, sshd.port, sshd.knownHostsPath, c, d, bytes);
    case 'ssh-rxssh':
      return rxssh && sshClientCell(ctx, rxssh.port, ctx.knownHostsPath, c, d, bytes);
  }
}

/** Runs every (cipher, direction, pair) cell; pairs interleave so slow drift in machine load hits all alike. */
export async function runBulk(ctx: BenchContext, pairs: readonly Pair[]): Promise<void> {
  for (const c of ctx.opts.ciphers) {
    for (const direction of ['upload', 'download'] as const) {
      for (const pair of pairs) {
        const idleBefore = await waitQuiet();
        const cell: BulkCell = {
          cipher: c.label,
          direction,
          pair,
          bytes: pair === 'noble' ? ctx.opts.nobleBytes : ctx.opts.bytes,
          idleBefore,
        };
        try {
          const samples = await measure(ctx, pair, c, direction);
          if (!samples) continue;
          cell.mbps = spread(samples.mbps);
          // Sender and receiver: the client sends on upload, the server on download.
          const [send, receive] =
            direction === 'upload'
              ? [samples.clientCpu, samples.serverCpu]
              : [samples.serverCpu, samples.clientCpu];
          if (send?.length) cell.cpuMsPer100MB = { sender: spread(send), receiver: spread(receive ?? []) };
        } catch (err) {
          cell.error = (err as Error).message.split('\n')[0];
        }
        ctx.results.bulk.push(cell);
        const m = cell.mbps;
        ctx.log(
          `bulk ${c.label} ${direction} ${pair}: ${m ? `${m.median.toFixed(0)} MB/s (${m.min.toFixed(0)}-${m.max.toFixed(0)})` : cell.error}`,
        );
      }
    }
  }
}
