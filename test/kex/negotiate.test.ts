/** RFC 4253 §7.1 negotiation on hand-built KEXINIT lists. */
import { describe, expect, it } from 'vitest';
import { KexError } from '../../src/errors.js';
import type { KexInitLists } from '../../src/kex/kexinit-lists.js';
import { guessWasRight, negotiate } from '../../src/kex/negotiate.js';

const AEAD = new Set(['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-gcm@openssh.com']);
const opts = { isAead: (c: string) => AEAD.has(c) };

function lists(over: Partial<KexInitLists> = {}): KexInitLists {
  return {
    kex: ['curve25519-sha256', 'ecdh-sha2-nistp256'],
    hostKey: ['ssh-ed25519', 'rsa-sha2-256'],
    cipherCS: ['aes128-ctr'],
    cipherSC: ['aes128-ctr'],
    macCS: ['hmac-sha2-256'],
    macSC: ['hmac-sha2-256'],
    compCS: ['none'],
    compSC: ['none'],
    langCS: [],
    langSC: [],
    ...over,
  };
}

function caught(f: () => unknown): KexError {
  try {
    f();
  } catch (e) {
    if (e instanceof KexError) return e;
    throw e;
  }
  throw new Error('expected a KexError');
}

describe('negotiate', () => {
  it.each([
    ['kex', ['a', 'b', 'c'], ['c', 'b'], 'b'],
    ['kex', ['c', 'b'], ['a', 'b', 'c'], 'c'],
    ['hostKey', ['rsa-sha2-512', 'ssh-ed25519'], ['ssh-ed25519', 'rsa-sha2-512'], 'rsa-sha2-512'],
    ['cipherCS', ['aes256-ctr', 'aes128-ctr'], ['aes128-ctr', 'aes256-ctr'], 'aes256-ctr'],
    ['cipherSC', ['aes128-ctr', 'aes256-ctr'], ['aes256-ctr'], 'aes256-ctr'],
    ['macCS', ['hmac-sha2-512', 'hmac-sha2-256'], ['hmac-sha2-256', 'hmac-sha2-512'], 'hmac-sha2-512'],
    ['compSC', ['zlib@openssh.com', 'none'], ['none', 'zlib@openssh.com'], 'zlib@openssh.com'],
  ] as const)('%s: client %j, server %j → %s (the client’s order wins)', (kind, client, server, want) => {
    const got = negotiate(lists({ [kind]: [...client] }), lists({ [kind]: [...server] }), opts);
    expect(got[kind as keyof typeof got]).toBe(want);
  });

  it('chooses per direction independently', () => {
    const got = negotiate(
      lists({
        cipherCS: ['aes128-ctr'],
        cipherSC: ['aes256-ctr'],
        macCS: ['hmac-sha1'],
        macSC: ['hmac-sha2-512'],
      }),
      lists({
        cipherCS: ['aes128-ctr', 'aes256-ctr'],
        cipherSC: ['aes128-ctr', 'aes256-ctr'],
        macCS: ['hmac-sha1', 'hmac-sha2-512'],
        macSC: ['hmac-sha1', 'hmac-sha2-512'],
      }),
      opts,
    );
    expect(got).toMatchObject({
      cipherCS: 'aes128-ctr',
      cipherSC: 'aes256-ctr',
      macCS: 'hmac-sha1',
      macSC: 'hmac-sha2-512',
    });
  });

  it('does not negotiate a MAC for an AEAD cipher, even with no MAC in common', () => {
    const got = negotiate(
      lists({
        cipherCS: ['chacha20-poly1305@openssh.com'],
        cipherSC: ['aes128-ctr'],
        macCS: ['x'],
        macSC: ['hmac-sha2-256'],
      }),
      lists({
        cipherCS: ['chacha20-poly1305@openssh.com'],
        cipherSC: ['aes128-ctr'],
        macCS: ['y'],
        macSC: ['hmac-sha2-256'],
      }),
      opts,
    );
    expect(got.macCS).toBeUndefined();
    expect(got.macSC).toBe('hmac-sha2-256');
  });

  it('never picks a pseudo-algorithm as the kex', () => {
    const pseudo = [
      'ext-info-c',
      'ext-info-s',
      'kex-strict-c-v00@openssh.com',
      'kex-strict-s-v00@openssh.com',
    ];
    const got = negotiate(
      lists({ kex: [...pseudo, 'curve25519-sha256'] }),
      lists({ kex: [...pseudo, 'curve25519-sha256'] }),
      opts,
    );
    expect(got.kex).toBe('curve25519-sha256');
    const e = caught(() => negotiate(lists({ kex: pseudo }), lists({ kex: pseudo }), opts));
    expect(e.detail).toEqual({ kind: 'kex', ours: pseudo, theirs: pseudo });
  });

  it('skips host-key algorithms the caller cannot use', () => {
    const got = negotiate(
      lists({ hostKey: ['ssh-rsa', 'ssh-ed25519'] }),
      lists({ hostKey: ['ssh-rsa', 'ssh-ed25519'] }),
      {
        ...opts,
        hostKeyUsable: (a) => a !== 'ssh-rsa',
      },
    );
    expect(got.hostKey).toBe('ssh-ed25519');
  });

  it.each(['kex', 'hostKey', 'cipherCS', 'cipherSC', 'macCS', 'macSC', 'compCS', 'compSC'] as const)(
    'no common %s → KexError with { kind, ours, theirs }',
    (kind) => {
      const e = caught(() =>
        negotiate(lists({ [kind]: ['only-client'] }), lists({ [kind]: ['only-server'] }), opts),
      );
      expect(e.detail).toEqual({ kind, ours: ['only-client'], theirs: ['only-server'] });
      expect(e.reason).toBe(3); // KEY_EXCHANGE_FAILED
    },
  );

  it('labels ours/theirs from the server’s view when told so', () => {
    const e = caught(() =>
      negotiate(lists({ kex: ['c'] }), lists({ kex: ['s'] }), { ...opts, side: 'server' }),
    );
    expect(e.detail).toEqual({ kind: 'kex', ours: ['s'], theirs: ['c'] });
  });

  it('an empty list on either side has nothing in common', () => {
    expect(() => negotiate(lists({ compCS: [] }), lists(), opts)).toThrow(KexError);
    expect(() => negotiate(lists(), lists({ compCS: [] }), opts)).toThrow(KexError);
  });

  it('ignores the language lists', () => {
    expect(() => negotiate(lists({ langCS: ['en'] }), lists({ langCS: ['fr'] }), opts)).not.toThrow();
  });
});

describe('guessWasRight (RFC 4253 §7 first_kex_packet_follows)', () => {
  it.each([
    [['a', 'b'], ['s1'], ['a', 'x'], ['s1', 's2'], true],
    [['a', 'b'], ['s1'], ['b', 'a'], ['s1'], false], // kex preferences differ, though 'a' would be chosen
    [['a'], ['s1', 's2'], ['a'], ['s2', 's1'], false], // host-key preferences differ
    [[], ['s1'], [], ['s1'], false],
  ] as const)('client kex %j hostKey %j, server kex %j hostKey %j → %s', (ck, ch, sk, sh, want) => {
    expect(
      guessWasRight(lists({ kex: [...ck], hostKey: [...ch] }), lists({ kex: [...sk], hostKey: [...sh] })),
    ).toBe(want);
  });
});
