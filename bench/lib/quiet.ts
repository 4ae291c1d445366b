/**
 * Waits (bounded) for the machine to be mostly idle before a measurement, since other work on the same two
 * cores skews loopback figures; the idle share seen is recorded with each cell so a contended one shows.
 */
import { readFileSync } from 'node:fs';

function cpuTimes(): { idle: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  return { idle, total: v.reduce((a, b) => a + b, 0) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Idle share of all CPUs over `ms`, 0..1 (1 where /proc/stat is missing). */
export async function idleShare(ms = 250): Promise<number> {
  try {
    const a = cpuTimes();
    await sleep(ms);
    const b = cpuTimes();
    return b.total > a.total ? (b.idle - a.idle) / (b.total - a.total) : 1;
  } catch {
    return 1;
  }
}

/** Polls until the machine is at least `minIdle` idle or `maxWaitMs` passed; returns the last idle share. */
export async function waitQuiet(minIdle = 0.85, maxWaitMs = 2000): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let idle = await idleShare();
  while (idle < minIdle && Date.now() < deadline) idle = await idleShare();
  return idle;
}
