/**
 * `npm run bench`: rxssh against ssh2 and OpenSSH on this machine, every peer started here on 127.0.0.1,
 * all measured in the same run. Prints progress, markdown tables, and a last line of JSON.
 *
 *   npm run bench -- [--only=bulk,noble,handshake,scale,slow] [--size-mib=512] [--noble-size-mib=32]
 *                    [--runs=3] [--handshakes=50] [--ciphers=aes128-gcm,chacha20-poly1305] [--count=1000]
 *                    [--pairs=rxssh,ssh2,openssh,rxssh-sshd,ssh-rxssh,noble]
 *
 * GC diagnostics: BENCH_NODE_ARGS='--trace-gc' BENCH_TRACE_DIR=/tmp/dir npm run bench -- ... (bench/lib/procs.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { generateKey, makeUserKeys, SSH_PATH } from '../test/interop/harness/index.js';
import { numberFlag, parseFlags } from './lib/args.js';
import { runBulk } from './lib/bulk.js';
import { type BenchContext, type BenchOptions, CIPHER_CASES, type Pair } from './lib/context.js';
import { startBenchSshd } from './lib/openssh.js';
import { startServer } from './lib/procs.js';
import { bulkRatios, bulkTable, cpuTable, otherTables, targetChecks, targetTable } from './lib/report.js';
import { runHandshake, runScale, runSlowConsumer } from './lib/scale.js';

const ALL_GROUPS = ['bulk', 'noble', 'handshake', 'scale', 'slow'];
const flags = parseFlags();
const only = flags.get('only')?.split(',') ?? ALL_GROUPS;
for (const g of only)
  if (!ALL_GROUPS.includes(g)) throw new Error(`--only: unknown group ${g} (${ALL_GROUPS})`);
const cipherNames = flags.get('ciphers')?.split(',');
const opts: BenchOptions = {
  groups: new Set(only),
  bytes: numberFlag(flags, 'size-mib', 512) * 1024 * 1024,
  nobleBytes: numberFlag(flags, 'noble-size-mib', 32) * 1024 * 1024,
  runs: numberFlag(flags, 'runs', 3),
  handshakes: numberFlag(flags, 'handshakes', 50),
  scaleCount: numberFlag(flags, 'count', 1000),
  ciphers: cipherNames
    ? CIPHER_CASES.filter((c) => cipherNames.some((n) => c.label.startsWith(n)))
    : CIPHER_CASES,
};

const started = Date.now();
const log = (line: string) =>
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);

function machine() {
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  // `ssh -V` prints its version on stderr.
  const openssh = spawnSync(SSH_PATH, ['-V'], { encoding: 'utf8' }).stderr?.trim() || 'unknown';
  const ssh2 = JSON.parse(
    readFileSync(new URL('../node_modules/ssh2/package.json', import.meta.url), 'utf8'),
  );
  return { cpu: model, nproc: cpus().length, node: process.version, openssh, ssh2: ssh2.version as string };
}

const keys = await makeUserKeys(['ed25519']);
const user = keys.get('ed25519');
const host = await generateKey(keys.dir, 'bench_host_ed25519', 'ed25519');
const knownHostsPath = join(keys.dir, 'known_hosts');
const ctx: BenchContext = {
  opts,
  userKey: user.privatePath,
  userPublicLine: user.publicLine,
  knownHostsPath,
  peers: {},
  log,
  results: { bulk: [] },
};
const serverArgs = [`--host-key=${host.privatePath}`, `--authorized-key=${user.publicPath}`];
const needs = (...groups: string[]) => groups.some((g) => opts.groups.has(g));
const info = machine();

try {
  log(`machine: ${info.cpu}, ${info.nproc} CPUs, node ${info.node}, ${info.openssh}, ssh2 ${info.ssh2}`);
  const peers = ctx.peers;
  if (needs('bulk', 'handshake', 'scale', 'slow')) {
    peers.rxssh = await startServer('rxssh-server.ts', [...serverArgs, '--max-sessions=1100']);
  }
  if (needs('noble'))
    peers.rxsshNoble = await startServer('rxssh-server.ts', [...serverArgs, '--crypto=noble']);
  if (needs('bulk', 'handshake', 'scale')) {
    peers.ssh2 = await startServer('ssh2-server.ts', serverArgs);
    try {
      // MaxSessions raised for the 1,000-channel test (OpenSSH's default is 10).
      peers.sshd = await startBenchSshd(user.publicLine, 1100);
    } catch (err) {
      log(`sshd did not start, OpenSSH cells are skipped: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const addon = peers.ssh2?.banner.get('ADDON');
  ctx.results.ssh2Addon = addon === 'yes';
  if (addon) log(`ssh2 native crypto add-on loaded: ${addon}`);
  const hostLine = (port: number) =>
    `[127.0.0.1]:${port} ${host.keyType} ${Buffer.from(host.blob).toString('base64')}`;
  const ports = [peers.rxssh?.port, peers.rxsshNoble?.port, peers.ssh2?.port].filter((p) => p !== undefined);
  writeFileSync(knownHostsPath, ports.map((p) => `${hostLine(p)}\n`).join(''));

  let pairs: Pair[] = [];
  if (needs('bulk')) pairs.push('rxssh', 'ssh2', 'openssh', 'rxssh-sshd', 'ssh-rxssh');
  if (needs('noble')) pairs.push('noble');
  const pairNames = flags.get('pairs')?.split(',');
  if (pairNames) pairs = pairs.filter((p) => pairNames.includes(p));
  if (pairs.length) await runBulk(ctx, pairs);
  if (needs('handshake')) await runHandshake(ctx);
  if (needs('scale')) await runScale(ctx, host.privatePath, user.publicPath);
  if (needs('slow')) await runSlowConsumer(ctx);

  const mib = (b: number) => `${b / 1024 / 1024} MiB`;
  const lines = [
    '',
    `Machine: ${info.cpu}, nproc ${info.nproc}, node ${info.node}, ${info.openssh}, ssh2 ${info.ssh2} (native add-on: ${addon ?? 'not run'}).`,
  ];
  const idle = ctx.results.bulk.map((c) => c.idleBefore).sort((a, b) => a - b);
  if (idle.length) {
    const pct = (x: number) => `${Math.round(x * 100)} %`;
    lines.push(
      `Other load: the machine was ${pct(idle[idle.length >> 1])} idle (median; ${pct(idle[0])}–${pct(idle[idle.length - 1])}) just before the bulk cells (≤ 2 s wait for ≥ 85 %).`,
    );
  }
  if (pairs.length) {
    lines.push(
      `Bulk MB/s (10^6 B/s), one session channel, median (min–max) of ${opts.runs} runs of ${mib(opts.bytes)}` +
        (pairs.includes('noble') ? ` (noble column: ${mib(opts.nobleBytes)})` : '') +
        '; ratios are of medians.',
      '',
      bulkTable(ctx, pairs),
      '',
      cpuTable(ctx),
    );
  }
  const targets = targetChecks(ctx);
  lines.push('', otherTables(ctx), '', targetTable(targets), '');
  process.stdout.write(`${lines.join('\n')}\n`);
  const json = {
    machine: info,
    ssh2Addon: ctx.results.ssh2Addon,
    config: { bytes: opts.bytes, nobleBytes: opts.nobleBytes, runs: opts.runs, handshakes: opts.handshakes },
    bulk: ctx.results.bulk,
    ratios: bulkRatios(ctx.results.bulk),
    handshake: ctx.results.handshake,
    connectionRate: ctx.results.connectionRate,
    channels: ctx.results.channels,
    idleConnections: ctx.results.idleConnections,
    slowConsumer: ctx.results.slowConsumer,
    targets,
    idleBeforeBulkMedian: idle.length ? idle[idle.length >> 1] : undefined,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
} finally {
  await Promise.all([
    ctx.peers.rxssh?.stop(),
    ctx.peers.rxsshNoble?.stop(),
    ctx.peers.ssh2?.stop(),
    ctx.peers.sshd?.stop(),
  ]);
  await keys.cleanup();
}
process.exit(0);
