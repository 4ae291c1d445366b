/**
 * Handshake latency, connection rate, many channels, many idle connections and a slow consumer: the groups
 * of the bench that are not bulk throughput. Each records its figures in `ctx.results`.
 */
import { TEST_USER } from '../../test/interop/harness/index.js';
import type { BenchContext } from './context.js';
import { runWorker, type ServerProcess, startServer } from './procs.js';
import { waitQuiet } from './quiet.js';
import { spread } from './stats.js';

const clientArgs = (ctx: BenchContext, port: number) => [
  `--port=${port}`,
  `--user=${TEST_USER}`,
  `--key=${ctx.userKey}`,
];

/** TCP connect → first exec output, median of `handshakes` warm connections, per client → server. */
export async function runHandshake(ctx: BenchContext): Promise<void> {
  const { rxssh, ssh2, sshd } = ctx.peers;
  // Against sshd both clients end up on curve25519-sha256 (OpenSSH 9.2 has no mlkem768x25519); between
  // rxssh peers our default is the hybrid mlkem768x25519-sha256, so curve25519 is shown too, like for like.
  const cases: [string, string, number | undefined, string[]][] = [
    ['rxssh→sshd', 'rxssh-client.ts', sshd?.port, []],
    ['ssh2→sshd', 'ssh2-client.ts', sshd?.port, []],
    ['rxssh→rxssh (mlkem768x25519, our default)', 'rxssh-client.ts', rxssh?.port, []],
    ['rxssh→rxssh (curve25519)', 'rxssh-client.ts', rxssh?.port, ['--kex=curve25519-sha256']],
    ['ssh2→ssh2 (curve25519)', 'ssh2-client.ts', ssh2?.port, []],
  ];
  const out: Record<string, unknown> = {};
  for (const [name, file, port, extra] of cases) {
    if (port === undefined) continue;
    const idleBefore = await waitQuiet();
    try {
      const r = await runWorker<{ ms: number[]; coldMs: number }>(
        file,
        [...clientArgs(ctx, port), '--mode=handshake', `--runs=${ctx.opts.handshakes}`, ...extra],
        { timeoutMs: 120_000 },
      );
      out[name] = { ms: spread(r.ms), coldMs: r.coldMs, idleBefore };
      const s = spread(r.ms)!;
      ctx.log(
        `handshake ${name}: median ${s.median.toFixed(1)} ms (${s.min.toFixed(1)}-${s.max.toFixed(1)})`,
      );
    } catch (err) {
      out[name] = { error: (err as Error).message.split('\n')[0] };
    }
  }
  ctx.results.handshake = out;

  // Connections per second one server process sustains, with the same rxssh load generator for both servers
  // and the same key exchange (ssh2 has no mlkem768x25519, whose pure-JS ML-KEM costs both ends far more than
  // X25519): like for like, then our default apart.
  const rate: Record<string, unknown> = {};
  const curve = '--kex=curve25519-sha256';
  for (const [name, server, extra] of [
    ['rxssh server (curve25519)', rxssh, [curve]],
    ['ssh2 server (curve25519)', ssh2, [curve]],
    ['rxssh server (mlkem768x25519, our default)', rxssh, []],
  ] as const) {
    if (!server) continue;
    await waitQuiet();
    try {
      const r = await runWorker<RateResult>(
        'rxssh-scale.ts',
        [...clientArgs(ctx, server.port), '--mode=rate', '--concurrency=8', '--duration-ms=4000', ...extra],
        { timeoutMs: 60_000 },
      );
      rate[name] = r;
      ctx.log(
        `rate ${name}: ${r.perSecond.toFixed(0)} connections/s, CPU ms per connection: server ${r.serverCpuMsPerConnection.toFixed(2)}, client ${r.clientCpuMsPerConnection.toFixed(2)}`,
      );
    } catch (err) {
      rate[name] = { error: (err as Error).message.split('\n')[0] };
    }
  }
  ctx.results.connectionRate = rate;
}

interface RateResult {
  perSecond: number;
  serverCpuMsPerConnection: number;
  clientCpuMsPerConnection: number;
}

