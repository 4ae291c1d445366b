/**
 * `npm run bench:micro`: what one side of a bulk transfer costs in CPU, in one process and one thread, with
 * no socket and no peer process: a figure that barely moves when other work shares the machine, for checking
 * a fix of the packet path before and after.
 *
 *   send:    an authenticated client writes N MiB of channel data (256 KiB writes); its bytes are dropped
 *   receive: the client's encrypted stream for N MiB is recorded, then fed to the server in 64 KiB reads
 *            (decrypt, channel delivery, consumption and window bookkeeping; its replies are dropped)
 *
 *   npm run bench:micro -- [--cipher=aes128-gcm@openssh.com] [--mac=...] [--crypto=node|noble] [--mib=64]
 *                          [--reps=7]     (the least of `reps` measurements of `mib` each, all listed)
 *                          [--max-packet=32768]   (channel data per packet, both sides)
 *
 *   npm run bench:micro -- --primitives [--crypto=node|noble]
 *     instead: the crypto under chacha20-poly1305@openssh.com alone, on --max-packet bytes at a time (MB/s of
 *     CPU time, best of --reps): Poly1305, ChaCha20, and the sealer and opener on whole packets
 */
import { firstValueFrom, Observable, type Subscriber } from 'rxjs';
import { acceptSessions, allowPublicKey } from '../operators/index.js';
import { ChaChaPolyOpener, ChaChaPolySealer } from '../src/cipher/chacha20-poly1305.js';
import {
  accept,
  acceptAnyHostKeyInsecure,
  type ByteIO,
  type Channel,
  type Connection,
  connect,
  DEFAULT_MACS,
  generateKey,
  nobleCrypto,
  nodeCrypto,
} from '../src/index.js';
import { numberFlag, parseFlags } from './lib/args.js';
import { CHUNK, SINK_COMMAND } from './lib/commands.js';

const flags = parseFlags();
const cipher = flags.get('cipher') ?? 'aes128-gcm@openssh.com';
const mac = flags.get('mac');
const crypto = flags.get('crypto') === 'noble' ? nobleCrypto : nodeCrypto!;
const total = numberFlag(flags, 'mib', 64) * 1024 * 1024;
const reps = numberFlag(flags, 'reps', 7);
let serverReceived = 0;
// --max-packet raises the data per packet on both sides (the server's advertised maximum, the client's cap).
const maxPacket = numberFlag(flags, 'max-packet', 32 * 1024);

/** MB/s of CPU time for `work` on `bytes` bytes: the best of `reps` runs of at least 200 ms each. */
function cpuRate(bytes: number, work: () => void): number {
  for (let i = 0; i < 200; i++) work();
  let best = 0;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    let runs = 0;
    let us = 0;
    while (us < 200_000) {
      for (let i = 0; i < 16; i++) work();
      runs += 16;
      const c = process.cpuUsage(c0);
      us = c.user + c.system;
    }
    best = Math.max(best, (runs * bytes) / us);
  }
  return Math.round(best);
}

if (flags.has('primitives')) {
  const key = Uint8Array.from({ length: 64 }, (_, i) => i);
  const nonce8 = new Uint8Array(8);
  const data = new Uint8Array(maxPacket);
  // A packet as the transport hands it over: uint32 length ‖ padding_length ‖ payload ‖ padding ‖ room for the tag.
  const packet = new Uint8Array(4 + maxPacket + 16);
  new DataView(packet.buffer).setUint32(0, maxPacket);
  const sealer = new ChaChaPolySealer(crypto, key);
  const opener = new ChaChaPolyOpener(crypto, key);
  const sealed = packet.slice();
  sealer.seal(7, sealed);
  const rates = {
    poly1305: cpuRate(maxPacket, () => crypto.poly1305(key.subarray(0, 32), data)),
    chacha20: cpuRate(maxPacket, () => crypto.chacha20(key.subarray(0, 32), nonce8, 1, data)),
    seal: cpuRate(maxPacket, () => sealer.seal(7, packet)),
    open: cpuRate(maxPacket, () => opener.open(7, sealed)),
  };
  console.log(
    `${crypto.name}, ${maxPacket} bytes at a time (MB/s of CPU time): poly1305 ${rates.poly1305}, chacha20 ${rates.chacha20}, chacha20-poly1305 seal ${rates.seal}, open ${rates.open}`,
  );
  console.log(JSON.stringify({ crypto: crypto.name, bytes: maxPacket, reps, ...rates }));
  process.exit(0);
}

/** One direction of an in-memory link: delivers (asynchronously, like a socket), drops or records. */
class Direction {
  mode: 'deliver' | 'drop' | 'record' = 'deliver';
  recorded: Uint8Array[] = [];
  reader?: Subscriber<Uint8Array>;
  readonly input = new Observable<Uint8Array>((s) => {
    this.reader = s;
  });
  write(bytes: Uint8Array): boolean {
    if (this.mode === 'drop') return true;
    const copy = bytes.slice();
    if (this.mode === 'record') this.recorded.push(copy);
    else setImmediate(() => this.reader?.next(copy));
    return true;
  }
}

