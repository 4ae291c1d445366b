/** ServerAuth driven by hand-made client messages, including the ones a hostile client would send. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServerAuth, ServerAuthOutput } from '../../src/auth/server-auth.js';
import { DisconnectReason, ProtocolError, UsageError } from '../../src/errors.js';
import * as am from '../../src/wire/auth-messages.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { encodeServiceAccept, encodeServiceRequest } from '../../src/wire/transport-messages.js';
import { drain, keyBlob, makeServer, SESSION_ID, stubSign } from './auth-pair.js';

const A = keyBlob('key-A');
const B = keyBlob('key-B');
const ALG = 'ssh-ed25519';

type Req = am.UserauthRequest;
type PublickeyReq = Extract<Req, { method: 'publickey' }>;
type PasswordReq = Extract<Req, { method: 'password' }>;
const base = { user: 'alice', service: 'ssh-connection' };
const none: Req = { ...base, method: 'none' };
const password = (pw: string, user = 'alice'): PasswordReq => ({
  ...base,
  user,
  method: 'password',
  password: pw,
});
const query = (blob: Uint8Array, user = 'alice'): PublickeyReq => ({
  ...base,
  user,
  method: 'publickey',
  algorithm: ALG,
  publicKeyBlob: blob,
});
/** A signed request whose signature was made over `signedFor` (by default, exactly this request). */
function signed(
  blob: Uint8Array,
  user = 'alice',
  signedFor?: { sessionId?: Uint8Array; user?: string; service?: string; alg?: string },
): Req {
  const data = am.publickeySignedData(
    signedFor?.sessionId ?? SESSION_ID,
    signedFor?.user ?? user,
    signedFor?.service ?? 'ssh-connection',
    signedFor?.alg ?? ALG,
    blob,
  );
  return { ...query(blob, user), signature: stubSign(blob, data) };
}

/** A server past SERVICE_ACCEPT, with its outputs drained. */
function ready(opts: Parameters<typeof makeServer>[0] = {}): ServerAuth {
  const s = makeServer(opts);
  s.receive(encodeServiceRequest('ssh-userauth'));
  expect(drain(s)).toEqual([{ type: 'send', payload: encodeServiceAccept('ssh-userauth') }]);
  return s;
}

function send(s: ServerAuth, req: Req): ServerAuthOutput[] {
  s.receive(am.encodeUserauthRequest(req));
  return drain(s);
}

function decideId(outs: ServerAuthOutput[]): number {
  const d = outs.find((o) => o.type === 'decide');
  if (d?.type !== 'decide') throw new Error(`no decide in ${JSON.stringify(outs)}`);
  return d.id;
}

const sent = (outs: ServerAuthOutput[]) => outs.flatMap((o) => (o.type === 'send' ? [o.payload[0]] : []));

describe('ServerAuth: order of messages', () => {
  it('refuses USERAUTH_REQUEST before SERVICE_REQUEST (CVE-2023-46446 class)', () => {
    const s = makeServer();
    expect(() => s.receive(am.encodeUserauthRequest(none))).toThrow(ProtocolError);
    expect(drain(s)).toEqual([]);
  });

  it('disconnects with SERVICE_NOT_AVAILABLE for another service', () => {
    for (const payload of [encodeServiceRequest('ssh-connection')]) {
      const s = makeServer();
      s.receive(payload);
      const [out] = drain(s);
      expect(out.type === 'disconnect' && out.error.reason).toBe(DisconnectReason.SERVICE_NOT_AVAILABLE);
    }
    const s = ready();
    const [out] = send(s, { ...none, service: 'other-service' });
    expect(out.type === 'disconnect' && out.error.reason).toBe(DisconnectReason.SERVICE_NOT_AVAILABLE);
  });

  it('refuses server-to-client messages from the client and stays unauthenticated (CVE-2018-10933)', () => {
    const serverOnly = [
      encodeServiceAccept('ssh-userauth'),
      am.encodeUserauthFailure(['password'], false),
      am.encodeUserauthSuccess(),
      am.encodeUserauthBanner('hi'),
      am.encodeUserauthPkOk(ALG, A),
      Uint8Array.of(MSG.CHANNEL_OPEN),
      Uint8Array.of(MSG.SERVICE_REQUEST + 100),
    ];
    for (const payload of serverOnly) {
      const s = ready();
      expect(() => s.receive(payload), `message ${payload[0]}`).toThrow(ProtocolError);
      expect(s.authenticated).toBe(false);
      // Errors are sticky: the machine accepts nothing more.
      s.receive(am.encodeUserauthRequest(none));
      expect(drain(s)).toEqual([]);
    }
  });

  it('refuses INFO_RESPONSE outside keyboard-interactive, and a second SERVICE_REQUEST', () => {
    expect(() => ready().receive(am.encodeUserauthInfoResponse([]))).toThrow(ProtocolError);
    expect(() => ready().receive(encodeServiceRequest('ssh-userauth'))).toThrow(ProtocolError);
  });

  it('sends the banner once, before the first reply', () => {
    const s = ready({ banner: 'Authorised use only' });
    const outs = send(s, none);
    expect(sent(outs)).toEqual([]);
    s.decide(decideId(outs), { result: 'reject' });
    expect(sent(drain(s))).toEqual([MSG.USERAUTH_BANNER, MSG.USERAUTH_FAILURE]);
    s.decide(decideId(send(s, password('x'))), { result: 'reject' });
    expect(sent(drain(s))).toEqual([MSG.USERAUTH_FAILURE]);
  });

  it('ignores every authentication message after success (RFC 4252 §5.1)', () => {
    const s = ready();
    s.decide(decideId(send(s, password('pw'))), { result: 'accept' });
    expect(drain(s).map((o) => o.type)).toEqual(['send', 'success']);
    for (const payload of [
      am.encodeUserauthRequest(password('again', 'bob')),
      am.encodeUserauthInfoResponse(['x']),
      Uint8Array.of(79),
    ]) {
      s.receive(payload);
      expect(drain(s)).toEqual([]);
    }
    expect(() => s.receive(Uint8Array.of(MSG.CHANNEL_OPEN))).toThrow(ProtocolError);
  });
});

