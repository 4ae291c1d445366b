/** ClientAuth and ServerAuth wired to each other in memory: whole authentication conversations. */
import { describe, expect, it } from 'vitest';
import type { AuthRequest, Decision } from '../../src/auth/server-auth.js';
import { DisconnectReason } from '../../src/errors.js';
import { publickeySignedData } from '../../src/wire/auth-messages.js';
import {
  type ClientEvent,
  keyBlob,
  makeClient,
  makeServer,
  runPair,
  SESSION_ID,
  stubSign,
} from './auth-pair.js';

const A = keyBlob('key-A');
const pubkey = (blob: Uint8Array, signAtOnce = false) => ({
  type: 'publickey' as const,
  keyType: 'ssh-ed25519',
  publicKeyBlob: blob,
  algorithms: ['ssh-ed25519'],
  signAtOnce,
});

/** An application that answers every question from a list of passwords and signs with the stub. */
function answers(passwords: string[] = [], kbd: string[][] = []) {
  return (ev: ClientEvent, client: ReturnType<typeof makeClient>) => {
    if (ev.type === 'need-password') client.answerPassword(passwords.shift() ?? null);
    if (ev.type === 'need-kbdint') client.answerKbdInt(kbd.shift() ?? null);
    if (ev.type === 'need-signature') client.answerSignature(stubSign(ev.publicKeyBlob, ev.data));
  };
}

const reject: Decision = { result: 'reject' };
const accept: Decision = { result: 'accept' };