const toServer = new Direction();
const toClient = new Direction();
// `writev` is there for adapters that can hand several packets to the socket at once (see the report).
const clientIo: ByteIO = Object.assign(
  { input: toClient.input, write: (b: Uint8Array) => toServer.write(b), end: () => {} },
  { writev: (chunks: Uint8Array[]) => chunks.every((c) => toServer.write(c)) },
);
const serverIo: ByteIO = { input: toServer.input, write: (b) => toClient.write(b), end: () => {} };

const hostKey = generateKey(crypto, 'ssh-ed25519');
const userKey = generateKey(crypto, 'ssh-ed25519');
// The receiver's window is as large as allowed, so the sender never waits for WINDOW_ADJUST here.
const channels = { window: 0xffff_fff0, maxPacket, maxSendPacket: maxPacket };

accept(serverIo, {
  hostKeys: [hostKey],
  auth: allowPublicKey(() => true),
  authMethods: ['publickey'],
  crypto,
  channels,
})
  .pipe(acceptSessions())
  .subscribe(({ channel }) =>
    channel.subscribe((msg) => {
      if (msg.type === 'request') msg.reply(msg.request.type === 'exec');
      else if (msg.type === 'data') serverReceived += msg.data.length;
    }),
  );

// Subscribed for good: unsubscribing from connect() would disconnect.
const conn = await new Promise<Connection>((resolve, reject) =>
  connect(clientIo, {
    username: 'bench',
    privateKeys: [userKey],
    verifyHostKey: acceptAnyHostKeyInsecure(),
    crypto,
    algorithms: { cipher: [cipher], mac: mac ? [mac] : DEFAULT_MACS },
    channels,
  }).subscribe({ next: resolve, error: reject }),
);
const channel = await new Promise<Channel>((resolve) => conn.session().subscribe((ch) => resolve(ch)));
channel.subscribe(() => {});
await firstValueFrom(channel.request({ type: 'exec', command: new TextEncoder().encode(SINK_COMMAND) }));

const zeros = new Uint8Array(CHUNK);
function send(bytes: number): void {
  for (let left = bytes; left > 0; left -= CHUNK) channel.next(zeros);
}

function cpuMs<T>(work: () => T): number {
  const c0 = process.cpuUsage();
  work();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

// The receiver first (it must see every byte the client sends, or its keys fall out of step): record the
// client's stream, cut it into socket-sized reads outside the timed part, then feed it to the server.
toClient.mode = 'drop';
toServer.mode = 'record';
send(reps * total + (32 << 20));
const stream = Buffer.concat(toServer.recorded);
toServer.recorded = [];
const reads: Uint8Array[] = [];
for (let o = 0; o < stream.length; o += 65536)
  reads.push(stream.subarray(o, Math.min(o + 65536, stream.length)));
const warm = Math.ceil((32 << 20) / 65536);
const perRep = (reads.length - warm) / reps;
for (const r of reads.slice(0, warm)) toServer.reader!.next(r);
const receiveRuns: number[] = [];
for (let i = 0; i < reps; i++) {
  const mine = reads.slice(warm + Math.round(i * perRep), warm + Math.round((i + 1) * perRep));
  receiveRuns.push(
    cpuMs(() => {
      for (const r of mine) toServer.reader!.next(r);
    }),
  );
}
if (serverReceived !== reps * total + (32 << 20)) {
  throw new Error(
    `the server took ${serverReceived} bytes of ${reps * total + (32 << 20)}: it fell out of step`,
  );
}

// Then the sender alone, its output dropped (the server is not needed any more).
toServer.mode = 'drop';
send(32 << 20);
const sendRuns = Array.from({ length: reps }, () => cpuMs(() => send(total)));
// The least of the runs is the cost with the least interference from other work on the machine.
const sendMs = Math.min(...sendRuns);
const receiveMs = Math.min(...receiveRuns);

const per100MB = (ms: number) => ms / (total / 1e8);
const result = {
  cipher,
  mac,
  crypto: crypto.name,
  mib: total / 1024 / 1024,
  maxPacket,
  reps,
  sendMsPer100MBRuns: sendRuns.map((ms) => Math.round(per100MB(ms))),
  receiveMsPer100MBRuns: receiveRuns.map((ms) => Math.round(per100MB(ms))),
  sendMsPer100MB: Math.round(per100MB(sendMs)),
  receiveMsPer100MB: Math.round(per100MB(receiveMs)),
  sendMBps: Math.round(total / 1e6 / (sendMs / 1000)),
  receiveMBps: Math.round(total / 1e6 / (receiveMs / 1000)),
};
console.log(
  `${cipher}${mac ? `+${mac}` : ''} (${crypto.name}): send ${result.sendMsPer100MB} ms CPU per 100 MB (${result.sendMBps} MB/s on one core), receive ${result.receiveMsPer100MB} ms (${result.receiveMBps} MB/s)`,
);
console.log(JSON.stringify(result));
process.exit(0);
