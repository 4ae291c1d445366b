/**
 * Bench worker: the rxssh client (a child process of bench/run.ts; prints one JSON line).
 *
 *   bulk:       --port --user --key [--cipher --mac --crypto=node|noble] --mode=upload|download --bytes --runs
 *               [--cpu] one connection, one session channel per run; time from exec request to channel close;
 *               with --cpu, also each side's CPU time per run (the server must answer `bench-cpu`)
 *   handshake:  --port --user --key --mode=handshake --runs=50 [--kex=NAME]
 *               TCP connect → kex → publickey auth → session → exec `echo ok` → first output byte, per connection
 */
import { need, numberFlag, parseFlags } from './lib/args.js';
import {
  type ClientSetup,
  closeConnection,
  cpuNow,
  loadKey,
  openConnection,
  runOnSession,
} from './lib/rxssh-session.js';

const flags = parseFlags();
const setup: ClientSetup = {
  port: numberFlag(flags, 'port', 0),
  user: need(flags, 'user'),
  key: loadKey(need(flags, 'key')),
  cipher: flags.get('cipher'),
  mac: flags.get('mac'),
  kex: flags.get('kex'),
  crypto: flags.get('crypto') === 'noble' ? 'noble' : 'node',
};
const mode = need(flags, 'mode');
const runs = numberFlag(flags, 'runs', 3);

async function bulk(direction: 'upload' | 'download'): Promise<unknown> {
  const bytes = numberFlag(flags, 'bytes', 128 << 20);
  const conn = await openConnection(setup);
  const algorithms = conn.algorithms;
  // A warm-up transfer so the JIT has optimised the hot path before the timed runs.
  await runOnSession(conn, direction, Math.min(bytes >> 2, 32 << 20));
  const samples: number[] = [];
  // CPU time of each side per run, when the server is a bench server that answers `bench-cpu`.
  const cpu: { client: number; server: number }[] = [];
  const withCpu = flags.has('cpu');
  for (let i = 0; i < runs; i++) {
    const before = withCpu ? await cpuNow(conn) : undefined;
    samples.push((await runOnSession(conn, direction, bytes)).ms);
    if (before) {
      const after = await cpuNow(conn);
      cpu.push({ client: after.client - before.client, server: after.server - before.server });
    }
  }
  await closeConnection(conn);
  return { bytes, ms: samples, cpu, cipher: algorithms.cipherCS, mac: algorithms.macCS };
}

async function handshake(): Promise<unknown> {
  const samples: number[] = [];
  let cold = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const conn = await openConnection(setup);
    const r = await runOnSession(conn, 'echo', 0);
    const ms = performance.now() - t0 - r.ms + (r.firstOutputMs ?? r.ms);
    await closeConnection(conn);
    // The first connection of a fresh process pays for JIT and module warm-up: reported apart.
    if (i === 0) cold = ms;
    else samples.push(ms);
  }
  return { ms: samples, coldMs: cold };
}

const result = mode === 'handshake' ? await handshake() : await bulk(mode as 'upload' | 'download');
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
