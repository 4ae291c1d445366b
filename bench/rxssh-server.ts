/**
 * Bench-only rxssh server (a child process of bench/run.ts): accept() + acceptSessions(), answering `exec`
 * itself instead of running a shell: `cat >/dev/null` sinks the channel's data, `head -c N /dev/zero` sends
 * N zero bytes with backpressure, `true` / `echo X` answer at once. Prints `LISTENING <port>` when ready.
 *
 *   node --import tsx bench/rxssh-server.ts --host-key=FILE --authorized-key=FILE.pub
 *        [--port=0] [--crypto=node|noble] [--max-sessions=10] [--window=BYTES]
 *
 * With an IPC channel (fork), `{ cmd: 'stats' }` answers with process.memoryUsage() after a full GC
 * (run node with --expose-gc) and the number of live connections.
 */
import { readFileSync } from 'node:fs';
import { type Subscription, tap } from 'rxjs';
import { acceptSessions, allowAuthorizedKeys } from '../operators/index.js';
import {
  type Channel,
  type Connection,
  listenTcp,
  nobleCrypto,
  parseAuthorizedKeys,
  parsePrivateKeyFile,
  requestText,
  serve,
} from '../src/index.js';
import { need, numberFlag, parseFlags } from './lib/args.js';
import { CHUNK, parseBenchCommand } from './lib/commands.js';

const flags = parseFlags();
const hostKey = parsePrivateKeyFile(readFileSync(need(flags, 'host-key'), 'utf8'));
const authorized = parseAuthorizedKeys(readFileSync(need(flags, 'authorized-key'), 'utf8')).entries.map(
  (e) => e.key.blob,
);
const window = flags.has('window') ? numberFlag(flags, 'window', 0) : undefined;
const zeros = new Uint8Array(CHUNK);
/** Source writes stop while this much is queued in the channel; 'writable' resumes them. */
const SOURCE_HIGH_WATER = 1 << 20;

let connections = 0;
let maxSourceQueued = 0;

function finish(ch: Channel, status: number): void {
  ch.request({ type: 'exit-status', status }, false).subscribe();
  ch.complete();
  ch.close();
}

function serveSession(ch: Channel): Subscription {
  let source: (() => void) | undefined;
  let sinking = false;
  return ch.subscribe((msg) => {
    switch (msg.type) {
      case 'request': {
        if (msg.request.type !== 'exec') return msg.reply(msg.request.type === 'env');
        const cmd = parseBenchCommand(requestText(msg.request.command));
        msg.reply(cmd !== undefined);
        if (!cmd) return;
        if (cmd.kind === 'sink') sinking = true;
        else if (cmd.kind === 'echo') {
          if (cmd.text) ch.next(cmd.text);
          finish(ch, 0);
        } else {
          let left = cmd.bytes;
          source = () => {
            // Top up while the channel's queue is short; the window and 'writable' pace us.
            for (let q = ch.bufferedAmount; left > 0 && q < SOURCE_HIGH_WATER; q = ch.bufferedAmount) {
              const n = Math.min(left, CHUNK);
              ch.next(n === CHUNK ? zeros : zeros.subarray(0, n));
              left -= n;
              maxSourceQueued = Math.max(maxSourceQueued, ch.bufferedAmount);
            }
            if (left === 0) {
              source = undefined;
              finish(ch, 0);
            }
          };
          source();
        }
        return;
      }
      case 'writable':
        return source?.();
      case 'eof':
        if (sinking) finish(ch, 0);
        return;
    }
  });
}

const listening = listenTcp({ host: '127.0.0.1', port: numberFlag(flags, 'port', 0) }, (addr) =>
  process.stdout.write(`LISTENING ${addr.port}\n`),
);
serve(
  listening,
  {
    hostKeys: [hostKey],
    auth: allowAuthorizedKeys(() => authorized),
    authMethods: ['publickey'],
    crypto: flags.get('crypto') === 'noble' ? nobleCrypto : undefined,
    channels: window ? { window } : undefined,
    // Bench peers hammer us with many connections; failing ones are reported, not fatal.
    maxAuthTries: 6,
    // The scale cells open up to 25 connections at once; like raising sshd's MaxStartups for a load test.
    maxStartups: false,
  },
  (err) => process.stderr.write(`connection failed: ${(err as Error).message}\n`),
)
  .pipe(
    // Counted here, not per session: idle connections open no channel at all.
    tap((conn: Connection) => {
      connections++;
      conn.disconnect$.subscribe(() => connections--);
    }),
    acceptSessions({ maxSessions: numberFlag(flags, 'max-sessions', 10) }),
  )
  .subscribe(({ channel }) => serveSession(channel));
process.on('message', (m: { cmd?: string }) => {
  if (m?.cmd !== 'stats') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.send?.({ memory: process.memoryUsage(), connections, maxSourceQueued, gc: gc !== undefined });
});
process.on('disconnect', () => process.exit(0));
// A clean exit on a signal, so `node --cpu-prof` writes its profile.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));
