/**
 * Bench worker: the ssh2 client (the peer we compare against), TCP_NODELAY on. Same modes and output as
 * rxssh-client.ts: bulk (`--mode=upload|download`, time from exec to channel close) and `--mode=handshake`
 * (TCP connect → kex → publickey auth → exec `echo ok` → first output byte), and `--mode=channels --count=N`.
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import ssh2 from 'ssh2';
import { need, numberFlag, parseFlags } from './lib/args.js';
import { CHUNK, CPU_COMMAND, SINK_COMMAND, sourceCommand } from './lib/commands.js';

const flags = parseFlags();
const port = numberFlag(flags, 'port', 0);
const privateKey = readFileSync(need(flags, 'key'));
const user = need(flags, 'user');
const cipher = flags.get('cipher');
const mac = flags.get('mac');
const mode = need(flags, 'mode');
const runs = numberFlag(flags, 'runs', 3);
const zeros = Buffer.alloc(CHUNK);

function open(): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.setNoDelay(true);
      const client = new ssh2.Client();
      client.once('ready', () => resolve(client));
      client.once('error', reject);
      client.connect({
        sock,
        username: user,
        privateKey,
        algorithms: {
          ...(cipher ? { cipher: [cipher as ssh2.CipherAlgorithm] } : {}),
          ...(mac ? { hmac: [mac as ssh2.MacAlgorithm] } : {}),
        },
      });
    });
    sock.once('error', reject);
  });
}

function close(client: ssh2.Client): Promise<void> {
  return new Promise((resolve) => {
    client.once('close', () => resolve());
    client.end();
  });
}

function run(client: ssh2.Client, what: 'upload' | 'download' | 'echo' | 'cpu', bytes: number) {
  return new Promise<{ ms: number; firstOutputMs?: number; text: string }>((resolve, reject) => {
    const command = {
      upload: SINK_COMMAND,
      download: sourceCommand(bytes),
      cpu: CPU_COMMAND,
      echo: 'echo ok',
    }[what];
    const t0 = performance.now();
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let received = 0;
      let firstOutputMs: number | undefined;
      let text = '';
      stream.on('data', (d: Buffer) => {
        firstOutputMs ??= performance.now() - t0;
        received += d.length;
        if (what === 'cpu') text += d.toString();
      });
      stream.stderr.resume();
      stream.on('close', () => {
        if (what === 'download' && received !== bytes) reject(new Error(`got ${received} of ${bytes}`));
        else resolve({ ms: performance.now() - t0, firstOutputMs, text });
      });
      if (what !== 'upload') return stream.end();
      let left = bytes;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, CHUNK);
          left -= n;
          if (!stream.write(n === CHUNK ? zeros : zeros.subarray(0, n))) return stream.once('drain', pump);
        }
        stream.end();
      };
      pump();
    });
  });
}

let result: unknown;
if (mode === 'channels') {
  // N concurrent exec channels on one connection, as rxssh-scale.ts --mode=channels.
  const count = numberFlag(flags, 'count', 1000);
  const client = await open();
  await run(client, 'echo', 0);
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: count }, () => run(client, 'echo', 0)));
  const ms = performance.now() - t0;
  await close(client);
  const failed = results.filter((r) => r.status === 'rejected');
  const error = failed.length ? String((failed[0] as PromiseRejectedResult).reason) : undefined;
  result = { count, ms, ok: count - failed.length, error };
} else if (mode === 'handshake') {
  const samples: number[] = [];
  let coldMs = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const client = await open();
    const r = await run(client, 'echo', 0);
    const ms = performance.now() - t0 - r.ms + (r.firstOutputMs ?? r.ms);
    await close(client);
    if (i === 0) coldMs = ms;
    else samples.push(ms);
  }
  result = { ms: samples, coldMs };
} else {
  const direction = mode as 'upload' | 'download';
  const bytes = numberFlag(flags, 'bytes', 128 << 20);
  const client = await open();
  await run(client, direction, Math.min(bytes >> 2, 32 << 20));
  const samples: number[] = [];
  const cpu: { client: number; server: number }[] = [];
  // Each side's CPU time per run, as rxssh-client.ts --cpu (the server must answer `bench-cpu`).
  const cpuNow = async () => {
    const s = JSON.parse((await run(client, 'cpu', 0)).text) as { user: number; system: number };
    const c = process.cpuUsage();
    return { server: s.user + s.system, client: c.user + c.system };
  };
  for (let i = 0; i < runs; i++) {
    const before = flags.has('cpu') ? await cpuNow() : undefined;
    samples.push((await run(client, direction, bytes)).ms);
    if (before) {
      const after = await cpuNow();
      cpu.push({ client: after.client - before.client, server: after.server - before.server });
    }
  }
  await close(client);
  result = { bytes, ms: samples, cpu };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
