/**
 * The same hostile clients against the whole server stack, accept() with an RxJS auth policy, so the
 * application's callbacks are what is checked: a user name change between requests must not carry a
 * partial success over (russh CVE-2026-46705; RFC 4252 §5 lets the state be reset), the policy is asked
 * about the key that signed (Go CVE-2024-45337), and pre-authentication channel requests reach nothing
 * (Erlang/OTP CVE-2025-32433).
 */
import { pipe } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { allowPassword } from '../../operators/allow-password.js';
import { allowPublicKey } from '../../operators/allow-public-key.js';
import { requireMethods } from '../../operators/require-methods.js';
import type { AuthPolicy } from '../../src/connection/auth-policy.js';
import { seededRandom } from '../../src/crypto/random.js';
import { DisconnectReason, ProtocolError, type SshError } from '../../src/errors.js';
import { generateKey } from '../../src/keys/generate-key.js';
import type { PrivateKey } from '../../src/keys/private-key.js';
import {
  decodeUserauthFailure,
  encodeUserauthRequest,
  publickeySignedData,
} from '../../src/wire/auth-messages.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { decodeDisconnect, encodeServiceRequest } from '../../src/wire/transport-messages.js';
import { SshWriter } from '../../src/wire/writer.js';
import { type AcceptPort, acceptUnderTest } from './support/accept-port.js';
import type { Harness } from './support/harness.js';
import { crypto } from './support/scripted-peer.js';

const keyA = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('policy key A') });
const keyB = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('policy key B') });
const sameKey = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Runs `body` against accept() with `policy`, after the key exchange and SERVICE_REQUEST. */
function withServer(policy: AuthPolicy, body: (h: Harness<AcceptPort>) => void): void {
  const h = acceptUnderTest(policy);
  try {
    h.handshake();
    h.send(encodeServiceRequest('ssh-userauth'));
    expect(h.sent(MSG.SERVICE_ACCEPT)).toHaveLength(1);
    body(h);
  } finally {
    h.sut.dispose();
  }
}

function signedBy(h: Harness<AcceptPort>, key: PrivateKey, user: string, query = false): Uint8Array {
  const blob = key.publicKey.blob;
  const base = { user, service: 'ssh-connection', method: 'publickey', algorithm: 'ssh-ed25519' } as const;
  if (query) return encodeUserauthRequest({ ...base, publicKeyBlob: blob });
  const data = publickeySignedData(h.peer.sessionId!, user, 'ssh-connection', 'ssh-ed25519', blob);
  return encodeUserauthRequest({
    ...base,
    publicKeyBlob: blob,
    signature: key.sign(crypto, data, 'ssh-ed25519'),
  });
}

const passwordAs = (user: string, password: string) =>
  encodeUserauthRequest({ user, service: 'ssh-connection', method: 'password', password });

/** publickey for alice (key A only), any user's password "pw", both required. */
const twoFactor = pipe(
  allowPublicKey((user, key) => user === 'alice' && sameKey(key.blob, keyA.publicKey.blob)),
  allowPassword((_user, pw) => pw === 'pw'),
  requireMethods(['publickey', 'password']),
);

