/**
 * What a handshake costs in round trips, in virtual time over a link of LATENCY_MS per hop: a key held by the
 * client signs its first request (RFC 4252 §7) with no `none` probe before it (§5.2), and an IGNORE answers a
 * server's host-key announcement (hostkeys-00: sshd's Nagle-held replies would otherwise wait for our delayed
 * ACK of it), and only that.
 */
import { describe, expect, it } from 'vitest';
import { allowPublicKey } from '../../operators/allow-public-key.js';
import { equalBytes } from '../../src/crypto/bytes.js';
import { defaultCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { generateKey } from '../../src/keys/generate-key.js';
import { HANDSHAKE, LATENCY_MS, marblePair, testScheduler } from '../marbles/helpers.js';

const userKey = generateKey(defaultCrypto(), 'ssh-ed25519', { random: seededRandom('round-trips/user') });
const keyAuth = allowPublicKey((_user, key) => equalBytes(key.blob, userKey.publicKey.blob));

/** Runs a pair to authentication; returns when each side emitted and when the client wrote. */
function handshake(client: object, server: object = {}) {
  const writes: number[] = [];
  let clientAt = -1;
  let serverAt = -1;
  const scheduler = testScheduler();
  scheduler.run(() => {
    const { client$, server$ } = marblePair(scheduler, {
      client,
      server: { auth: keyAuth, authMethods: ['publickey'], ...server },
      link: {
        tap: (from, bytes) => {
          if (from === 'a') writes.push(scheduler.now());
          return bytes;
        },
      },
    });
    server$.subscribe(() => (serverAt = scheduler.now()));
    client$.subscribe(() => (clientAt = scheduler.now()));
    scheduler.schedule(() => {}, 20 * LATENCY_MS);
  });
  return { clientAt, serverAt, writes };
}

describe('handshake round trips', () => {
  it('a key held here: the signed request follows SERVICE_ACCEPT, success comes at hop 6', () => {
    const r = handshake({ privateKeys: [userKey], authMethods: ['publickey'], password: undefined });
    // hop 5: the signed USERAUTH_REQUEST, hop 6: USERAUTH_SUCCESS. The password path (HANDSHAKE) needs two
    // more hops for its none probe; a query and PK_OK first would add two more again.
    expect(r.serverAt).toBe(HANDSHAKE.serverAuthenticated - 2 * LATENCY_MS);
    expect(r.clientAt).toBe(HANDSHAKE.clientAuthenticated - 2 * LATENCY_MS);
  });

  it('an external signer still asks first: PK_OK costs its round trip', () => {
    const signer = {
      publicKey: userKey.publicKey,
      sign: (d: Uint8Array) => [userKey.sign(defaultCrypto(), d)],
    };
    const r = handshake({ signers: [signer], authMethods: ['publickey'], password: undefined });
    expect(r.clientAt).toBe(HANDSHAKE.clientAuthenticated);
  });

  it('an IGNORE answers the host-key announcement (hostkeys-00), whoever sends it, and costs no time', () => {
    const client = { privateKeys: [userKey], authMethods: ['publickey'], password: undefined };
    const silent = handshake(client, { announceHostKeys: false });
    const announcing = handshake(client, { announceHostKeys: true });
    expect(announcing.clientAt).toBe(silent.clientAt);
    expect(announcing.writes).toHaveLength(silent.writes.length + 1);
    // The announcement leaves with USERAUTH_SUCCESS; the client's one extra write answers it on arrival.
    expect(announcing.writes).toEqual([...silent.writes, silent.clientAt].sort((a, b) => a - b));
  });
});
