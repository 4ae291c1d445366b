/** The bench's output: markdown tables for people (and the README), and one JSON line for machines. */
import type { BenchContext, BulkCell, Pair } from './context.js';
import { PAIR_TITLES } from './context.js';
import { round, type Spread } from './stats.js';

const fmt = (s: Spread | undefined) =>
  s ? `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : '–';

export interface Ratio {
  median: number;
  /** Worst and best case: our slowest run against their fastest, and the other way round. */
  min: number;
  max: number;
}

export function ratio(us: Spread | undefined, them: Spread | undefined): Ratio | undefined {
  if (!us || !them) return undefined;
  return {
    median: round(us.median / them.median, 2),
    min: round(us.min / them.max, 2),
    max: round(us.max / them.min, 2),
  };
}

const fmtRatio = (r: Ratio | undefined) => (r ? `${r.median.toFixed(2)}×` : '–');

function cell(cells: BulkCell[], cipher: string, direction: string, pair: Pair): BulkCell | undefined {
  return cells.find((c) => c.cipher === cipher && c.direction === direction && c.pair === pair);
}

export interface RatioRow {
  cipher: string;
  direction: string;
  rxsshVsSsh2?: Ratio;
  rxsshVsOpenssh?: Ratio;
  rxsshClientToSshdVsOpenssh?: Ratio;
  sshToRxsshServerVsOpenssh?: Ratio;
  nobleMBps?: number;
}

export function bulkRatios(cells: BulkCell[]): RatioRow[] {
  const rows: RatioRow[] = [];
  for (const c of cells) {
    if (rows.some((r) => r.cipher === c.cipher && r.direction === c.direction)) continue;
    const get = (p: Pair) => cell(cells, c.cipher, c.direction, p)?.mbps;
    rows.push({
      cipher: c.cipher,
      direction: c.direction,
      rxsshVsSsh2: ratio(get('rxssh'), get('ssh2')),
      rxsshVsOpenssh: ratio(get('rxssh'), get('openssh')),
      rxsshClientToSshdVsOpenssh: ratio(get('rxssh-sshd'), get('openssh')),
      sshToRxsshServerVsOpenssh: ratio(get('ssh-rxssh'), get('openssh')),
      nobleMBps: get('noble') && round(get('noble')!.median),
    });
  }
  return rows;
}

export function bulkTable(ctx: BenchContext, pairs: readonly Pair[]): string {
  const cells = ctx.results.bulk;
  const ratios = bulkRatios(cells);
  const head = ['cipher', 'dir', ...pairs.map((p) => PAIR_TITLES[p]), 'rxssh/ssh2', 'rxssh/OpenSSH'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const r of ratios) {
    const row = [r.cipher, r.direction];
    for (const p of pairs) row.push(fmt(cell(cells, r.cipher, r.direction, p)?.mbps));
    row.push(fmtRatio(r.rxsshVsSsh2), fmtRatio(r.rxsshVsOpenssh));
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * CPU cost per 100 MB on each side: unlike MB/s it hardly moves when other work shares the machine, so it is
 * the figure to compare between runs (and to check a fix with).
 */
export function cpuTable(ctx: BenchContext): string {
  const cells = ctx.results.bulk.filter((c) => c.cpuMsPer100MB);
  if (!cells.length) return '';
  const pairs = [...new Set(cells.map((c) => c.pair))];
  const head = ['cipher', 'dir', ...pairs.map((p) => `${PAIR_TITLES[p]} send / receive`)];
  const lines = [
    'CPU ms per 100 MB moved, sender / receiver (median): lower is better.',
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of bulkRatios(cells)) {
    const row = [r.cipher, r.direction];
    for (const p of pairs) {
      const c = cell(cells, r.cipher, r.direction, p)?.cpuMsPer100MB;
      row.push(c ? `${c.sender?.median.toFixed(0) ?? '–'} / ${c.receiver?.median.toFixed(0) ?? '–'}` : '–');
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

type Rec = Record<string, Record<string, unknown> | undefined>;

export function otherTables(ctx: BenchContext): string {
  const out: string[] = [];
  const hs = ctx.results.handshake as Rec | undefined;
  if (hs) {
    out.push(
      '| handshake: TCP connect → first exec output | median ms (min–max) | first, cold |',
      '|---|---:|---:|',
    );
    for (const [name, v] of Object.entries(hs)) {
      const s = v?.ms as Spread | undefined;
      out.push(
        `| ${name} | ${s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})` : String(v?.error)} | ${v?.coldMs ? (v.coldMs as number).toFixed(0) : '–'} |`,
      );
    }
    out.push('');
  }
  const rate = ctx.results.connectionRate as Rec | undefined;
  if (rate) {
    out.push(
      '| connections/s (connect+auth+exec+close, 8 at a time, rxssh client) | per second | server CPU ms/conn | client CPU ms/conn |',
      '|---|---:|---:|---:|',
    );
    const ms = (x: unknown) => (typeof x === 'number' ? x.toFixed(2) : '–');
    for (const [name, v] of Object.entries(rate)) {
      out.push(
        `| ${name} | ${v?.perSecond ? (v.perSecond as number).toFixed(0) : String(v?.error)} | ${ms(v?.serverCpuMsPerConnection)} | ${ms(v?.clientCpuMsPerConnection)} |`,
      );
    }
    out.push('');
  }
  const ch = ctx.results.channels as Rec | undefined;
  if (ch) {
    out.push(
      `| ${ctx.opts.scaleCount} concurrent exec channels, one connection | ms | ok |`,
      '|---|---:|---:|',
    );
    for (const [name, v] of Object.entries(ch)) {
      out.push(`| ${name} | ${v?.ms ? (v.ms as number).toFixed(0) : String(v?.error)} | ${v?.ok ?? '–'} |`);
    }
    out.push('');
  }
  const idle = ctx.results.idleConnections as Rec | undefined;
  if (idle) {
    out.push(
      `| ${ctx.opts.scaleCount} idle authenticated connections, server process | heap KiB/conn | RSS KiB/conn | open ms |`,
      '|---|---:|---:|---:|',
    );
    for (const [name, v] of Object.entries(idle)) {
      const kib = (x: unknown) => (typeof x === 'number' ? (x / 1024).toFixed(1) : '–');
      out.push(
        `| ${name} | ${v?.error ? String(v.error) : kib(v?.heapPerConnection)} | ${kib(v?.rssPerConnection)} | ${typeof v?.openMs === 'number' ? v.openMs.toFixed(0) : '–'} |`,
      );
    }
    out.push('');
  }
  const slow = ctx.results.slowConsumer as Rec | undefined;
  if (slow) {
    out.push('| slow consumer (8 MB/s) | window | most bytes held | within window |', '|---|---:|---:|---|');
    for (const [name, v] of Object.entries(slow)) {
      out.push(
        `| ${name} | ${v?.window ?? '–'} | ${v?.maxHeld ?? String(v?.error)} | ${v?.withinWindow ?? '–'} |`,
      );
    }
  }
  return out.join('\n');
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** Issue 5's targets, checked against this run's figures (ratios of medians). */
export function targetChecks(ctx: BenchContext): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ratios = bulkRatios(ctx.results.bulk);
  const list = (rs: (Ratio | undefined)[]) => rs.map((r) => (r ? `${r.median.toFixed(2)}×` : '–')).join(', ');
  const all = (rs: (Ratio | undefined)[], min: number) =>
    rs.length > 0 && rs.every((r) => r && r.median >= min);
  const gcm = ratios.filter((r) => r.cipher.endsWith('-gcm'));
  if (gcm.length) {
    const vsSsh2 = gcm.map((r) => r.rxsshVsSsh2);
    const vsOpenssh = gcm.map((r) => r.rxsshVsOpenssh);
    out.push({
      target: 'AES-GCM ≥ 1.1× ssh2, both directions',
      measured: list(vsSsh2),
      met: all(vsSsh2, 1.1),
    });
    out.push({ target: 'AES-GCM ≥ 1.5× OpenSSH', measured: list(vsOpenssh), met: all(vsOpenssh, 1.5) });
  }
  const chacha = ratios.filter((r) => r.cipher.startsWith('chacha20'));
  if (chacha.length) {
    const vs = chacha.map((r) => r.rxsshVsOpenssh);
    out.push({ target: 'chacha20-poly1305 ≥ 1.2× OpenSSH', measured: list(vs), met: all(vs, 1.2) });
    const noble = chacha.map((r) => r.nobleMBps).filter((x): x is number => x !== undefined);
    if (noble.length) {
      out.push({
        target: 'pure-JS backend ≥ 200 MB/s with chacha20-poly1305',
        measured: noble.map((x) => `${x} MB/s`).join(', '),
        met: noble.every((x) => x >= 200),
      });
    }
  }
  const hs = ctx.results.handshake as Rec | undefined;
  const ours = (hs?.['rxssh→sshd']?.ms as Spread | undefined)?.median;
  const theirs = (hs?.['ssh2→sshd']?.ms as Spread | undefined)?.median;
  if (ours !== undefined && theirs !== undefined) {
    out.push({
      target: "handshake to first output ≤ ssh2's (both → sshd)",
      measured: `${ours.toFixed(1)} ms vs ${theirs.toFixed(1)} ms`,
      met: ours <= theirs,
    });
  }
  const rate = ctx.results.connectionRate as Rec | undefined;
  const ourRate = rate?.['rxssh server (curve25519)']?.perSecond;
  const theirRate = rate?.['ssh2 server (curve25519)']?.perSecond;
  if (typeof ourRate === 'number' && typeof theirRate === 'number') {
    out.push({
      target: "connections/s one server process sustains ≥ ssh2's (same client, curve25519)",
      measured: `${ourRate.toFixed(0)}/s vs ${theirRate.toFixed(0)}/s`,
      met: ourRate >= theirRate,
    });
  }
  const heap = (ctx.results.idleConnections as Rec | undefined)?.['rxssh server']?.heapPerConnection;
  if (typeof heap === 'number') {
    out.push({
      target: 'idle connection ≤ 64 KiB of heap',
      measured: `${(heap / 1024).toFixed(1)} KiB`,
      met: heap <= 64 * 1024,
    });
  }
  return out;
}

export function targetTable(checks: TargetCheck[]): string {
  if (!checks.length) return '';
  const lines = ['| issue 5 target | this run | met |', '|---|---|---|'];
  for (const c of checks) lines.push(`| ${c.target} | ${c.measured} | ${c.met ? 'yes' : 'no'} |`);
  return lines.join('\n');
}