describe('partial success and user names (requireMethods)', () => {
  it('control: publickey then password as the same user succeeds', () => {
    withServer(twoFactor, (h) => {
      h.send(signedBy(h, keyA, 'alice'));
      expect(decodeUserauthFailure(h.sent(MSG.USERAUTH_FAILURE)[0])).toEqual({
        methods: ['password'],
        partialSuccess: true,
      });
      h.send(passwordAs('alice', 'pw'));
      expect(h.sent(MSG.USERAUTH_SUCCESS)).toHaveLength(1);
      expect(h.sut.connections.map((c) => c.username)).toEqual(['alice']);
    });
  });

  it('publickey as alice (partial), then password as bob does NOT succeed', () => {
    withServer(twoFactor, (h) => {
      h.send(signedBy(h, keyA, 'alice'));
      expect(decodeUserauthFailure(h.sent(MSG.USERAUTH_FAILURE)[0]).partialSuccess).toBe(true);
      h.send(passwordAs('bob', 'pw'));
      expect(h.sent(MSG.USERAUTH_SUCCESS), 'no success for bob').toHaveLength(0);
      expect(h.sut.connections).toEqual([]);
      const last = decodeUserauthFailure(h.sent(MSG.USERAUTH_FAILURE).at(-1)!);
      expect(last.methods, 'bob still needs his publickey').toContain('publickey');
    });
  });

  it('and alice cannot reuse the half she earned after switching away and back', () => {
    withServer(twoFactor, (h) => {
      h.send(signedBy(h, keyA, 'alice'));
      h.send(passwordAs('bob', 'pw'));
      h.send(passwordAs('alice', 'pw'));
      expect(h.sent(MSG.USERAUTH_SUCCESS), 'alice must prove the key again').toHaveLength(0);
      expect(h.sut.connections).toEqual([]);
    });
  });
});

describe('query versus proof (CVE-2024-45337)', () => {
  it('query key A, sign with key B: the policy is asked about B, and B is what authenticated', () => {
    const asked: { method: string; key: Uint8Array }[] = [];
    const policy = allowPublicKey((_user, key, request) => {
      asked.push({ method: request.method, key: key.blob });
      return true;
    });
    withServer(policy, (h) => {
      h.send(signedBy(h, keyA, 'alice', true));
      expect(h.sent(MSG.USERAUTH_PK_OK)).toHaveLength(1);
      h.send(signedBy(h, keyB, 'alice'));
      expect(asked.map((a) => a.method)).toEqual(['publickey-query', 'publickey']);
      expect(sameKey(asked[0].key, keyA.publicKey.blob)).toBe(true);
      expect(sameKey(asked[1].key, keyB.publicKey.blob), 'the signed request names B').toBe(true);
      expect(h.sut.connections.map((c) => c.authMethod)).toEqual(['publickey']);
    });
  });

  it('a signature by B presented as key A is never shown to the policy', () => {
    const asked: string[] = [];
    const policy = allowPublicKey((_u, _k, request) => {
      asked.push(request.method);
      return true;
    });
    withServer(policy, (h) => {
      const blob = keyA.publicKey.blob;
      const data = publickeySignedData(h.peer.sessionId!, 'alice', 'ssh-connection', 'ssh-ed25519', blob);
      h.send(
        encodeUserauthRequest({
          user: 'alice',
          service: 'ssh-connection',
          method: 'publickey',
          algorithm: 'ssh-ed25519',
          publicKeyBlob: blob,
          signature: keyB.sign(crypto, data, 'ssh-ed25519'),
        }),
      );
      expect(asked).toEqual([]);
      expect(h.sent(MSG.USERAUTH_SUCCESS)).toHaveLength(0);
      expect(h.sut.connections).toEqual([]);
    });
  });
});

describe('pre-authentication channel requests through accept()', () => {
  it('CHANNEL_OPEN session + exec before authentication: error, no Connection, policy never asked', () => {
    withServer(
      allowPassword(() => true),
      (h) => {
        const open = new SshWriter()
          .byte(90)
          .string('session')
          .uint32(0)
          .uint32(2 ** 21)
          .uint32(32768)
          .bytes();
        const exec = new SshWriter().byte(98).uint32(0).string('exec').boolean(true).string('id').bytes();
        h.send(open, exec);
        expect(h.sut.closed).toBe(true);
        expect(h.sut.connections).toEqual([]);
        expect(h.sut.asked).toEqual([]);
        const err = h.sut.error as SshError;
        expect(err).toBeInstanceOf(ProtocolError);
        expect(err.reason).toBe(DisconnectReason.PROTOCOL_ERROR);
        expect(decodeDisconnect(h.sent(MSG.DISCONNECT)[0]).reason).toBe(DisconnectReason.PROTOCOL_ERROR);
        expect(h.sent(MSG.CHANNEL_OPEN_CONFIRMATION)).toHaveLength(0);
      },
    );
  });
});
