/**
 * Hostile clients against the server's authentication (RFC 4252, RFC 4256) and the pre-authentication
 * boundary (checklist item 1): server-only messages from a client (libssh CVE-2018-10933), USERAUTH_REQUEST
 * before the service was accepted (AsyncSSH CVE-2023-46446), connection messages before authentication
 * (Erlang/OTP CVE-2025-32433, paramiko CVE-2018-7750), MaxAuthTries, the query-versus-proof binding (Go
 * CVE-2024-45337), signatures bound to session, user and service, keyboard-interactive counts; and a
 * hostile server against the client's keyboard-interactive decoder.
 */
import { describe, expect, it } from 'vitest';
import type { ServerCore } from '../../src/connection/server-core.js';
import { seededRandom } from '../../src/crypto/random.js';
import { AuthError, DecodeError, DisconnectReason, ProtocolError } from '../../src/errors.js';
import { generateKey } from '../../src/keys/generate-key.js';
import type { PrivateKey } from '../../src/keys/private-key.js';
import {
  encodeUserauthFailure,
  encodeUserauthInfoResponse,
  encodeUserauthRequest,
  encodeUserauthSuccess,
  publickeySignedData,
} from '../../src/wire/auth-messages.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { encodeServiceAccept, encodeServiceRequest } from '../../src/wire/transport-messages.js';
import { SshWriter } from '../../src/wire/writer.js';
import { expectAppSawNothing, expectFailure } from './support/expect.js';
import { clientUnderTest, type Harness, serverUnderTest, USER } from './support/harness.js';
import { crypto } from './support/scripted-peer.js';

const PROTOCOL = DisconnectReason.PROTOCOL_ERROR;

const keyA = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('user key A') });
const keyB = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('user key B') });

const password = (pw: string, user = USER) =>
  encodeUserauthRequest({ user, service: 'ssh-connection', method: 'password', password: pw });
const kbdInt = (user = USER) =>
  encodeUserauthRequest({ user, service: 'ssh-connection', method: 'keyboard-interactive', submethods: '' });
const query = (key: PrivateKey, user = USER) =>
  encodeUserauthRequest({
    user,
    service: 'ssh-connection',
    method: 'publickey',
    algorithm: 'ssh-ed25519',
    publicKeyBlob: key.publicKey.blob,
  });

/** A signed publickey request; the signed data may lie about session, user or service (RFC 4252 §7). */
function signed(
  h: Harness<ServerCore>,
  key: PrivateKey,
  o: {
    user?: string;
    signSession?: Uint8Array;
    signUser?: string;
    signService?: string;
    signer?: PrivateKey;
  } = {},
): Uint8Array {
  const user = o.user ?? USER;
  const blob = key.publicKey.blob;
  const data = publickeySignedData(
    o.signSession ?? h.peer.sessionId!,
    o.signUser ?? user,
    o.signService ?? 'ssh-connection',
    'ssh-ed25519',
    blob,
  );
  const signature = (o.signer ?? key).sign(crypto, data, 'ssh-ed25519');
  return encodeUserauthRequest({
    user,
    service: 'ssh-connection',
    method: 'publickey',
    algorithm: 'ssh-ed25519',
    publicKeyBlob: blob,
    signature,
  });
}

type Decide = ReturnType<Harness<ServerCore>['lastDecision']>;
const requestOf = (d: Decide) =>
  d.request as { method: string; username: string; publicKeyBlob?: Uint8Array };

/** The server's authentication states a hostile message can arrive in. */
const STATES: [string, (h: Harness<ServerCore>) => void][] = [
  ['before SERVICE_REQUEST', () => {}],
  ['after SERVICE_ACCEPT', (h) => h.send(encodeServiceRequest('ssh-userauth'))],
  ['while the application decides', (h) => h.send(encodeServiceRequest('ssh-userauth'), password('guess'))],
  [
    'during keyboard-interactive',
    (h) => {
      h.send(encodeServiceRequest('ssh-userauth'), kbdInt());
      h.sut.decide(h.lastDecision().id, { result: 'prompts', prompts: [{ prompt: 'Code: ', echo: true }] });
      h.pump();
    },
  ],
  [
    'after a partial success',
    (h) => {
      h.send(encodeServiceRequest('ssh-userauth'), password('right'));
      h.sut.decide(h.lastDecision().id, { result: 'partial', nextMethods: ['publickey'] });
      h.pump();
    },
  ],
];

function server(state: (h: Harness<ServerCore>) => void): Harness<ServerCore> {
  const h = serverUnderTest();
  h.handshake();
  state(h);
  expect(h.sut.closed).toBe(false);
  return h;
}

/** Ends in a refusal and neither authenticated nor asked the application anything new. */
function expectRefused(
  h: Harness<ServerCore>,
  decisionsBefore: number,
  reason: number = PROTOCOL,
  type: typeof ProtocolError = ProtocolError,
) {
  expectFailure(h, type, reason);
  expect(h.sut.authenticated).toBe(false);
  expect(h.eventTypes()).not.toContain('authenticated');
  expect(h.eventTypes().filter((t) => t === 'auth-decide')).toHaveLength(decisionsBefore);
  expect(h.sent(MSG.USERAUTH_SUCCESS)).toHaveLength(0);
}

