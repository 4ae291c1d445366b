/**
 * Bench worker: the ssh2 client (the peer we compare against), TCP_NODELAY on. Same modes and output as
 * rxssh-client.ts: bulk (`--mode=upload|download`, time from exec to channel close) and `--mode=handshake`
 * (TCP connect → kex → publickey auth → exec `echo ok` → first output byte), and `--mode=channels --count=N`.
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import ssh2 from 'ssh2';
import { need, numberFlag, parseFlags } from './lib/args.js';
import { CHUNK, SINK_COMMAND, sourceCommand } from './lib/commands.js';

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

function run(client: ssh2.Client, what: 'upload' | 'download' | 'echo', bytes: number) {
  return new Promise<{ ms: number; firstOutputMs?: number }>((resolve, reject) => {
    const command = what === 'upload' ? SINK_COMMAND : what === 'download' ? sourceCommand(bytes) : 'echo ok';
    const t0 = performance.now();
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      let received = 0;
      let firstOutputMs: number | undefined;
      stream.on('data', (d: Buffer) => {
        firstOutputMs ??= performance.now() - t0;
        received += d.length;
      });
      stream.stderr.resume();
      stream.on('close', () => {
        if (what === 'download' && received !== bytes) reject(new Error(`got ${received} of ${bytes}`));
        else resolve({ ms: performance.now() - t0, firstOutputMs });
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
  for (let i = 0; i < runs; i++) samples.push((await run(client, direction, bytes)).ms);
  await close(client);
  result = { bytes, ms: samples };
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
