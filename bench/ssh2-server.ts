/**
 * Bench-only ssh2 server (the peer we compare against), with the same exec commands as rxssh-server.ts and
 * TCP_NODELAY on every accepted socket. Prints `LISTENING <port>` and `ADDON yes|no` (whether ssh2's native
 * crypto binding loaded). `{ cmd: 'stats' }` over IPC answers like rxssh-server.ts.
 *
 *   node --import tsx bench/ssh2-server.ts --host-key=FILE --authorized-key=FILE.pub [--port=0]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import ssh2 from 'ssh2';
import { need, numberFlag, parseFlags } from './lib/args.js';
import { CHUNK, parseBenchCommand } from './lib/commands.js';

const flags = parseFlags();
const allowed = ssh2.utils.parseKey(readFileSync(need(flags, 'authorized-key'), 'utf8'));
if (allowed instanceof Error) throw allowed;
const allowedBlob = allowed.getPublicSSH();
const zeros = Buffer.alloc(CHUNK);

let connections = 0;
const server = new ssh2.Server({ hostKeys: [readFileSync(need(flags, 'host-key'))] }, (client) => {
  let authenticated = false;
  client.on('close', () => {
    if (authenticated) connections--;
  });
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || !ctx.key.data.equals(allowedBlob)) return ctx.reject(['publickey']);
    if (ctx.signature && allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject();
    ctx.accept();
  });
  client.on('ready', () => {
    authenticated = true;
    connections++;
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      session.on('env', (accept) => accept?.());
      session.on('exec', (accept, reject, info) => {
        const cmd = parseBenchCommand(info.command);
        if (!cmd) return reject?.();
        const stream = accept();
        if (cmd.kind === 'sink') {
          stream.on('data', () => {});
          stream.on('end', () => {
            stream.exit(0);
            stream.end();
          });
        } else if (cmd.kind === 'echo') {
          stream.resume();
          stream.exit(0);
          stream.end(cmd.text);
        } else {
          stream.resume();
          let left = cmd.bytes;
          const pump = () => {
            while (left > 0) {
              const n = Math.min(left, CHUNK);
              left -= n;
              if (!stream.write(n === CHUNK ? zeros : zeros.subarray(0, n)))
                return stream.once('drain', pump);
            }
            stream.exit(0);
            stream.end();
          };
          pump();
        }
      });
    });
  });
  client.on('error', () => {});
});

const listener = net.createServer((socket) => {
  socket.setNoDelay(true);
  server.injectSocket(socket);
});
listener.listen(numberFlag(flags, 'port', 0), '127.0.0.1', () => {
  const require = createRequire(import.meta.url);
  const addon = require('ssh2/lib/protocol/crypto.js').bindingAvailable ? 'yes' : 'no';
  process.stdout.write(`ADDON ${addon}\nLISTENING ${(listener.address() as net.AddressInfo).port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
process.on('disconnect', () => process.exit(0));
// Same IPC as rxssh-server.ts: memory after a full GC (node --expose-gc) and live authenticated connections.
process.on('message', (m: { cmd?: string }) => {
  if (m?.cmd !== 'stats') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.send?.({ memory: process.memoryUsage(), connections, gc: gc !== undefined });
});
