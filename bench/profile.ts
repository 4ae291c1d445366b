/**
 * `npm run bench:profile`: the rxssh↔rxssh bulk transfer under `node --cpu-prof`, both processes, then the
 * functions ranked by self time on each side, then each side's cost by kind as multiples of its AES work
 * (the figure to compare between runs on a busy machine, see lib/cpuprofile.ts). Profiles are kept in the
 * printed folder for a closer look (Chrome DevTools → Performance → Load profile).
 *
 *   npm run bench:profile -- [--cipher=aes128-gcm@openssh.com] [--mac=...] [--direction=upload|download]
 *                            [--crypto=node|noble] [--size-mib=256] [--runs=3] [--top=25]
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, makeUserKeys, TEST_USER } from '../test/interop/harness/index.js';
import { numberFlag, parseFlags } from './lib/args.js';
import { costBreakdown, formatBreakdown, formatSelfTime, topSelfTime } from './lib/cpuprofile.js';
import { runWorker, startServer } from './lib/procs.js';
import { mbPerSecond, spread } from './lib/stats.js';

const flags = parseFlags();
const cipher = flags.get('cipher') ?? 'aes128-gcm@openssh.com';
const mac = flags.get('mac');
const direction = flags.get('direction') ?? 'upload';
const crypto = flags.get('crypto') ?? 'node';
const bytes = numberFlag(flags, 'size-mib', 256) * 1024 * 1024;
const top = numberFlag(flags, 'top', 25);

const out = mkdtempSync(join(tmpdir(), 'rxssh-profile-'));
const keys = await makeUserKeys(['ed25519']);
try {
  const user = keys.get('ed25519');
  const host = await generateKey(keys.dir, 'host', 'ed25519');
  const prof = (side: string) => ['--cpu-prof', `--cpu-prof-dir=${join(out, side)}`];
  const server = await startServer(
    'rxssh-server.ts',
    [`--host-key=${host.privatePath}`, `--authorized-key=${user.publicPath}`, `--crypto=${crypto}`],
    { nodeArgs: prof('server') },
  );
  let r: { bytes: number; ms: number[] };
  try {
    r = await runWorker(
      'rxssh-client.ts',
      [
        `--port=${server.port}`,
        `--user=${TEST_USER}`,
        `--key=${user.privatePath}`,
        `--cipher=${cipher}`,
        ...(mac ? [`--mac=${mac}`] : []),
        `--mode=${direction}`,
        `--bytes=${bytes}`,
        `--runs=${numberFlag(flags, 'runs', 3)}`,
        `--crypto=${crypto}`,
      ],
      { nodeArgs: prof('client'), timeoutMs: 300_000 },
    );
  } finally {
    await server.stop();
  }
  const s = spread(r.ms.map((ms) => mbPerSecond(r.bytes, ms)))!;
  console.log(`${cipher} ${direction} (${crypto}), under the profiler: ${s.median.toFixed(0)} MB/s median\n`);
  const breakdowns: string[] = [];
  for (const side of ['client', 'server']) {
    // The main thread's profile is the largest; the others belong to tsx's loader thread.
    const dir = join(out, side);
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    const main = files.sort().find((f) => /\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
    const sender = (side === 'client') === (direction === 'upload') ? 'sender' : 'receiver';
    console.log(formatSelfTime(`${side} (${sender}) ${join(dir, main)}`, topSelfTime(join(dir, main), top)));
    console.log('');
    breakdowns.push(formatBreakdown(`${side} (${sender})`, costBreakdown(join(dir, main))));
  }
  console.log(breakdowns.join('\n'));
} finally {
  await keys.cleanup();
}
process.exit(0);
