/** Every method, both roles, both backends, in memory: equal K and H, the server signs H, deterministic. */
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/index.js';
import { DEFAULT_KEX, KEX_METHODS } from '../../src/kex/registry.js';
import { BACKENDS, context, fakeHostKey, runExchange } from './helpers.js';

const HASH_BYTES = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 } as const;

describe('registry', () => {
  it('offers only methods it implements, and no SHA-1 or 1024-bit method by default', () => {
    for (const name of DEFAULT_KEX) expect(KEX_METHODS[name]?.name).toBe(name);
    expect(DEFAULT_KEX).not.toContain('diffie-hellman-group14-sha1');
    expect(DEFAULT_KEX).not.toContain('diffie-hellman-group1-sha1');
    expect(KEX_METHODS['diffie-hellman-group14-sha1'].hash).toBe('sha1');
    expect(KEX_METHODS['diffie-hellman-group1-sha1'].hash).toBe('sha1');
    expect(DEFAULT_KEX[0]).toBe('mlkem768x25519-sha256');
  });
});

describe.each(BACKENDS)('%s backend', (_label, crypto) => {
  describe.each(Object.keys(KEX_METHODS))('%s', (name) => {
    const method = KEX_METHODS[name];

    it('client and server agree on K and H; the client gets K_S and the signature of H', () => {
      const run = runExchange(method, crypto, `exchange ${name}`);
      expect(toHex(run.client.sharedSecret)).toBe(toHex(run.server.sharedSecret));
      expect(toHex(run.client.exchangeHash)).toBe(toHex(run.server.exchangeHash));
      expect(run.client.exchangeHash).toHaveLength(HASH_BYTES[method.hash]);
      expect(run.client.hash).toBe(method.hash);
      expect(run.client.hostKeyBlob).toEqual(fakeHostKey.blob);
      expect(run.client.signature).toEqual(concatBytes(utf8('sig:'), run.server.exchangeHash));
      expect(run.server.signature).toEqual(run.client.signature);
    });

    it('wipes every random byte it drew (private keys, seeds, exponents) by the end of the exchange', () => {
      const drawn: Uint8Array[] = [];
      const recording = (seed: string) => {
        const inner = seededRandom(seed);
        return (n: number) => {
          const b = inner(n);
          drawn.push(b);
          return b;
        };
      };
      const client = method.client(context(crypto, recording('wipe/client')));
      const server = method.server(context(crypto, recording('wipe/server')), fakeHostKey);
      let toServer = client.start();
      let done = false;
      for (let i = 0; i < 4 && !done; i++) {
        const replies = toServer.flatMap((m) => server.receive(m).send);
        toServer = [];
        for (const r of replies) {
          const out = client.receive(r);
          toServer.push(...out.send);
          done ||= out.result !== undefined;
        }
      }
      expect(done).toBe(true);
      expect(drawn.length).toBeGreaterThanOrEqual(2);
      for (const b of drawn) expect(b.every((x) => x === 0)).toBe(true);
    });

    it('is deterministic under a seeded random source, and the seed matters', () => {
      const a = runExchange(method, crypto, 'seed A');
      const b = runExchange(method, crypto, 'seed A');
      const c = runExchange(method, crypto, 'seed C');
      expect(a.wire.map((m) => toHex(m.payload))).toEqual(b.wire.map((m) => toHex(m.payload)));
      expect(toHex(a.client.exchangeHash)).toBe(toHex(b.client.exchangeHash));
      expect(toHex(a.client.sharedSecret)).not.toBe(toHex(c.client.sharedSecret));
    });
  });
});

describe('node and noble backends', () => {
  it.each(Object.keys(KEX_METHODS))('%s: same seed → byte-identical exchange', (name) => {
    const [[, node], [, noble]] = BACKENDS;
    const a = runExchange(KEX_METHODS[name], node, `cross ${name}`);
    const b = runExchange(KEX_METHODS[name], noble, `cross ${name}`);
    expect(a.wire.map((m) => toHex(m.payload))).toEqual(b.wire.map((m) => toHex(m.payload)));
    expect(toHex(a.client.exchangeHash)).toBe(toHex(b.client.exchangeHash));
  });
});
