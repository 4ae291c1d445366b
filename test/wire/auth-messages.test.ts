import { describe, expect, it } from 'vitest';
import { fromHex, utf8 } from '../../src/crypto/bytes.js';
import { DecodeError } from '../../src/errors.js';
import * as am from '../../src/wire/auth-messages.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { SshWriter } from '../../src/wire/writer.js';
import { expectOnlyTypedErrors, expectRoundTrip, expectStrictDecoding } from './codec-checks.js';

const blob = Uint8Array.of(0, 0, 0, 11, ...utf8('ssh-ed25519'), 0, 0, 0, 2, 0xaa, 0xbb);

describe('USERAUTH_REQUEST (RFC 4252 §5)', () => {
  const requests: am.UserauthRequest[] = [
    { user: 'alice', service: 'ssh-connection', method: 'none' },
    { user: 'alice', service: 'ssh-connection', method: 'password', password: 'pässword' },
    { user: 'alice', service: 'ssh-connection', method: 'password', password: 'old', newPassword: 'new' },
    {
      user: 'bob',
      service: 'ssh-connection',
      method: 'publickey',
      algorithm: 'ssh-ed25519',
      publicKeyBlob: blob,
    },
    {
      user: 'bob',
      service: 'ssh-connection',
      method: 'publickey',
      algorithm: 'rsa-sha2-512',
      publicKeyBlob: blob,
      signature: Uint8Array.of(1, 2, 3),
    },
    {
      user: 'carol',
      service: 'ssh-connection',
      method: 'keyboard-interactive',
      language: '',
      submethods: 'pam,skey',
    },
  ];

  it('round trips every method and decodes strictly', () => {
    for (const req of requests) {
      const bytes = expectRoundTrip(req, am.encodeUserauthRequest, am.decodeUserauthRequest);
      expectStrictDecoding(bytes, am.decodeUserauthRequest);
    }
    expectOnlyTypedErrors(MSG.USERAUTH_REQUEST, am.decodeUserauthRequest);
  });

  it('matches the RFC 4252 §8 password layout built by hand', () => {
    // byte 50, "u", "ssh-connection", "password", FALSE, "pw"
    const hand = fromHex(
      '32 00000001 75 0000000e 7373682d636f6e6e656374696f6e 00000008 70617373776f7264 00 00000002 7077',
    );
    expect(am.decodeUserauthRequest(hand)).toEqual({
      user: 'u',
      service: 'ssh-connection',
      method: 'password',
      password: 'pw',
    });
  });

  it('keeps other methods as a name and a raw tail (hostbased)', () => {
    const tail = new SshWriter()
      .string('ssh-ed25519')
      .string(blob)
      .string('host.example.')
      .string('u')
      .bytes();
    const req: am.UserauthRequest = {
      user: 'u',
      service: 'ssh-connection',
      method: 'unsupported',
      name: 'hostbased',
      tail,
    };
    const bytes = expectRoundTrip(req, am.encodeUserauthRequest, am.decodeUserauthRequest);
    // A truncated tail is still a tail: the layer above decides; only the common header must be whole.
    const headerEnd = bytes.length - tail.length;
    for (let n = 0; n < headerEnd; n++)
      expect(() => am.decodeUserauthRequest(bytes.slice(0, n))).toThrow(DecodeError);
  });

  it('refuses a method or service name that is not short ASCII', () => {
    const bad = new SshWriter().byte(50).string('u').string('ssh-connection').string('x'.repeat(65)).bytes();
    expect(() => am.decodeUserauthRequest(bad)).toThrow(DecodeError);
    const badUser = new SshWriter().byte(50).string(Uint8Array.of(0xc3)).string('s').string('none').bytes();
    expect(() => am.decodeUserauthRequest(badUser)).toThrow(/UTF-8/);
  });
});

describe('publickeySignedData (RFC 4252 §7)', () => {
  it('is session id ‖ 50 ‖ user ‖ service ‖ "publickey" ‖ TRUE ‖ algorithm ‖ blob', () => {
    const data = am.publickeySignedData(
      Uint8Array.of(9, 9),
      'u',
      'ssh-connection',
      'ssh-ed25519',
      Uint8Array.of(7),
    );
    const hand = fromHex(
      [
        '00000002 0909',
        '32',
        '00000001 75',
        '0000000e 7373682d636f6e6e656374696f6e',
        '00000009 7075626c69636b6579',
        '01',
        '0000000b 7373682d65643235353139',
        '00000001 07',
      ].join(''),
    );
    expect(data).toEqual(hand);
  });

  it('equals the signed request with the session id in front and the signature removed', () => {
    const sessionId = Uint8Array.of(1, 2, 3, 4);
    const req = {
      user: 'u',
      service: 'ssh-connection',
      algorithm: 'ssh-ed25519',
      publicKeyBlob: blob,
    } as const;
    const signed = am.encodeUserauthRequest({ ...req, method: 'publickey', signature: Uint8Array.of(5) });
    const withoutSig = signed.subarray(0, signed.length - 5);
    const expected = new SshWriter().string(sessionId).raw(withoutSig).bytes();
    expect(
      am.publickeySignedData(sessionId, req.user, req.service, req.algorithm, req.publicKeyBlob),
    ).toEqual(expected);
  });
});