const decisions = (h: Harness<ServerCore>) => h.eventTypes().filter((t) => t === 'auth-decide').length;

describe.each(STATES)('server-only messages from a client, %s', (_state, setup) => {
  it.each([
    ['SERVICE_ACCEPT', encodeServiceAccept('ssh-userauth')],
    ['USERAUTH_FAILURE', encodeUserauthFailure(['password'], false)],
    ['USERAUTH_SUCCESS (libssh CVE-2018-10933)', encodeUserauthSuccess()],
    ['USERAUTH_BANNER', new SshWriter().byte(MSG.USERAUTH_BANNER).string('hi').string('').bytes()],
    ['USERAUTH_PK_OK', new SshWriter().byte(60).string('ssh-ed25519').string(keyA.publicKey.blob).bytes()],
  ])('refuses %s', (_name, payload) => {
    const h = server(setup);
    const before = decisions(h);
    h.send(payload);
    expectRefused(h, before);
  });
});

/** Every connection-layer number (RFC 4250 §4.1.2: 80-127) before USERAUTH_SUCCESS. */
const CONNECTION_NUMBERS = Array.from({ length: 48 }, (_, i) => 80 + i);

describe.each(STATES)('connection messages before authentication, %s', (_state, setup) => {
  it('refuses every number 80-127 and the application sees none of them', () => {
    for (const type of CONNECTION_NUMBERS) {
      const h = server(setup);
      const before = decisions(h);
      const sentBefore = h.peer.received.length;
      h.send(Uint8Array.of(type, 0, 0, 0, 0, 0, 0, 0, 0));
      expectRefused(h, before);
      expectAppSawNothing(h, ['auth-decide']);
      expect(h.sentTypesSince(sentBefore), `message ${type}: nothing but DISCONNECT`).toEqual([
        MSG.DISCONNECT,
      ]);
    }
  });

  it('refuses CHANNEL_OPEN "session" + CHANNEL_REQUEST "exec" (Erlang/OTP CVE-2025-32433)', () => {
    const h = server(setup);
    const before = decisions(h);
    const open = new SshWriter()
      .byte(90)
      .string('session')
      .uint32(0)
      .uint32(2 ** 21)
      .uint32(32768)
      .bytes();
    const exec = new SshWriter()
      .byte(98)
      .uint32(0)
      .string('exec')
      .boolean(true)
      .string('touch /pwned')
      .bytes();
    h.send(open, exec);
    expectRefused(h, before);
    expectAppSawNothing(h, ['auth-decide']);
  });
});