describe('ServerAuth: publickey', () => {
  it('answers a query with PK_OK and never with success', () => {
    const s = ready();
    const outs = send(s, query(A));
    expect(outs).toEqual([
      {
        type: 'decide',
        id: 1,
        request: {
          username: 'alice',
          service: 'ssh-connection',
          method: 'publickey-query',
          algorithm: ALG,
          publicKeyBlob: A,
        },
      },
    ]);
    s.decide(1, { result: 'accept' });
    expect(drain(s)).toEqual([{ type: 'send', payload: am.encodeUserauthPkOk(ALG, A) }]);
    expect(s.authenticated).toBe(false);
    expect(() =>
      s.decide(decideId(send(s, query(B))), { result: 'partial', nextMethods: ['password'] }),
    ).toThrow(UsageError);
  });

  it('query key A, then a signature by key B: the application is asked about B only (CVE-2024-45337)', () => {
    const s = ready();
    s.decide(decideId(send(s, query(A))), { result: 'accept' });
    drain(s);
    const outs = send(s, signed(B));
    expect(outs).toEqual([
      {
        type: 'decide',
        id: 2,
        request: {
          username: 'alice',
          service: 'ssh-connection',
          method: 'publickey',
          algorithm: ALG,
          publicKeyBlob: B,
        },
      },
    ]);
    s.decide(2, { result: 'accept' });
    expect(drain(s).at(-1)).toMatchObject({ type: 'success', publicKeys: [{ publicKeyBlob: B }] });
  });

  it('in any order of queries and signatures, a publickey decision names the key that signed', () => {
    const keys = [A, B, keyBlob('key-C')];
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.nat(2), sign: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        (steps) => {
          const s = ready({ maxAttempts: 100 });
          for (const step of steps) {
            const blob = keys[step.key];
            for (const o of send(s, step.sign ? signed(blob) : query(blob))) {
              if (o.type !== 'decide') continue;
              if (o.request.method === 'publickey') expect(o.request.publicKeyBlob).toEqual(blob);
              s.decide(o.id, { result: o.request.method === 'publickey-query' ? 'accept' : 'reject' });
            }
            drain(s);
          }
        },
      ),
      { seed: 45337, numRuns: 1000 },
    );
  });

  it('a signature over another session id, user, service or algorithm never verifies', () => {
    const forgeries = [
      signed(A, 'alice', { sessionId: new Uint8Array(32) }),
      signed(A, 'alice', { user: 'bob' }),
      signed(A, 'alice', { service: 'ssh-userauth' }),
      signed(A, 'alice', { alg: 'rsa-sha2-256' }),
      { ...signed(A), publicKeyBlob: B },
    ];
    for (const req of forgeries) {
      const s = ready();
      expect(sent(send(s, req))).toEqual([MSG.USERAUTH_FAILURE]);
    }
  });

  it('a verifier that throws or returns a truthy non-true value fails closed', () => {
    for (const verifySignature of [
      () => {
        throw new Error('boom');
      },
      () => 1 as unknown as boolean,
    ]) {
      const s = ready({ verifySignature });
      expect(sent(send(s, signed(A)))).toEqual([MSG.USERAUTH_FAILURE]);
    }
  });

  it('refuses algorithms outside acceptableAlgorithms without asking', () => {
    const s = ready({ acceptableAlgorithms: ['rsa-sha2-512'] });
    expect(sent(send(s, query(A)))).toEqual([MSG.USERAUTH_FAILURE]);
  });
});

