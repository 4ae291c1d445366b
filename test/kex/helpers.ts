/** Shared fixtures for the kex tests: both backends, a fixed context, a fake host key, an in-memory driver. */
import { concatBytes, utf8 } from '../../src/crypto/bytes.js';
import {
  type CryptoBackend,
  nobleCrypto,
  nodeCrypto,
  type RandomSource,
  seededRandom,
} from '../../src/crypto/index.js';
import type { HostKeySigner, KexContext, KexMethod, KexResult } from '../../src/kex/types.js';

if (nodeCrypto === undefined)
  throw new Error('the kex tests run under Node and need the node:crypto backend');

export const BACKENDS: [string, CryptoBackend][] = [
  ['node', nodeCrypto],
  ['noble', nobleCrypto],
];

/** A stand-in host key: the keys layer is tested elsewhere. Its "signature" is 'sig:' ‖ H, so tests can see H. */
export const fakeHostKey: HostKeySigner = {
  blob: utf8('\x00\x00\x00\x0bssh-ed25519 fake host key blob'),
  sign: (h) => concatBytes(utf8('sig:'), h),
};

export function context(crypto: CryptoBackend, random: RandomSource): KexContext {
  return {
    crypto,
    random,
    clientVersion: utf8('SSH-2.0-rxssh_0.1'),
    serverVersion: utf8('SSH-2.0-OpenSSH_9.9'),
    // Any bytes will do for the hash; real ones start with SSH_MSG_KEXINIT (20) and a cookie.
    clientKexInit: concatBytes(Uint8Array.of(20), new Uint8Array(16).fill(0xc1), utf8('client lists')),
    serverKexInit: concatBytes(Uint8Array.of(20), new Uint8Array(16).fill(0x5e), utf8('server lists')),
  };
}

export interface Run {
  client: KexResult;
  server: KexResult;
  /** Every payload in order, tagged with its sender. */
  wire: { from: 'client' | 'server'; payload: Uint8Array }[];
}

/** Drives a client and a server of `method` against each other in memory (bounded, so a livelock fails). */
export function runExchange(method: KexMethod, crypto: CryptoBackend, seed: string): Run {
  const client = method.client(context(crypto, seededRandom(`${seed}/client`)));
  const server = method.server(context(crypto, seededRandom(`${seed}/server`)), fakeHostKey);
  const wire: Run['wire'] = [];
  let toServer = client.start();
  server.start();
  let clientResult: KexResult | undefined;
  let serverResult: KexResult | undefined;
  for (let round = 0; round < 5 && clientResult === undefined; round++) {
    const toClient: Uint8Array[] = [];
    for (const payload of toServer) {
      wire.push({ from: 'client', payload });
      const out = server.receive(payload);
      toClient.push(...out.send);
      serverResult ??= out.result;
    }
    toServer = [];
    for (const payload of toClient) {
      wire.push({ from: 'server', payload });
      const out = client.receive(payload);
      toServer.push(...out.send);
      clientResult ??= out.result;
    }
  }
  if (clientResult === undefined || serverResult === undefined) throw new Error('exchange did not finish');
  return { client: clientResult, server: serverResult, wire };
}

/** Messages one side sent, in order. */
export function sentBy(run: Run, side: 'client' | 'server'): Uint8Array[] {
  return run.wire.filter((m) => m.from === side).map((m) => m.payload);
}