/** N concurrent exec channels on one connection; N idle authenticated connections to one server process. */
export async function runScale(ctx: BenchContext, hostKeyPath: string, userPubPath: string): Promise<void> {
  const { rxssh, ssh2, sshd } = ctx.peers;
  const n = ctx.opts.scaleCount;
  const channels: Record<string, unknown> = {};
  for (const [name, file, port] of [
    ['rxssh→rxssh', 'rxssh-scale.ts', rxssh?.port],
    ['rxssh→sshd', 'rxssh-scale.ts', sshd?.port],
    ['ssh2→ssh2', 'ssh2-client.ts', ssh2?.port],
  ] as const) {
    if (port === undefined) continue;
    await waitQuiet();
    try {
      channels[name] = await runWorker(file, [...clientArgs(ctx, port), '--mode=channels', `--count=${n}`], {
        timeoutMs: 120_000,
      });
      const r = channels[name] as { ms: number; ok: number };
      ctx.log(`channels ${name}: ${r.ok}/${n} in ${r.ms.toFixed(0)} ms`);
    } catch (err) {
      channels[name] = { error: (err as Error).message.split('\n')[0] };
    }
  }
  ctx.results.channels = channels;

  const idle: Record<string, unknown> = {};
  const serverArgs = [`--host-key=${hostKeyPath}`, `--authorized-key=${userPubPath}`];
  for (const [name, file] of [
    ['rxssh server', 'rxssh-server.ts'],
    ['ssh2 server', 'ssh2-server.ts'],
  ] as const) {
    await waitQuiet();
    let server: ServerProcess | undefined;
    try {
      server = await startServer(file, serverArgs, { ipc: true, nodeArgs: ['--expose-gc'] });
      idle[name] = await idleConnections(ctx, server, n);
      const r = idle[name] as { heapPerConnection: number; rssPerConnection: number };
      ctx.log(
        `idle ${name}: ${(r.heapPerConnection / 1024).toFixed(1)} KiB heap, ${(r.rssPerConnection / 1024).toFixed(1)} KiB RSS per connection`,
      );
    } catch (err) {
      idle[name] = { error: (err as Error).message.split('\n')[0] };
    } finally {
      await server?.stop();
    }
  }
  ctx.results.idleConnections = idle;
}

interface ServerStats {
  memory: NodeJS.MemoryUsage;
  connections: number;
  gc: boolean;
}

async function idleConnections(ctx: BenchContext, server: ServerProcess, n: number) {
  // One connection and back first, so code paths are loaded and compiled before the baseline.
  await runWorker('rxssh-client.ts', [...clientArgs(ctx, server.port), '--mode=handshake', '--runs=1']);
  const before = await server.ask<ServerStats>({ cmd: 'stats' });
  let after: ServerStats | undefined;
  const worker = await runWorker<{ open: number; failed: number; openMs: number }>(
    'rxssh-scale.ts',
    [...clientArgs(ctx, server.port), '--mode=idle', `--count=${n}`, '--concurrency=25'],
    {
      timeoutMs: 180_000,
      onLine: (line, write) => {
        if (!line.startsWith('READY')) return;
        server
          .ask<ServerStats>({ cmd: 'stats' })
          .then((s) => (after = s))
          .finally(() => write('release\n'));
      },
    },
  );
  if (!after) throw new Error('no stats after the connections opened');
  const k = Math.max(1, after.connections - before.connections);
  return {
    connections: after.connections,
    open: worker.open,
    failed: worker.failed,
    openMs: worker.openMs,
    heapPerConnection: (after.memory.heapUsed - before.memory.heapUsed) / k,
    rssPerConnection: (after.memory.rss - before.memory.rss) / k,
    externalPerConnection: (after.memory.external - before.memory.external) / k,
    gc: after.gc,
    before: before.memory,
    after: after.memory,
  };
}

/** A consumer slower than the sender: the bytes it holds unconsumed must stay within the channel window. */
export async function runSlowConsumer(ctx: BenchContext): Promise<void> {
  const rxssh = ctx.peers.rxssh;
  if (!rxssh) return;
  const out: Record<string, unknown> = {};
  for (const [name, extra] of [
    ['default window (2 MiB)', [`--bytes=${16 << 20}`]],
    ['window 256 KiB', [`--bytes=${8 << 20}`, `--window=${256 << 10}`]],
  ] as const) {
    try {
      const r = await runWorker<{ maxHeld: number; window: number }>(
        'rxssh-scale.ts',
        [...clientArgs(ctx, rxssh.port), '--mode=slow', '--rate=8000000', ...extra],
        { timeoutMs: 60_000 },
      );
      out[name] = { ...r, withinWindow: r.maxHeld <= r.window };
      ctx.log(`slow consumer ${name}: held at most ${r.maxHeld} bytes (window ${r.window})`);
    } catch (err) {
      out[name] = { error: (err as Error).message.split('\n')[0] };
    }
  }
  ctx.results.slowConsumer = out;
}
