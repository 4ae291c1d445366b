/**
 * A client and a server joined in memory, for tests of SSH flows (ours and our users'). Everything is
 * deterministic when a scheduler and seed are given: randomness comes from seeded generators, time from the
 * scheduler, bytes travel as scheduler actions.
 *
 * @example
 * testScheduler.run(({ expectObservable }) => {
 *   const { client$ } = connectedPair({ scheduler: testScheduler });
 *   expectObservable(client$.pipe(map((c) => c.authMethod))).toBe('a', { a: 'password' });
 * });
 */
import type { Observable, SchedulerLike } from 'rxjs';
import { allowPassword } from '../../operators/allow-password.js';
import { type AcceptOptions, accept } from '../connection/accept.js';
import { type ConnectOptions, connect } from '../connection/connect.js';
import type { Connection } from '../connection/connection.js';
import { acceptHostKey } from '../connection/host-key-verifier.js';
import { defaultCrypto } from '../crypto/index.js';
import { seededRandom } from '../crypto/random.js';
import { generateKey } from '../keys/generate-key.js';
import type { PrivateKey } from '../keys/private-key.js';
import { type MemoryLink, type MemoryLinkOptions, memoryLink } from './memory-link.js';

export interface PairOptions {
  scheduler?: SchedulerLike;
  seed?: string;
  client?: Partial<ConnectOptions>;
  server?: Partial<AcceptOptions>;
  link?: Omit<MemoryLinkOptions, 'scheduler'>;
}

export interface Pair {
  client$: Observable<Connection>;
  server$: Observable<Connection>;
  link: MemoryLink;
  hostKey: PrivateKey;
}

export const TEST_USER = 'alice';
export const TEST_PASSWORD = 'wonderland';

export function connectedPair(opts: PairOptions = {}): Pair {
  const seed = opts.seed ?? 'rxssh-test';
  const crypto = opts.client?.crypto ?? defaultCrypto();
  const hostKey =
    opts.server?.hostKeys?.[0] ??
    generateKey(crypto, 'ssh-ed25519', { random: seededRandom(`${seed}/host-key`) });
  const link = memoryLink({ ...opts.link, scheduler: opts.scheduler });
  const server$ = accept(link.b, {
    scheduler: opts.scheduler,
    random: seededRandom(`${seed}/server`),
    authFailureDelayMs: 0,
    auth: allowPassword((u, p) => u === TEST_USER && p === TEST_PASSWORD),
    ...opts.server,
    hostKeys: opts.server?.hostKeys ?? [hostKey],
  });
  const client$ = connect(link.a, {
    scheduler: opts.scheduler,
    random: seededRandom(`${seed}/client`),
    username: TEST_USER,
    password: TEST_PASSWORD,
    verifyHostKey: acceptHostKey(hostKey.publicKey.blob),
    ...opts.client,
  });
  return { client$, server$, link, hostKey };
}