describe('client and server together', () => {
  it('password: none first, then the password, then success', () => {
    const run = runPair(makeClient(), makeServer(), answers(['right']), (r) =>
      r.method === 'password' && r.password === 'right' ? accept : reject,
    );
    expect(run.wire).toEqual(['C5', 'S6', 'C50', 'S51', 'C50', 'S52']);
    expect(run.clientEvents.at(-1)).toEqual({ type: 'success', method: 'password' });
    expect(run.serverEvents.at(-1)).toMatchObject({
      type: 'success',
      username: 'alice',
      method: 'password',
      methods: ['password'],
    });
    expect(run.server.authenticated).toBe(true);
  });

  it('password: a wrong one, then the right one', () => {
    const run = runPair(makeClient(), makeServer(), answers(['wrong', 'right']), (r) =>
      r.method === 'password' && r.password === 'right' ? accept : reject,
    );
    const results = run.clientEvents.filter((e) => e.type === 'method-result');
    expect(results.map((e) => e.method)).toEqual(['none', 'password']);
    expect(run.clientEvents.at(-1)).toEqual({ type: 'success', method: 'password' });
    expect(run.asked.filter((r) => r.method === 'password')).toHaveLength(2);
  });

  it('publickey: opens with the query (no none probe), PK_OK, then the signed request over the RFC 4252 §7 data', () => {
    const signed: Uint8Array[] = [];
    const run = runPair(
      makeClient({ methods: [pubkey(A)] }),
      makeServer(),
      (ev, client) => {
        if (ev.type !== 'need-signature') return;
        signed.push(ev.data);
        client.answerSignature(stubSign(ev.publicKeyBlob, ev.data));
      },
      (r) => (r.method === 'publickey-query' || r.method === 'publickey' ? accept : reject),
    );
    expect(run.wire).toEqual(['C5', 'S6', 'C50', 'S60', 'C50', 'S52']);
    expect(signed).toEqual([publickeySignedData(SESSION_ID, 'alice', 'ssh-connection', 'ssh-ed25519', A)]);
    expect(run.asked.map((r) => r.method)).toEqual(['publickey-query', 'publickey']);
    expect(run.serverEvents.at(-1)).toMatchObject({
      type: 'success',
      publicKeys: [{ algorithm: 'ssh-ed25519', publicKeyBlob: A }],
    });
  });

  it('publickey signing at once: one signed request, verified, no query (RFC 4252 §7)', () => {
    const run = runPair(makeClient({ methods: [pubkey(A, true)] }), makeServer(), answers(), (r) =>
      r.method === 'publickey' ? accept : reject,
    );
    expect(run.wire).toEqual(['C5', 'S6', 'C50', 'S52']);
    expect(run.asked.map((r) => r.method)).toEqual(['publickey']);
    expect(run.clientEvents.at(-1)).toEqual({ type: 'success', method: 'publickey' });
  });

  it('publickey: a signature that does not verify never reaches the application', () => {
    for (const signAtOnce of [false, true]) {
      const run = runPair(
        makeClient({ methods: [pubkey(A, signAtOnce)] }),
        makeServer({ verifySignature: () => false }),
        answers(),
        (r) => (r.method === 'none' ? reject : accept),
      );
      // The refused key, then the `none` left for last.
      expect(run.asked.map((r) => r.method)).toEqual(signAtOnce ? ['none'] : ['publickey-query', 'none']);
      expect(run.clientEvents.at(-1)).toMatchObject({ type: 'failed' });
      expect(run.server.authenticated).toBe(false);
    }
  });

  it('a refused key, then none: a server that lets anyone in still does', () => {
    const run = runPair(makeClient({ methods: [pubkey(A, true)] }), makeServer(), answers(), (r) =>
      r.method === 'none' ? accept : reject,
    );
    expect(run.wire).toEqual(['C5', 'S6', 'C50', 'S51', 'C50', 'S52']);
    expect(run.clientEvents.at(-1)).toEqual({ type: 'success', method: 'none' });
  });

  it('keyboard-interactive with two prompts', () => {
    const prompts = [
      { prompt: 'Password: ', echo: false },
      { prompt: 'Code: ', echo: true },
    ];
    const run = runPair(
      makeClient({ methods: [{ type: 'keyboard-interactive' }] }),
      makeServer(),
      answers([], [['pw', '123456']]),
      (r) => {
        if (r.method === 'keyboard-interactive')
          return { result: 'prompts', name: 'Login', instruction: '', prompts };
        if (r.method === 'keyboard-interactive-response')
          return r.responses.join() === 'pw,123456' ? accept : reject;
        return reject;
      },
    );
    expect(run.wire).toEqual(['C5', 'S6', 'C50', 'S51', 'C50', 'S60', 'C61', 'S52']);
    expect(run.clientEvents).toContainEqual({ type: 'need-kbdint', name: 'Login', instruction: '', prompts });
    expect(run.clientEvents.at(-1)).toEqual({ type: 'success', method: 'keyboard-interactive' });
  });

  it('partial success: publickey, then password', () => {
    const run = runPair(
      makeClient({ methods: [pubkey(A), { type: 'password' }] }),
      makeServer(),
      answers(['pw']),
      (r): Decision => {
        if (r.method === 'publickey-query') return accept;
        if (r.method === 'publickey') return { result: 'partial', nextMethods: ['password'] };
        if (r.method === 'password') return accept;
        return reject;
      },
    );
    expect(run.clientEvents).toContainEqual({
      type: 'method-result',
      method: 'publickey',
      result: 'partial',
      methodsLeft: ['password'],
    });
    expect(run.serverEvents.at(-1)).toEqual({
      type: 'success',
      username: 'alice',
      method: 'password',
      methods: ['publickey', 'password'],
      publicKeys: [{ algorithm: 'ssh-ed25519', publicKeyBlob: A }],
    });
  });

  it('a password alone is not enough when the policy needs publickey too', () => {
    // The application answers 'partial' for the password and lists only publickey, which the client lacks.
    const run = runPair(makeClient(), makeServer(), answers(['pw']), (r) =>
      r.method === 'password' ? { result: 'partial', nextMethods: ['publickey'] } : reject,
    );
    expect(run.clientEvents.at(-1)).toMatchObject({ type: 'failed', error: { methodsLeft: ['publickey'] } });
    expect(run.serverEvents.some((e) => e.type === 'success')).toBe(false);
  });

  it('the sixth failure (the opening none not counted) disconnects with NO_MORE_AUTH_METHODS_AVAILABLE', () => {
    const run = runPair(
      makeClient({ maxPromptAttempts: 100 }),
      makeServer(),
      answers(Array(20).fill('wrong')),
      () => reject,
    );
    expect(run.asked.filter((r) => r.method === 'password')).toHaveLength(6);
    expect(run.wire.filter((w) => w === 'S51')).toHaveLength(6); // none + 5 wrong passwords
    const last = run.serverEvents.at(-1);
    expect(last?.type).toBe('disconnect');
    if (last?.type === 'disconnect')
      expect(last.error.reason).toBe(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE);
  });

  it('the client stops after three password tries by default', () => {
    const run = runPair(makeClient(), makeServer(), answers(Array(20).fill('wrong')), () => reject);
    expect(run.asked.filter((r) => r.method === 'password')).toHaveLength(3);
    expect(run.clientEvents.at(-1)).toMatchObject({ type: 'failed' });
  });

  it('skips a method the server never lists and keeps the configured order', () => {
    const run = runPair(
      makeClient({ methods: [{ type: 'keyboard-interactive' }, pubkey(A), { type: 'password' }] }),
      makeServer({ methods: ['password', 'publickey'] }),
      answers(['pw']),
      (r) => (r.method === 'password' ? accept : reject),
    );
    expect(run.asked.map((r: AuthRequest) => r.method)).toEqual(['none', 'publickey-query', 'password']);
  });

  it('with a key first, the opening query answers for none: its refusal lists the methods', () => {
    const run = runPair(
      makeClient({ methods: [pubkey(A), { type: 'password' }] }),
      makeServer({ methods: ['password', 'publickey'] }),
      answers(['pw']),
      (r) => (r.method === 'password' ? accept : reject),
    );
    expect(run.asked.map((r: AuthRequest) => r.method)).toEqual(['publickey-query', 'password']);
    expect(run.clientEvents.at(-1)).toEqual({ type: 'success', method: 'password' });
  });
});
