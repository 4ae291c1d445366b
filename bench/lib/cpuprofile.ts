/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time, so the bench can name the
 * costs of the hot path without a GUI. Self time = samples whose top frame is the function.
 *
 * `costBreakdown` groups the same samples by kind (garbage collector, socket syscalls, our code, RxJS...)
 * and divides each by the self time of node:crypto's cipher `update()`, the AES work itself, which is fixed
 * per byte. Other work on the machine stretches every sample alike, so these multiples move much less
 * between runs than milliseconds do: compare them before and after a change.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  share: number;
}

/** Where a sample's self time goes; module loading (tsx, the ESM/CJS loaders) is left out. */
function kindOf(f: ProfileNode['callFrame']): string {
  const { functionName: name, url } = f;
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'gc';
  if (name === 'update' && url.includes('crypto/cipher')) return 'aes update()';
  if (url.includes('crypto')) return 'other node:crypto';
  if (name === 'writev' || name === 'writeBuffer' || name === 'writeUtf8String') return 'socket writes';
  if (url === '') return name === '(program)' ? 'v8 (program)' : 'other native';
  if (url.includes('/src/') || url.includes('/operators/')) return 'rxssh';
  if (url.includes('/bench/')) return 'bench';
  if (url.includes('rxjs')) return 'rxjs';
  if (url.startsWith('node:')) return 'node (streams, events, ticks)';
  return 'other packages';
}

export interface CostBreakdown {
  /** Sampled ms outside module loading and idle time. */
  busyMs: number;
  /** Self time of node:crypto's update(); 0 when the profile has none (noble backend). */
  aesMs: number;
  /** ms per kind, largest first. */
  kinds: { kind: string; ms: number }[];
}

export function costBreakdown(path: string): CostBreakdown {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const loading = new Map<number, boolean>();
  const isLoading = (id: number): boolean => {
    const known = loading.get(id);
    if (known !== undefined) return known;
    const f = byId.get(id)!.callFrame;
    const p = parent.get(id);
    const answer =
      /modules\/(esm|cjs)|tsx\/dist/.test(f.url) ||
      f.functionName === 'evaluate' ||
      (p !== undefined && isLoading(p));
    loading.set(id, answer);
    return answer;
  };
  const ms = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const node = byId.get(id);
    if (!node || isLoading(id)) continue;
    const kind = kindOf(node.callFrame);
    if (kind !== 'idle') ms.set(kind, (ms.get(kind) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const kinds = [...ms].map(([kind, v]) => ({ kind, ms: v })).sort((a, b) => b.ms - a.ms);
  const busyMs = kinds.reduce((sum, k) => sum + k.ms, 0);
  return { busyMs, aesMs: ms.get('aes update()') ?? 0, kinds };
}

export function formatBreakdown(title: string, b: CostBreakdown, limit = 10): string {
  if (b.aesMs === 0) return `${title}: no node:crypto update() samples to compare with`;
  const rows = b.kinds.slice(0, limit).map((k) => `${k.kind} ${(k.ms / b.aesMs).toFixed(2)}`);
  return `${title}: busy ${(b.busyMs / b.aesMs).toFixed(2)}× the AES work (${rows.join(', ')})`;
}

export function topSelfTime(path: string, limit = 25): { totalMs: number; rows: SelfTime[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    total += dt;
    const f = node.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(src|operators|bench|node_modules)\//, '$1/');
    // tsx-compiled modules report line 0 for every function, so a line is shown only when it means something.
    const where = file && f.lineNumber > 0 ? `${file}:${f.lineNumber + 1}` : file;
    const name = f.functionName || '(anonymous)';
    const key = `${name}@${where}`;
    const entry = self.get(key) ?? { name, where, us: 0 };
    entry.us += dt;
    self.set(key, entry);
  }
  const rows = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((e) => ({ name: e.name, where: e.where, ms: e.us / 1000, share: total ? e.us / total : 0 }));
  return { totalMs: total / 1000, rows };
}

export function formatSelfTime(title: string, t: { totalMs: number; rows: SelfTime[] }): string {
  const lines = [`${title}: ${t.totalMs.toFixed(0)} ms sampled`];
  for (const r of t.rows) {
    lines.push(
      `  ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(6)} ms  ${r.name}  ${r.where}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const p of process.argv.slice(2)) console.log(formatSelfTime(p, topSelfTime(p, 30)));
}
