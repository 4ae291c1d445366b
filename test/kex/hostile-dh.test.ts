/** Hostile finite-field DH input: RFC 4253 §8 range checks, RFC 8270 group sizes, RFC 4419 request rules. */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/index.js';
import { KexError, UsageError } from '../../src/errors.js';
import { chooseGexGroup, dhGroupExchange } from '../../src/kex/dh-gex.js';
import { GEX_GROUPS, MODP_2048, MODP_3072, MODP_8192, OAKLEY_GROUP_2 } from '../../src/kex/dh-groups.js';
import { bitLength } from '../../src/kex/dh-keys.js';
import {
  decodeGexGroup,
  encodeDhInit,
  encodeDhReply,
  encodeGexGroup,
  encodeGexRequest,
  encodeGexRequestOld,
  KexMessage,
} from '../../src/kex/messages.js';
import { KEX_METHODS } from '../../src/kex/registry.js';
import { BACKENDS, context, fakeHostKey } from './helpers.js';

const badValues = (p: bigint): [string, bigint][] => [
  ['0', 0n],
  ['1', 1n],
  ['p-1', p - 1n],
  ['p', p],
  ['p+1', p + 1n],
  ['2^(bits(p)+1)', 2n ** BigInt(bitLength(p) + 1)],
];

describe.each(BACKENDS)('%s backend', (_label, crypto) => {
  const ctx = (seed: string) => context(crypto, seededRandom(seed));

  describe.each([
    ['diffie-hellman-group14-sha256', MODP_2048.p],
    ['diffie-hellman-group1-sha1', OAKLEY_GROUP_2.p],
  ])('%s', (name, p) => {
    const method = KEX_METHODS[name];

    it.each(badValues(p))('server refuses e = %s', (_v, e) => {
      const server = method.server(ctx('s'), fakeHostKey);
      expect(() => server.receive(encodeDhInit(e))).toThrow(KexError);
    });

    it.each(badValues(p))('client refuses f = %s', (_v, f) => {
      const client = method.client(ctx('c'));
      client.start();
      expect(() =>
        client.receive(encodeDhReply({ hostKey: fakeHostKey.blob, f, signature: new Uint8Array(1) })),
      ).toThrow(KexError);
    });

    it.each([
      ['2', 2n],
      ['p-2', p - 2n],
    ])('accepts the range ends, e = %s', (_v, e) => {
      const server = method.server(ctx('s'), fakeHostKey);
      expect(server.receive(encodeDhInit(e)).result).toBeDefined();
    });
  });

  describe('group exchange, client side', () => {
    const method = KEX_METHODS['diffie-hellman-group-exchange-sha256'];
    const clientAwaitingGroup = () => {
      const client = method.client(ctx('gex client'));
      client.start();
      return client;
    };

    it('refuses a 1024-bit group (RFC 8270 §3)', () => {
      const client = clientAwaitingGroup();
      const err = (() => {
        try {
          client.receive(encodeGexGroup(OAKLEY_GROUP_2));
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(KexError);
      expect((err as KexError).detail).toEqual({ bits: 1024, min: 2048, max: 8192 });
    });

    it('refuses a group larger than its max, and one beyond 8192 bits', () => {
      const small = dhGroupExchange('gex-test', 'sha256', {
        request: { min: 2048, n: 2048, max: 4096 },
      }).client(ctx('c'));
      small.start();
      expect(() => small.receive(encodeGexGroup(MODP_8192))).toThrow(KexError);
      expect(() => clientAwaitingGroup().receive(encodeGexGroup({ p: 2n ** 9000n - 1n, g: 2n }))).toThrow(
        KexError,
      );
    });

    it.each([
      ['an even modulus', { p: MODP_2048.p + 1n, g: 2n }],
      ['g = 0', { p: MODP_2048.p, g: 0n }],
      ['g = 1', { p: MODP_2048.p, g: 1n }],
      ['g = p-1', { p: MODP_2048.p, g: MODP_2048.p - 1n }],
      ['g = p', { p: MODP_2048.p, g: MODP_2048.p }],
    ])('refuses %s', (_what, group) => {
      expect(() => clientAwaitingGroup().receive(encodeGexGroup(group))).toThrow(KexError);
    });

    it.each(badValues(MODP_2048.p))('refuses f = %s', (_v, f) => {
      const client = clientAwaitingGroup();
      expect(client.receive(encodeGexGroup(MODP_2048)).send).toHaveLength(1);
      const reply = encodeDhReply(
        { hostKey: fakeHostKey.blob, f, signature: new Uint8Array(1) },
        KexMessage.KEX_DH_GEX_REPLY,
      );
      expect(() => client.receive(reply)).toThrow(KexError);
    });

    it.each([
      [{ min: 1024 }],
      [{ n: 1024 }],
      [{ max: 16384 }],
      [{ min: 4096, n: 3072 }],
      [{ n: 8192, max: 4096 }],
    ])('refuses a request option %j below RFC 8270 or out of order', (request) => {
      expect(() => dhGroupExchange('gex-test', 'sha256', { request })).toThrow(UsageError);
    });
  });

  describe('group exchange, server side', () => {
    const method = KEX_METHODS['diffie-hellman-group-exchange-sha256'];
    const groupBits = (request: Uint8Array) =>
      bitLength(decodeGexGroup(method.server(ctx('s'), fakeHostKey).receive(request).send[0]).p);

    it.each([
      [2048, 3072, 8192, 3072],
      [2048, 2048, 2048, 2048],
      [1024, 1024, 2048, 2048],
      [2048, 5000, 8192, 6144],
      [2048, 8192, 8192, 8192],
      [2048, 3000, 3000, 2048], // nothing ≥ n fits under max: the largest that does
      [0, 0, 0xffffffff, 2048],
    ])('REQUEST %i/%i/%i → a %i-bit group', (min, n, max, want) => {
      expect(groupBits(encodeGexRequest({ min, n, max }))).toBe(want);
    });

    it.each([
      [4096, 2048, 8192],
      [2048, 8192, 4096],
    ])('refuses an unordered REQUEST %i/%i/%i', (min, n, max) => {
      expect(() => method.server(ctx('s'), fakeHostKey).receive(encodeGexRequest({ min, n, max }))).toThrow(
        KexError,
      );
    });

    it('refuses a REQUEST it has no group for, blaming policy', () => {
      const server = method.server(ctx('s'), fakeHostKey);
      expect(() => server.receive(encodeGexRequest({ min: 1024, n: 1024, max: 1536 }))).toThrow(
        expect.objectContaining({ blame: 'policy' }),
      );
      const between = method.server(ctx('s'), fakeHostKey);
      expect(() => between.receive(encodeGexRequest({ min: 4000, n: 4000, max: 4095 }))).toThrow(KexError);
    });

    it.each([
      [1024, 2048],
      [3072, 3072],
      [100000, 8192],
    ])('REQUEST_OLD n = %i → a %i-bit group (never under 2048)', (n, want) => {
      expect(groupBits(encodeGexRequestOld(n))).toBe(want);
    });

    it.each(badValues(MODP_3072.p))('refuses e = %s in KEX_DH_GEX_INIT', (_v, e) => {
      const server = method.server(ctx('s'), fakeHostKey);
      server.receive(encodeGexRequest({ min: 2048, n: 3072, max: 8192 }));
      expect(() => server.receive(encodeDhInit(e, KexMessage.KEX_DH_GEX_INIT))).toThrow(KexError);
    });
  });
});

describe('chooseGexGroup', () => {
  it('falls back to the largest group within range when none reaches n', () => {
    expect(chooseGexGroup([MODP_3072, MODP_2048], { min: 2048, n: 4096, max: 8192 })?.bits).toBe(3072);
    expect(chooseGexGroup(GEX_GROUPS, { min: 9000, n: 9000, max: 10000 })).toBeUndefined();
  });
});