describe('the server authentication protocol', () => {
  it('refuses USERAUTH_REQUEST before SERVICE_REQUEST (CVE-2023-46446) without asking the application', () => {
    const h = server(() => {});
    h.send(password('secret'));
    expectRefused(h, 0);
  });

  it.each(['ssh-connection', 'nonexistent', 'SSH-USERAUTH'])(
    'answers SERVICE_REQUEST for %s with SERVICE_NOT_AVAILABLE (7)',
    (service) => {
      const h = server(() => {});
      h.send(encodeServiceRequest(service));
      expectRefused(h, 0, DisconnectReason.SERVICE_NOT_AVAILABLE);
      expect(h.sent(MSG.SERVICE_ACCEPT)).toHaveLength(0);
    },
  );

  it('answers USERAUTH_REQUEST for another service than ssh-connection with SERVICE_NOT_AVAILABLE', () => {
    const h = server(STATES[1][1]);
    h.send(encodeUserauthRequest({ user: USER, service: 'ssh-userauth', method: 'password', password: 'x' }));
    expectRefused(h, 0, DisconnectReason.SERVICE_NOT_AVAILABLE);
  });

  it('refuses a second SERVICE_REQUEST', () => {
    const h = server(STATES[1][1]);
    h.send(encodeServiceRequest('ssh-userauth'));
    expectRefused(h, 0);
  });

  it('disconnects at the sixth wrong password with NO_MORE_AUTH_METHODS_AVAILABLE (14); none is free', () => {
    const h = server(STATES[1][1]);
    h.send(encodeUserauthRequest({ user: USER, service: 'ssh-connection', method: 'none' }));
    h.sut.decide(h.lastDecision().id, { result: 'reject' });
    h.pump();
    for (let i = 1; i <= 6; i++) {
      h.send(password(`guess ${i}`));
      h.sut.decide(h.lastDecision().id, { result: 'reject' });
      h.pump();
      if (i < 6) expect(h.sut.closed, `after ${i} wrong passwords`).toBe(false);
    }
    expectFailure(h, AuthError, DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE);
    expect(h.sent(MSG.USERAUTH_FAILURE), 'none + five passwords answered').toHaveLength(6);
  });

  it('asks the application about the key that signed, not the one queried before (CVE-2024-45337)', () => {
    const h = server(STATES[1][1]);
    h.send(query(keyA));
    expect(requestOf(h.lastDecision())).toMatchObject({ method: 'publickey-query' });
    expect(requestOf(h.lastDecision()).publicKeyBlob).toEqual(keyA.publicKey.blob);
    h.sut.decide(h.lastDecision().id, { result: 'accept' });
    h.pump();
    expect(h.sent(MSG.USERAUTH_PK_OK)).toHaveLength(1);
    h.send(signed(h, keyB));
    const ask = requestOf(h.lastDecision());
    expect(ask.method).toBe('publickey');
    expect(ask.publicKeyBlob).toEqual(keyB.publicKey.blob);
  });

  it.each([
    ['another session id', { signSession: new Uint8Array(32).fill(1) }],
    ['another user name', { signUser: 'mallory' }],
    ['another service', { signService: 'ssh-userauth' }],
    ['another key', { signer: keyB }],
  ] as const)('never verifies a signature made over %s', (_name, lie) => {
    const h = server(STATES[1][1]);
    h.send(signed(h, keyA, lie));
    expect(h.eventTypes(), 'the application is not asked').not.toContain('auth-decide');
    expect(h.sent(MSG.USERAUTH_FAILURE)).toHaveLength(1);
    expect(h.sut.closed).toBe(false);
  });

  it('does ask about an honest signature (so the refusals above are about the lies)', () => {
    const h = server(STATES[1][1]);
    h.send(signed(h, keyA));
    expect(requestOf(h.lastDecision()).method).toBe('publickey');
  });

  it.each([0, 1, 3])('refuses INFO_RESPONSE with %d responses to 2 prompts', (count) => {
    const h = server(STATES[1][1]);
    h.send(kbdInt());
    const prompts = [
      { prompt: 'Password: ', echo: false },
      { prompt: 'Code: ', echo: true },
    ];
    h.sut.decide(h.lastDecision().id, { result: 'prompts', prompts });
    h.pump();
    h.send(encodeUserauthInfoResponse(Array.from({ length: count }, (_, i) => `answer ${i}`)));
    expectRefused(h, 1);
  });

  it('refuses INFO_RESPONSE when no prompts were sent', () => {
    const h = server(STATES[1][1]);
    h.send(encodeUserauthInfoResponse(['unasked']));
    expectRefused(h, 0);
  });

  it('refuses INFO_RESPONSE claiming 0xFFFFFFFF responses at once', () => {
    const h = server(STATES[3][1]);
    const started = performance.now();
    h.send(new SshWriter().byte(61).uint32(0xffff_ffff).string('a').bytes());
    expect(performance.now() - started).toBeLessThan(250);
    expectRefused(h, 1, PROTOCOL, DecodeError);
  });
});

describe('a hostile server against the client authentication', () => {
  function kbdClient() {
    const h = clientUnderTest({ client: { authMethods: [{ type: 'keyboard-interactive' }] } });
    h.handshake({ extInfo: new Map() });
    h.send(encodeServiceAccept('ssh-userauth'));
    h.send(encodeUserauthFailure(['keyboard-interactive'], false));
    return h;
  }

  it('refuses INFO_REQUEST with num-prompts 0xFFFFFFFF at once (DecodeError, no allocation)', () => {
    const h = kbdClient();
    const request = new SshWriter().byte(60).string('').string('').string('').uint32(0xffff_ffff).bytes();
    const started = performance.now();
    h.send(request);
    expect(performance.now() - started).toBeLessThan(250);
    expectFailure(h, DecodeError, PROTOCOL);
    expect(h.eventTypes()).not.toContain('auth-prompt');
  });

  it('refuses USERAUTH_SUCCESS before any request of its own (CVE-2023-46446 mirror)', () => {
    const h = clientUnderTest();
    h.handshake({ extInfo: new Map() });
    h.send(encodeUserauthSuccess());
    expectFailure(h, ProtocolError, PROTOCOL);
    expect(h.sut.authenticated).toBe(false);
    expect(h.eventTypes()).not.toContain('authenticated');
  });

  it.each([
    ['SERVICE_REQUEST', encodeServiceRequest('ssh-userauth')],
    ['USERAUTH_REQUEST', password('x')],
    ['INFO_RESPONSE', encodeUserauthInfoResponse([])],
  ])('refuses client-only message %s from the server', (_name, payload) => {
    const h = clientUnderTest();
    h.handshake({ extInfo: new Map() });
    h.send(encodeServiceAccept('ssh-userauth'));
    h.send(payload);
    expectFailure(h, ProtocolError, PROTOCOL);
  });

  it('refuses connection messages before authentication succeeded', () => {
    for (const type of CONNECTION_NUMBERS) {
      const h = clientUnderTest();
      h.handshake({ extInfo: new Map() });
      h.send(encodeServiceAccept('ssh-userauth'));
      h.send(Uint8Array.of(type, 0, 0, 0, 0, 0, 0, 0, 0));
      expectFailure(h, ProtocolError, PROTOCOL);
      expectAppSawNothing(h);
    }
  });
});
