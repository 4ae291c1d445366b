import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, utf8 } from '../../src/crypto/bytes.js';
import { DecodeError, UsageError } from '../../src/errors.js';
import { MSG, messageLayer, messageNumber, openMessage } from '../../src/wire/message-numbers.js';
import * as tm from '../../src/wire/transport-messages.js';
import { SshWriter } from '../../src/wire/writer.js';
import { expectOnlyTypedErrors, expectRoundTrip, expectStrictDecoding } from './codec-checks.js';

// The KEXINIT payload sent by OpenSSH 9.2p1 (Debian 2+deb12u10) sshd with one ed25519 host key, read off the
// socket before any encryption. Captured for this test from the locally installed sshd.
const OPENSSH_SERVER_KEXINIT = fromHex(
  readFileSync(new URL('./fixtures/openssh-9.2p1-server-kexinit.hex', import.meta.url), 'utf8'),
);

const sampleLists = {
  kex: ['curve25519-sha256', 'ext-info-c', 'kex-strict-c-v00@openssh.com'],
  hostKey: ['ssh-ed25519', 'rsa-sha2-512'],
  cipherCS: ['chacha20-poly1305@openssh.com', 'aes128-ctr'],
  cipherSC: ['aes256-gcm@openssh.com'],
  macCS: ['hmac-sha2-256-etm@openssh.com'],
  macSC: ['hmac-sha2-256'],
  compCS: ['none'],
  compSC: ['none', 'zlib@openssh.com'],
  langCS: [],
  langSC: [],
};

describe('message numbers', () => {
  it('assigns the RFC 4250 §4.1.2 numbers and the ranges', () => {
    expect([MSG.DISCONNECT, MSG.SERVICE_ACCEPT, MSG.EXT_INFO, MSG.KEXINIT, MSG.NEWKEYS]).toEqual([
      1, 6, 7, 20, 21,
    ]);
    expect([MSG.USERAUTH_REQUEST, MSG.USERAUTH_BANNER, MSG.USERAUTH_INFO_RESPONSE]).toEqual([50, 53, 61]);
    expect([MSG.GLOBAL_REQUEST, MSG.CHANNEL_OPEN, MSG.CHANNEL_FAILURE, MSG.PING, MSG.PONG]).toEqual([
      80, 90, 100, 192, 193,
    ]);
    const expected: [number, string][] = [
      [1, 'transport-generic'],
      [19, 'transport-generic'],
      [20, 'kex-negotiation'],
      [29, 'kex-negotiation'],
      [30, 'kex-method'],
      [49, 'kex-method'],
      [50, 'userauth'],
      [59, 'userauth'],
      [60, 'userauth-method'],
      [79, 'userauth-method'],
      [80, 'connection'],
      [127, 'connection'],
      [128, 'reserved'],
      [191, 'reserved'],
      [192, 'local'],
      [255, 'local'],
    ];
    for (const [n, layer] of expected) expect(messageLayer(n), String(n)).toBe(layer);
    expect(() => messageLayer(0)).toThrow(DecodeError);
    expect(() => messageLayer(256)).toThrow(DecodeError);
  });

  it('reads the number of a payload and refuses an empty one', () => {
    expect(messageNumber(Uint8Array.of(94, 0))).toBe(94);
    expect(() => messageNumber(new Uint8Array(0))).toThrow(DecodeError);
    expect(() => openMessage(Uint8Array.of(5), 6, 'x')).toThrow(DecodeError);
  });
});

describe('KEXINIT', () => {
  const msg = { cookie: new Uint8Array(16).fill(7), lists: sampleLists, firstKexPacketFollows: true };

  it('round trips and decodes strictly', () => {
    const bytes = expectRoundTrip(msg, tm.encodeKexInit, tm.decodeKexInit);
    expectStrictDecoding(bytes, tm.decodeKexInit);
    expectOnlyTypedErrors(MSG.KEXINIT, tm.decodeKexInit);
  });

  it('decodes the KEXINIT of OpenSSH 9.2 and re-encodes it byte for byte', () => {
    const k = tm.decodeKexInit(OPENSSH_SERVER_KEXINIT);
    expect(k.lists.kex[0]).toBe('sntrup761x25519-sha512');
    expect(k.lists.kex.at(-1)).toBe('kex-strict-s-v00@openssh.com');
    expect(k.lists.hostKey).toEqual(['ssh-ed25519']);
    expect(k.lists.compSC).toEqual(['none', 'zlib@openssh.com']);
    expect(k.lists.langCS).toEqual([]);
    expect(k.firstKexPacketFollows).toBe(false);
    expect(tm.encodeKexInit(k)).toEqual(OPENSSH_SERVER_KEXINIT);
  });

  it('refuses a non-zero reserved field (RFC 4253 §7.1)', () => {
    const bytes = tm.encodeKexInit(msg);
    for (const last of [1, 0x80]) {
      const bad = bytes.slice();
      bad[bad.length - 1 - (last === 0x80 ? 3 : 0)] = last;
      expect(() => tm.decodeKexInit(bad)).toThrow(/reserved/);
    }
  });

  it('refuses a cookie of the wrong size when encoding', () => {
    expect(() => tm.encodeKexInit({ ...msg, cookie: new Uint8Array(15) })).toThrow(UsageError);
  });
});

