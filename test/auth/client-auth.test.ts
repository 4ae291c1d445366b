/** ClientAuth driven by hand-made server messages, including the ones a hostile server would send. */
import { describe, expect, it } from 'vitest';
import type { ClientAuth, ClientAuthMethod, ClientAuthOutput } from '../../src/auth/client-auth.js';
import { pickSignatureAlgorithm } from '../../src/auth/signature-algorithm.js';
import { AuthError, ProtocolError, UsageError } from '../../src/errors.js';
import * as am from '../../src/wire/auth-messages.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { encodeServiceAccept, encodeServiceRequest } from '../../src/wire/transport-messages.js';
import { drain, keyBlob, makeClient, SESSION_ID } from './auth-pair.js';

const A = keyBlob('key-A');
const RSA_ALGS = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
const rsaKey: ClientAuthMethod = {
  type: 'publickey',
  keyType: 'ssh-rsa',
  publicKeyBlob: A,
  algorithms: RSA_ALGS,
};
const base = { user: 'alice', service: 'ssh-connection' };

const failure = (methods: string[], partial = false) => am.encodeUserauthFailure(methods, partial);

/** A client that has sent `none` and had it refused with `methods`; returns what it did next. */
function afterNone(client: ClientAuth, methods: string[]): ClientAuthOutput[] {
  client.start();
  client.receive(encodeServiceAccept('ssh-userauth'));
  expect(drain(client)).toEqual([
    { type: 'send', payload: encodeServiceRequest('ssh-userauth') },
    { type: 'send', payload: am.encodeUserauthRequest({ ...base, method: 'none' }) },
  ]);
  client.receive(failure(methods));
  return drain(client);
}

/** A client whose first method is publickey: it opens with that key's request, no `none` first. */
function opened(client: ClientAuth): ClientAuthOutput[] {
  client.start();
  client.receive(encodeServiceAccept('ssh-userauth'));
  const outs = drain(client);
  expect(outs[0]).toEqual({ type: 'send', payload: encodeServiceRequest('ssh-userauth') });
  return outs.slice(1);
}

const sentRequests = (outs: ClientAuthOutput[]) =>
  outs.flatMap((o) =>
    o.type === 'send' && o.payload[0] === MSG.USERAUTH_REQUEST ? [am.decodeUserauthRequest(o.payload)] : [],
  );

describe('ClientAuth: order of messages', () => {
  it('starts once, with SERVICE_REQUEST ssh-userauth', () => {
    const c = makeClient();
    c.start();
    expect(drain(c)).toEqual([{ type: 'send', payload: encodeServiceRequest('ssh-userauth') }]);
    expect(() => c.start()).toThrow(UsageError);
  });

  it('refuses SUCCESS, FAILURE, BANNER or PK_OK before it sent any request (CVE-2023-46446 class)', () => {
    for (const payload of [
      am.encodeUserauthSuccess(),
      failure(['password']),
      am.encodeUserauthBanner('x'),
      am.encodeUserauthPkOk('a', A),
    ]) {
      const c = makeClient();
      expect(() => c.receive(payload), 'before start').toThrow(ProtocolError);
      const d = makeClient();
      d.start();
      expect(() => d.receive(payload), 'before SERVICE_ACCEPT').toThrow(ProtocolError);
    }
  });

  it('refuses a SERVICE_ACCEPT for another service', () => {
    const c = makeClient();
    c.start();
    expect(() => c.receive(encodeServiceAccept('ssh-connection'))).toThrow(ProtocolError);
  });

  it('refuses client-to-server and unknown messages, and stays refused', () => {
    for (const payload of [
      am.encodeUserauthRequest({ ...base, method: 'none' }),
      am.encodeUserauthInfoResponse([]),
      Uint8Array.of(MSG.CHANNEL_DATA),
      Uint8Array.of(200),
    ]) {
      const c = makeClient();
      afterNone(c, ['password']);
      expect(() => c.receive(payload), `message ${payload[0]}`).toThrow(ProtocolError);
      expect(() => c.receive(am.encodeUserauthBanner('x'))).toThrow(ProtocolError);
    }
  });

  it('refuses message 60 when no method that uses it is pending', () => {
    const c = makeClient();
    c.start();
    c.receive(encodeServiceAccept('ssh-userauth'));
    expect(() => c.receive(am.encodeUserauthPkOk('ssh-ed25519', A))).toThrow(ProtocolError);
    // INFO_REQUEST while waiting for the application (no request in flight):
    const d = makeClient();
    afterNone(d, ['password']);
    const info = am.encodeUserauthInfoRequest({ name: '', instruction: '', language: '', prompts: [] });
    expect(() => d.receive(info)).toThrow(ProtocolError);
  });

  it('refuses SUCCESS while the application is still answering', () => {
    const c = makeClient();
    afterNone(c, ['password']);
    expect(() => c.receive(am.encodeUserauthSuccess())).toThrow(ProtocolError);
  });

  it('passes banners on while authenticating', () => {
    const c = makeClient();
    afterNone(c, ['password']);
    c.receive(am.encodeUserauthBanner('Hello\r\n', 'en'));
    expect(drain(c)).toEqual([{ type: 'banner', message: 'Hello\r\n', language: 'en' }]);
  });
});

