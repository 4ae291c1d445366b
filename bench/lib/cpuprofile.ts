/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time, so the bench can name the
 * costs of the hot path without a GUI. Self time = samples whose top frame is the function.
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