describe('small transport messages', () => {
  it('NEWKEYS is one byte', () => {
    expect(tm.encodeNewKeys()).toEqual(Uint8Array.of(21));
    tm.decodeNewKeys(Uint8Array.of(21));
    expectStrictDecoding(tm.encodeNewKeys(), tm.decodeNewKeys);
  });

  it('DISCONNECT round trips; a description that is not UTF-8 is still read', () => {
    const d = { reason: 14, description: 'no more methods — sorry', language: 'en' };
    const bytes = expectRoundTrip(
      d,
      (v) => tm.encodeDisconnect(v.reason, v.description, v.language),
      tm.decodeDisconnect,
    );
    expectStrictDecoding(bytes, tm.decodeDisconnect);
    // RFC 4253 §11.1 layout, built by hand: reason 2, description "a" ‖ 0xff, empty language.
    const latin = fromHex('01 00000002 00000002 61ff 00000000');
    expect(tm.decodeDisconnect(latin)).toEqual({ reason: 2, description: 'a\ufffd', language: '' });
    expect(tm.encodeDisconnect(11, 'bye')).toEqual(fromHex('01 0000000b 00000003 627965 00000000'));
  });

  it('IGNORE, PING and PONG carry opaque data', () => {
    const data = Uint8Array.of(0, 1, 2, 255);
    for (const [enc, dec] of [
      [tm.encodeIgnore, tm.decodeIgnore],
      [tm.encodePing, tm.decodePing],
      [tm.encodePong, tm.decodePong],
    ] as const) {
      const bytes = expectRoundTrip(data, enc, dec);
      expectStrictDecoding(bytes, dec);
    }
    expect(tm.encodePing(Uint8Array.of(9))[0]).toBe(192);
    expect(tm.encodePong(Uint8Array.of(9))[0]).toBe(193);
  });

  it('DEBUG round trips', () => {
    const d = { alwaysDisplay: true, message: 'hello', language: '' };
    const bytes = expectRoundTrip(
      d,
      (v) => tm.encodeDebug(v.message, v.alwaysDisplay, v.language),
      tm.decodeDebug,
    );
    expectStrictDecoding(bytes, tm.decodeDebug);
  });

  it('UNIMPLEMENTED carries a sequence number', () => {
    const bytes = expectRoundTrip(0xfffffffe, tm.encodeUnimplemented, tm.decodeUnimplemented);
    expect(bytes).toEqual(fromHex('03 fffffffe'));
    expectStrictDecoding(bytes, tm.decodeUnimplemented);
  });

  it('SERVICE_REQUEST and SERVICE_ACCEPT carry an ASCII name of at most 64 characters', () => {
    const req = expectRoundTrip('ssh-userauth', tm.encodeServiceRequest, tm.decodeServiceRequest);
    expectStrictDecoding(req, tm.decodeServiceRequest);
    const acc = expectRoundTrip('ssh-userauth', tm.encodeServiceAccept, tm.decodeServiceAccept);
    expectStrictDecoding(acc, tm.decodeServiceAccept);
    expect(() => tm.decodeServiceRequest(tm.encodeServiceRequest('x'.repeat(65)))).toThrow(DecodeError);
    expect(() => tm.decodeServiceRequest(tm.encodeServiceRequest('é'))).toThrow(DecodeError);
  });
});

describe('EXT_INFO (RFC 8308)', () => {
  const ext = new Map([
    ['server-sig-algs', utf8('ssh-ed25519,rsa-sha2-512,rsa-sha2-256')],
    ['publickey-hostbound@openssh.com', utf8('0')],
    ['ping@openssh.com', utf8('0')],
  ]);

  it('round trips in order and decodes strictly', () => {
    const bytes = expectRoundTrip(ext, tm.encodeExtInfo, tm.decodeExtInfo);
    expect([...tm.decodeExtInfo(bytes).keys()]).toEqual([...ext.keys()]);
    expectStrictDecoding(bytes, tm.decodeExtInfo);
    expectOnlyTypedErrors(MSG.EXT_INFO, tm.decodeExtInfo);
  });

  it('matches the RFC 8308 §2.3 layout built by hand', () => {
    const hand = fromHex(
      '07 00000001 0000000f 7365727665722d7369672d616c6773 0000000b 7373682d65643235353139',
    );
    expect(tm.encodeExtInfo(new Map([['server-sig-algs', 'ssh-ed25519']]))).toEqual(hand);
    expect(tm.serverSigAlgs(tm.decodeExtInfo(hand))).toEqual(['ssh-ed25519']);
  });

  it('reads server-sig-algs as a name-list and the ping version', () => {
    const got = tm.decodeExtInfo(tm.encodeExtInfo(ext));
    expect(tm.serverSigAlgs(got)).toEqual(['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256']);
    expect(tm.pingVersion(got)).toBe('0');
    expect(tm.serverSigAlgs(new Map())).toBeUndefined();
    expect(tm.pingVersion(new Map())).toBeUndefined();
    expect(() => tm.serverSigAlgs(new Map([['server-sig-algs', utf8('a,,b')]]))).toThrow(DecodeError);
  });

  it('refuses counts over 1024 before reading entries, and counts the bytes cannot hold', () => {
    for (const count of [1025, 0xffffffff]) {
      const bytes = new SshWriter().byte(MSG.EXT_INFO).uint32(count).bytes();
      expect(() => tm.decodeExtInfo(bytes)).toThrow(/over 1024/);
    }
    const tooMany = new SshWriter().byte(MSG.EXT_INFO).uint32(1024).string('a').string('b').bytes();
    expect(() => tm.decodeExtInfo(tooMany)).toThrow(/cannot fit/);
    const max = new SshWriter().byte(MSG.EXT_INFO).uint32(1024);
    for (let i = 0; i < 1024; i++) max.string(`e${i}`).string('');
    expect(tm.decodeExtInfo(max.bytes()).size).toBe(1024);
  });

  it('refuses an extension named twice', () => {
    const bytes = new SshWriter()
      .byte(MSG.EXT_INFO)
      .uint32(2)
      .string('a')
      .string('1')
      .string('a')
      .string('2')
      .bytes();
    expect(() => tm.decodeExtInfo(bytes)).toThrow(/twice/);
  });
});
