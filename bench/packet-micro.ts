/**
 * `npx tsx bench/packet-micro.ts`: what the packet layer alone costs per packet of channel data, in µs of
 * CPU, one thread, no channel layer, no socket: the transport's own share of a bulk transfer.
 *
 *   encode       PacketEncoder.encode(header, data), one buffer per packet (what the transport sends today)
 *   encodeParts  PacketEncoder.encodeParts(header, data), the cipher's output as parts
 *   decode       PacketDecoder fed the same packets in fresh 64 KiB reads, as a socket delivers them
 *   cipher only  node:crypto's createCipheriv + update + final + getAuthTag per packet (node, AES-GCM):
 *                the floor under both directions
 *
 *   npx tsx bench/packet-micro.ts [--cipher=aes128-gcm@openssh.com] [--crypto=node|noble] [--data=32768]
 *                                 [--packets=3000] [--reps=7]   (the least of `reps` runs is printed)
 */
import * as nc from 'node:crypto';
import { CIPHERS } from '../src/cipher/registry.js';
import { nobleCrypto, nodeCrypto, seededRandom } from '../src/crypto/index.js';
import { PacketDecoder } from '../src/transport/packet-decoder.js';
import { PacketEncoder } from '../src/transport/packet-encoder.js';
import { numberFlag, parseFlags } from './lib/args.js';

const flags = parseFlags();
const cipherName = flags.get('cipher') ?? 'aes128-gcm@openssh.com';
const crypto = flags.get('crypto') === 'noble' ? nobleCrypto : nodeCrypto!;
const dataLength = numberFlag(flags, 'data', 32 * 1024);
const packets = numberFlag(flags, 'packets', 3000);
const reps = numberFlag(flags, 'reps', 7);

const cipher = CIPHERS[cipherName];
if (!cipher?.aead) throw new Error(`--cipher: ${cipherName} is not an AEAD cipher we know`);
const rng = seededRandom('packet-micro');
const keys = { cipher, mac: undefined, key: rng(cipher.keyLength), iv: rng(cipher.ivLength), macKey: rng(0) };
// A channel DATA header (RFC 4254 §5.2) and its data, as the channel layer hands them to the transport.
const header = Uint8Array.of(
  94,
  0,
  0,
  0,
  0,
  dataLength >>> 24,
  dataLength >>> 16,
  dataLength >>> 8,
  dataLength,
);
const data = rng(dataLength);

function encoder(): PacketEncoder {
  const e = new PacketEncoder(crypto, seededRandom('padding'));
  e.setKeys(keys);
  return e;
}

/** CPU µs per packet of `run`, the least of `reps` runs; `prepare` is not timed. */
function perPacket<T>(prepare: () => T, run: (input: T) => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const input = prepare();
    const c0 = process.cpuUsage();
    run(input);
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / packets);
  }
  return best;
}

const results: Record<string, number> = {};
results.encode = perPacket(encoder, (e) => {
  for (let i = 0; i < packets; i++) e.encode(header, data);
});
results.encodeParts = perPacket(encoder, (e) => {
  for (let i = 0; i < packets; i++) e.encodeParts(header, data);
});
results.decode = perPacket(
  () => {
    // The reads are cut before the clock starts: each is a fresh buffer, like a socket's.
    const e = encoder();
    const wire = Buffer.concat(Array.from({ length: packets }, () => e.encode(header, data)));
    const reads: Uint8Array[] = [];
    for (let o = 0; o < wire.length; o += 65536) reads.push(wire.slice(o, o + 65536));
    const d = new PacketDecoder(crypto);
    d.setKeys(keys);
    return { d, reads };
  },
  ({ d, reads }) => {
    let n = 0;
    for (const r of reads) {
      d.push(r);
      for (let p = d.next(); p; p = d.next()) n++;
    }
    if (n !== packets) throw new Error(`decoded ${n} of ${packets} packets`);
  },
);
if (crypto === nodeCrypto && cipherName.startsWith('aes')) {
  const alg = keys.key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  const plain = rng(dataLength + 32);
  results.cipherOnly = perPacket(
    () => undefined,
    () => {
      for (let i = 0; i < packets; i++) {
        const c = nc.createCipheriv(alg, keys.key, keys.iv, { authTagLength: 16 });
        c.setAAD(header.subarray(0, 4));
        c.update(plain);
        c.final();
        c.getAuthTag();
      }
    },
  );
}

const line = Object.entries(results)
  .map(([k, us]) => `${k} ${us.toFixed(1)} µs`)
  .join(', ');
console.log(`${cipherName} (${crypto.name}), ${dataLength}-byte data per packet: ${line}`);
console.log(
  JSON.stringify({
    cipher: cipherName,
    crypto: crypto.name,
    dataLength,
    packets,
    reps,
    usPerPacket: results,
  }),
);
process.exit(0);