describe('ServerAuth: decisions and state', () => {
  it('ignores decisions for stale ids: a new request cancels the pending one', () => {
    const s = ready();
    const first = decideId(send(s, password('a')));
    const second = decideId(send(s, password('b')));
    expect(s.decide(first, { result: 'accept' })).toBe(false);
    expect(drain(s)).toEqual([]);
    expect(s.decide(second, { result: 'accept' })).toBe(true);
    expect(s.decide(second, { result: 'accept' })).toBe(false);
    expect(s.authenticated).toBe(true);
  });

  it('a change of user name resets partial successes', () => {
    const s = ready();
    s.decide(decideId(send(s, signed(A))), { result: 'partial', nextMethods: ['keyboard-interactive'] });
    expect(drain(s)).toEqual([
      { type: 'send', payload: am.encodeUserauthFailure(['keyboard-interactive'], true) },
    ]);
    // alice may now only continue with keyboard-interactive...
    expect(sent(send(s, password('pw')))).toEqual([MSG.USERAUTH_FAILURE]);
    // ...but bob starts from scratch, and alice's publickey step is not his.
    s.decide(decideId(send(s, password('pw', 'bob'))), { result: 'accept' });
    expect(drain(s).at(-1)).toEqual({
      type: 'success',
      username: 'bob',
      method: 'password',
      methods: ['password'],
      publicKeys: [],
    });
  });

  it('a change of user name abandons pending keyboard-interactive', () => {
    const s = ready();
    s.decide(decideId(send(s, { ...base, method: 'keyboard-interactive', submethods: '' })), {
      result: 'prompts',
      prompts: [{ prompt: 'p', echo: false }],
    });
    drain(s);
    send(s, none);
    expect(() => s.receive(am.encodeUserauthInfoResponse(['x']))).toThrow(ProtocolError);
  });

  it('keyboard-interactive: the response count must equal the prompts sent', () => {
    const s = ready();
    s.decide(decideId(send(s, { ...base, method: 'keyboard-interactive', submethods: '' })), {
      result: 'prompts',
      prompts: [
        { prompt: 'a', echo: false },
        { prompt: 'b', echo: false },
      ],
    });
    drain(s);
    expect(() => s.receive(am.encodeUserauthInfoResponse(['only one']))).toThrow(ProtocolError);
  });

  it('keyboard-interactive: an answer over 1 KiB fails without asking the application', () => {
    const s = ready();
    s.decide(decideId(send(s, { ...base, method: 'keyboard-interactive', submethods: '' })), {
      result: 'prompts',
      prompts: [{ prompt: 'a', echo: false }],
    });
    drain(s);
    s.receive(am.encodeUserauthInfoResponse(['x'.repeat(1025)]));
    expect(drain(s)).toEqual([
      {
        type: 'send',
        payload: am.encodeUserauthFailure(['publickey', 'password', 'keyboard-interactive'], false),
        isFailure: true,
      },
    ]);
  });

  it('change-password sends PASSWD_CHANGEREQ and takes the new password next', () => {
    const s = ready();
    s.decide(decideId(send(s, password('old'))), { result: 'change-password', prompt: 'expired' });
    expect(drain(s)).toEqual([{ type: 'send', payload: am.encodeUserauthPasswdChangeReq('expired') }]);
    const outs = send(s, { ...password('old'), newPassword: 'new' });
    expect(outs).toMatchObject([
      { type: 'decide', request: { method: 'password', password: 'old', newPassword: 'new' } },
    ]);
  });

  it('only the opening none is free; partial successes do not count', () => {
    const s = ready({ maxAttempts: 2 });
    const step = (req: Req, d: Parameters<ServerAuth['decide']>[1]) => {
      s.decide(decideId(send(s, req)), d);
      return drain(s);
    };
    expect(sent(step(none, { result: 'reject' }))).toEqual([MSG.USERAUTH_FAILURE]);
    expect(sent(step(password('a'), { result: 'partial', nextMethods: ['password'] }))).toEqual([
      MSG.USERAUTH_FAILURE,
    ]);
    expect(sent(step(none, { result: 'reject' }))).toEqual([MSG.USERAUTH_FAILURE]); // failure 1
    expect(step(none, { result: 'reject' })).toMatchObject([
      { type: 'disconnect', error: { reason: DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE } },
    ]); // failure 2: the limit
  });

  it('unknown and unlisted methods count as failures', () => {
    const s = ready({ methods: ['publickey'], maxAttempts: 2 });
    const hostbased: Req = { ...base, method: 'unsupported', name: 'hostbased', tail: new Uint8Array(3) };
    expect(sent(send(s, hostbased))).toEqual([MSG.USERAUTH_FAILURE]);
    expect(send(s, password('pw'))).toMatchObject([{ type: 'disconnect' }]);
  });

  it('caps the total number of messages, pending or not (1024 by default)', () => {
    const s = ready();
    for (let i = 0; i < 1022; i++) send(s, query(A)); // each cancels the last: no failures
    expect(send(s, query(A))[0].type).toBe('decide'); // message 1024, counting SERVICE_REQUEST
    expect(send(s, query(A))).toMatchObject([
      { type: 'disconnect', error: { reason: DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE } },
    ]);
  });

  it('refuses decisions that do not fit the request', () => {
    const s = ready();
    expect(() => s.decide(decideId(send(s, none)), { result: 'prompts', prompts: [] })).toThrow(UsageError);
    expect(() => s.decide(decideId(send(s, password('x'))), { result: 'partial', nextMethods: [] })).toThrow(
      UsageError,
    );
  });
});