describe('server replies', () => {
  it('FAILURE round trips', () => {
    const f = { methods: ['publickey', 'password'], partialSuccess: true };
    const bytes = expectRoundTrip(
      f,
      (v) => am.encodeUserauthFailure(v.methods, v.partialSuccess),
      am.decodeUserauthFailure,
    );
    expect(bytes).toEqual(fromHex('33 00000012 7075626c69636b65792c70617373776f7264 01'));
    expectStrictDecoding(bytes, am.decodeUserauthFailure);
    expectOnlyTypedErrors(MSG.USERAUTH_FAILURE, am.decodeUserauthFailure);
  });

  it('SUCCESS is one byte', () => {
    expect(am.encodeUserauthSuccess()).toEqual(Uint8Array.of(52));
    expectStrictDecoding(am.encodeUserauthSuccess(), am.decodeUserauthSuccess);
  });

  it('BANNER round trips; a message that is not UTF-8 is still shown', () => {
    const b = { message: 'Welcome\r\n', language: 'en-US' };
    const bytes = expectRoundTrip(
      b,
      (v) => am.encodeUserauthBanner(v.message, v.language),
      am.decodeUserauthBanner,
    );
    expectStrictDecoding(bytes, am.decodeUserauthBanner);
    expect(am.decodeUserauthBanner(fromHex('35 00000001 e9 00000000')).message).toBe('\ufffd');
  });

  it('PK_OK round trips', () => {
    const p = { algorithm: 'ssh-ed25519', publicKeyBlob: blob };
    const bytes = expectRoundTrip(
      p,
      (v) => am.encodeUserauthPkOk(v.algorithm, v.publicKeyBlob),
      am.decodeUserauthPkOk,
    );
    expectStrictDecoding(bytes, am.decodeUserauthPkOk);
    expectOnlyTypedErrors(MSG.USERAUTH_PK_OK, am.decodeUserauthPkOk);
  });

  it('PASSWD_CHANGEREQ round trips', () => {
    const p = { prompt: 'Password expired', language: '' };
    const bytes = expectRoundTrip(
      p,
      (v) => am.encodeUserauthPasswdChangeReq(v.prompt, v.language),
      am.decodeUserauthPasswdChangeReq,
    );
    expectStrictDecoding(bytes, am.decodeUserauthPasswdChangeReq);
  });
});

describe('keyboard-interactive (RFC 4256 §3.2, §3.4)', () => {
  const req = {
    name: 'OTP',
    instruction: 'Answer both',
    language: '',
    prompts: [
      { prompt: 'Password: ', echo: false },
      { prompt: 'Code: ', echo: true },
    ],
  };

  it('INFO_REQUEST round trips, with 0 and with 64 prompts', () => {
    for (const r of [
      req,
      { ...req, prompts: [] },
      { ...req, prompts: Array(64).fill({ prompt: 'p', echo: true }) },
    ]) {
      const bytes = expectRoundTrip(r, am.encodeUserauthInfoRequest, am.decodeUserauthInfoRequest);
      if (r.prompts.length < 3) expectStrictDecoding(bytes, am.decodeUserauthInfoRequest);
    }
    expectOnlyTypedErrors(MSG.USERAUTH_INFO_REQUEST, am.decodeUserauthInfoRequest);
  });

  it('INFO_RESPONSE round trips', () => {
    const bytes = expectRoundTrip(
      ['secret', '123456'],
      am.encodeUserauthInfoResponse,
      am.decodeUserauthInfoResponse,
    );
    expectStrictDecoding(bytes, am.decodeUserauthInfoResponse);
    expectOnlyTypedErrors(MSG.USERAUTH_INFO_RESPONSE, am.decodeUserauthInfoResponse);
  });

  it('refuses prompt and response counts of 65 and 0xFFFFFFFF by the cap, before reading any entry', () => {
    for (const count of [65, 0xffffffff]) {
      const infoReq = new SshWriter().byte(60).string('').string('').string('').uint32(count).bytes();
      expect(() => am.decodeUserauthInfoRequest(infoReq)).toThrow(/over 64/);
      const infoResp = new SshWriter().byte(61).uint32(count).bytes();
      expect(() => am.decodeUserauthInfoResponse(infoResp)).toThrow(/over 64/);
    }
  });

  it('refuses a count the remaining bytes cannot hold', () => {
    const infoResp = new SshWriter().byte(61).uint32(64).string('a').bytes();
    expect(() => am.decodeUserauthInfoResponse(infoResp)).toThrow(/more than the message holds/);
  });

  it('decodes responses up to 4096 bytes and refuses longer ones', () => {
    const ok = 'x'.repeat(am.AuthLimits.maxResponseBytes);
    expect(am.decodeUserauthInfoResponse(am.encodeUserauthInfoResponse([ok]))).toEqual([ok]);
    expect(() => am.decodeUserauthInfoResponse(am.encodeUserauthInfoResponse([`${ok}x`]))).toThrow(
      DecodeError,
    );
  });
});