describe('ClientAuth: publickey', () => {
  it('queries first, signs only after PK_OK, then sends the signed request', () => {
    const c = makeClient({ methods: [rsaKey] });
    const [q] = sentRequests(opened(c));
    expect(q).toEqual({ ...base, method: 'publickey', algorithm: 'rsa-sha2-512', publicKeyBlob: A });
    c.receive(am.encodeUserauthPkOk('rsa-sha2-512', A));
    const [ask] = drain(c);
    expect(ask).toEqual({
      type: 'need-signature',
      algorithm: 'rsa-sha2-512',
      publicKeyBlob: A,
      data: am.publickeySignedData(SESSION_ID, 'alice', 'ssh-connection', 'rsa-sha2-512', A),
    });
    c.answerSignature(Uint8Array.of(1, 2, 3));
    expect(sentRequests(drain(c))).toEqual([{ ...q, signature: Uint8Array.of(1, 2, 3) }]);
    c.receive(am.encodeUserauthSuccess());
    expect(drain(c)).toEqual([{ type: 'success', method: 'publickey' }]);
    expect(c.finished).toBe(true);
  });

  it('refuses a PK_OK for another key or algorithm', () => {
    for (const pkOk of [
      am.encodeUserauthPkOk('rsa-sha2-512', keyBlob('other')),
      am.encodeUserauthPkOk('ssh-rsa', A),
    ]) {
      const c = makeClient({ methods: [rsaKey] });
      opened(c);
      expect(() => c.receive(pkOk)).toThrow(ProtocolError);
    }
  });

  it('picks the first of its algorithms that server-sig-algs lists (RFC 8332 §3.1)', () => {
    expect(pickSignatureAlgorithm(RSA_ALGS, ['ssh-ed25519', 'rsa-sha2-256', 'ssh-rsa'])).toBe('rsa-sha2-256');
    expect(pickSignatureAlgorithm(RSA_ALGS, undefined)).toBe('rsa-sha2-512');
    expect(pickSignatureAlgorithm(RSA_ALGS, ['ssh-ed25519'])).toBe('rsa-sha2-512');
    expect(pickSignatureAlgorithm([], ['ssh-rsa'])).toBeUndefined();
    const c = makeClient({ methods: [rsaKey], serverSigAlgs: ['ssh-rsa'] });
    expect(sentRequests(opened(c))[0]).toMatchObject({ algorithm: 'ssh-rsa' });
    const d = makeClient({ methods: [rsaKey] });
    d.setServerSigAlgs(['rsa-sha2-256']);
    expect(sentRequests(opened(d))[0]).toMatchObject({ algorithm: 'rsa-sha2-256' });
  });

  it('a refused query moves on to the next key without signing; null skips a key', () => {
    const B = keyBlob('key-B');
    const c = makeClient({
      methods: [
        rsaKey,
        { type: 'publickey', keyType: 'ssh-ed25519', publicKeyBlob: B, algorithms: ['ssh-ed25519'] },
      ],
    });
    opened(c);
    c.receive(failure(['publickey']));
    const outs = drain(c);
    expect(outs.some((o) => o.type === 'need-signature')).toBe(false);
    expect(sentRequests(outs)).toEqual([
      { ...base, method: 'publickey', algorithm: 'ssh-ed25519', publicKeyBlob: B },
    ]);
    c.receive(am.encodeUserauthPkOk('ssh-ed25519', B));
    drain(c);
    c.answerSignature(null);
    // No key left: `none`, which the opening query stood in for, is tried last; its refusal ends it.
    expect(sentRequests(drain(c))).toEqual([{ ...base, method: 'none' }]);
    c.receive(failure(['publickey']));
    expect(drain(c).at(-1)).toMatchObject({ type: 'failed' });
  });

  it('a key held here signs at once: the first request carries the signature', () => {
    const c = makeClient({ methods: [{ ...rsaKey, signAtOnce: true }], serverSigAlgs: ['rsa-sha2-256'] });
    expect(opened(c)).toEqual([
      {
        type: 'need-signature',
        algorithm: 'rsa-sha2-256',
        publicKeyBlob: A,
        data: am.publickeySignedData(SESSION_ID, 'alice', 'ssh-connection', 'rsa-sha2-256', A),
      },
    ]);
    c.answerSignature(Uint8Array.of(7));
    expect(sentRequests(drain(c))).toEqual([
      {
        ...base,
        method: 'publickey',
        algorithm: 'rsa-sha2-256',
        publicKeyBlob: A,
        signature: Uint8Array.of(7),
      },
    ]);
    // A signed request is answered by SUCCESS or FAILURE, never PK_OK.
    expect(() => c.receive(am.encodeUserauthPkOk('rsa-sha2-256', A))).toThrow(ProtocolError);
  });

  it('a refused signed key moves on to the next configured method the server lists', () => {
    const c = makeClient({ methods: [{ ...rsaKey, signAtOnce: true }, { type: 'password' }] });
    opened(c);
    c.answerSignature(Uint8Array.of(7));
    drain(c);
    c.receive(failure(['password', 'publickey']));
    expect(drain(c)).toEqual([
      {
        type: 'method-result',
        method: 'publickey',
        result: 'failure',
        methodsLeft: ['password', 'publickey'],
      },
      { type: 'need-password', changeRequest: false },
    ]);
  });
});

