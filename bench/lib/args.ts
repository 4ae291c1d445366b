/** Tiny `--key=value` / `--flag` parser for the bench workers (they take no positional arguments). */
export function parseFlags(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a} (flags look like --name=value)`);
    out.set(m[1], m[2] ?? 'true');
  }
  return out;
}

export function need(flags: Map<string, string>, name: string): string {
  const v = flags.get(name);
  if (v === undefined) throw new Error(`missing --${name}`);
  return v;
}

export function numberFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const v = flags.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} wants a number, got ${v}`);
  return n;
}
