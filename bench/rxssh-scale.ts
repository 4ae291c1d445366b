/**
 * Bench worker for scale and memory (rxssh client; prints one JSON line):
 *
 *   --mode=channels --count=1000       N concurrent session channels on one connection, each exec `echo ok`
 *   --mode=rate --concurrency=8 --duration-ms=5000 [--kex=NAME]
 *                                      connect + auth + exec `echo ok` + close in a loop: connections per second
 *                                      (--kex: that key exchange only, e.g. to compare servers like for like),
 *                                      and each side's CPU ms per connection (the server must answer bench-cpu)
 *   --mode=idle --count=1000 --concurrency=25
 *                                      opens N authenticated connections, prints `READY n`, holds them until a
 *                                      line arrives on stdin, then closes them
 *   --mode=slow --bytes=N --rate=BYTES_PER_S [--window=BYTES]
 *                                      downloads N bytes but consumes them at `rate`: reports the most bytes
 *                                      ever held unconsumed, against the channel window
 */
import type { Connection } from '../src/index.js';
import { need, numberFlag, parseFlags } from './lib/args.js';
import { sourceCommand } from './lib/commands.js';
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
  kex: flags.get('kex'),
};
const mode = need(flags, 'mode');

async function channels(): Promise<unknown> {
  const count = numberFlag(flags, 'count', 1000);
  const conn = await openConnection(setup);
  await runOnSession(conn, 'echo', 0); // warm-up
  const t0 = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: count }, () => runOnSession(conn, 'echo', 0)),
  );
  const ms = performance.now() - t0;
  await closeConnection(conn);
  const failed = results.filter((r) => r.status === 'rejected');
  return {
    count,
    ms,
    ok: count - failed.length,
    error: failed.length ? String((failed[0] as PromiseRejectedResult).reason) : undefined,
  };
}

async function rate(): Promise<unknown> {
  const concurrency = numberFlag(flags, 'concurrency', 8);
  const duration = numberFlag(flags, 'duration-ms', 5000);
  let done = 0;
  let failed = 0;
  // Each side's CPU time across the run, read over a connection of its own (bench servers answer bench-cpu):
  // what a connection costs, whatever else the machine was doing.
  const probe = await openConnection(setup);
  const before = await cpuNow(probe);
  const t0 = performance.now();
  const loop = async () => {
    while (performance.now() - t0 < duration) {
      try {
        const conn = await openConnection(setup);
        await runOnSession(conn, 'echo', 0);
        await closeConnection(conn);
        done++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const ms = performance.now() - t0;
  const after = await cpuNow(probe);
  await closeConnection(probe);
  const perConnection = (us: number) => us / 1000 / Math.max(1, done);
  return {
    concurrency,
    ms,
    done,
    failed,
    perSecond: done / (ms / 1000),
    serverCpuMsPerConnection: perConnection(after.server - before.server),
    clientCpuMsPerConnection: perConnection(after.client - before.client),
  };
}

async function idle(): Promise<unknown> {
  const count = numberFlag(flags, 'count', 1000);
  const concurrency = numberFlag(flags, 'concurrency', 25);
  const conns: Connection[] = [];
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  const opener = async () => {
    while (next < count) {
      next++;
      try {
        conns.push(await openConnection(setup));
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, opener));
  const openMs = performance.now() - t0;
  process.stdout.write(`READY ${conns.length}\n`);
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  await Promise.all(conns.map((c) => closeConnection(c)));
  return { count, open: conns.length, failed, openMs };
}

async function slow(): Promise<unknown> {
  const bytes = numberFlag(flags, 'bytes', 16 << 20);
  const rateBps = numberFlag(flags, 'rate', 8e6);
  const window = flags.has('window') ? numberFlag(flags, 'window', 0) : undefined;
  const conn = await openConnection(setup);
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const out = await new Promise<{ maxHeld: number; received: number; maxRssGrowth: number }>(
    (resolve, reject) => {
      let held = 0;
      let maxHeld = 0;
      let received = 0;
      let maxRssGrowth = 0;
      const sub = conn.session(window ? { window } : undefined).subscribe({
        next: (ch) => {
          ch.manualConsume = true;
          const tickMs = 20;
          const timer = setInterval(() => {
            maxRssGrowth = Math.max(maxRssGrowth, process.memoryUsage().rss - rss0);
            const n = Math.min(held, Math.ceil((rateBps * tickMs) / 1000));
            held -= n;
            if (n > 0) ch.consume(n);
          }, tickMs);
          ch.subscribe({
            next: (msg) => {
              if (msg.type !== 'data') return;
              held += msg.data.length;
              received += msg.data.length;
              maxHeld = Math.max(maxHeld, held);
            },
            complete: () => {
              clearInterval(timer);
              sub.unsubscribe();
              resolve({ maxHeld, received, maxRssGrowth });
            },
            error: reject,
          });
          ch.request({ type: 'exec', command: new TextEncoder().encode(sourceCommand(bytes)) }).subscribe(
            () => ch.complete(),
          );
        },
        error: reject,
      });
    },
  );
  const ms = performance.now() - t0;
  await closeConnection(conn);
  return { bytes, rate: rateBps, window: window ?? 2 * 1024 * 1024, ms, ...out };
}

const modes: Record<string, () => Promise<unknown>> = { channels, rate, idle, slow };
const run = modes[mode];
if (!run) throw new Error(`unknown --mode=${mode}`);
process.stdout.write(`${JSON.stringify(await run())}\n`);
process.exit(0);