describe('ClientAuth: password and keyboard-interactive', () => {
  it('asks for the password only once the server lists it', () => {
    const c = makeClient({ methods: [{ type: 'keyboard-interactive' }, { type: 'password' }] });
    expect(afterNone(c, ['password', 'publickey']).at(-1)).toEqual({
      type: 'need-password',
      changeRequest: false,
    });
  });

  it('handles a password change request', () => {
    const c = makeClient();
    afterNone(c, ['password']);
    c.answerPassword('old');
    drain(c);
    c.receive(am.encodeUserauthPasswdChangeReq('Password expired', ''));
    expect(drain(c)).toEqual([{ type: 'need-password', prompt: 'Password expired', changeRequest: true }]);
    expect(() => c.answerPassword('old')).toThrow(UsageError);
  });

  it('sends old and new password after a change request', () => {
    const c = makeClient();
    afterNone(c, ['password']);
    c.answerPassword('old');
    drain(c);
    c.receive(am.encodeUserauthPasswdChangeReq('Password expired', ''));
    drain(c);
    c.answerPassword('old', 'new');
    expect(sentRequests(drain(c))).toEqual([
      { ...base, method: 'password', password: 'old', newPassword: 'new' },
    ]);
  });

  it('keyboard-interactive: prompts out, one answer per prompt back', () => {
    const c = makeClient({ methods: [{ type: 'keyboard-interactive', submethods: 'pam' }] });
    const [req] = sentRequests(afterNone(c, ['keyboard-interactive']));
    expect(req).toEqual({ ...base, method: 'keyboard-interactive', language: '', submethods: 'pam' });
    const prompts = [
      { prompt: 'Password: ', echo: false },
      { prompt: 'Code: ', echo: true },
    ];
    c.receive(am.encodeUserauthInfoRequest({ name: 'n', instruction: 'i', language: '', prompts }));
    expect(drain(c)).toEqual([{ type: 'need-kbdint', name: 'n', instruction: 'i', prompts }]);
    expect(() => c.answerKbdInt(['one'])).toThrow(UsageError);
  });

  it('keyboard-interactive: answers go out as INFO_RESPONSE, and a second round is allowed', () => {
    const c = makeClient({ methods: [{ type: 'keyboard-interactive' }] });
    afterNone(c, ['keyboard-interactive']);
    for (const answer of [['a'], []]) {
      const prompts = answer.map((a) => ({ prompt: a, echo: false }));
      c.receive(am.encodeUserauthInfoRequest({ name: '', instruction: '', language: '', prompts }));
      drain(c);
      c.answerKbdInt(answer);
      expect(drain(c)).toEqual([{ type: 'send', payload: am.encodeUserauthInfoResponse(answer) }]);
    }
    c.receive(am.encodeUserauthSuccess());
    expect(drain(c)).toEqual([{ type: 'success', method: 'keyboard-interactive' }]);
  });

  it('keyboard-interactive: null abandons it for the next method with a new request', () => {
    const c = makeClient({ methods: [{ type: 'keyboard-interactive' }, { type: 'password' }] });
    afterNone(c, ['keyboard-interactive', 'password']);
    c.receive(
      am.encodeUserauthInfoRequest({
        name: '',
        instruction: '',
        language: '',
        prompts: [{ prompt: 'p', echo: false }],
      }),
    );
    drain(c);
    c.answerKbdInt(null);
    expect(drain(c)).toEqual([{ type: 'need-password', changeRequest: false }]);
  });

  it('answers out of turn are usage errors', () => {
    const c = makeClient();
    expect(() => c.answerPassword('x')).toThrow(UsageError);
    afterNone(c, ['password']);
    expect(() => c.answerSignature(Uint8Array.of(1))).toThrow(UsageError);
    expect(() => c.answerKbdInt([])).toThrow(UsageError);
  });

  it('ends with failed and the methods left when nothing configured is listed', () => {
    const c = makeClient({ methods: [{ type: 'none' }, { type: 'password' }] });
    const outs = afterNone(c, ['publickey']);
    expect(outs).toEqual([
      { type: 'method-result', method: 'none', result: 'failure', methodsLeft: ['publickey'] },
      { type: 'failed', error: expect.any(AuthError) },
    ]);
    const last = outs.at(-1);
    if (last?.type === 'failed') expect(last.error.methodsLeft).toEqual(['publickey']);
    expect(c.finished).toBe(true);
  });

  it('succeeds at once when the server accepts none', () => {
    const c = makeClient();
    c.start();
    c.receive(encodeServiceAccept('ssh-userauth'));
    drain(c);
    c.receive(am.encodeUserauthSuccess());
    expect(drain(c)).toEqual([{ type: 'success', method: 'none' }]);
  });
});
