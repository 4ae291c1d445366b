/**
 * Agent message codecs and framing (draft-miller-ssh-agent-04 §4, §5; OpenSSH authfd.c limits): hand-built
 * vectors from the draft's layouts, round trips, every truncation, hostile counts and lengths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AGENT_MAX_MESSAGE_BYTES,
  AgentFrameReader,
  frameAgentMessage,
} from '../../src/agent/agent-framing.js';
import {
  AGENT_MAX_IDENTITIES,
  type AgentRequest,
  type AgentResponse,
  decodeAgentRequest,
  decodeAgentResponse,
  encodeAgentRequest,
  encodeAgentResponse,
} from '../../src/agent/agent-messages.js';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { DecodeError, SshError } from '../../src/errors.js';
import { generateKey } from '../../src/keys/index.js';
import { SshWriter } from '../../src/wire/writer.js';
import {
  expectMutationsTyped,
  expectOnlyTypedErrors,
  expectTruncationsRefused,
} from '../wire/codec-checks.js';

const crypto = nodeCrypto!;
const ed = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('agent ed'), comment: 'ed@test' });
const ec = generateKey(crypto, 'ecdsa-sha2-nistp384', { random: seededRandom('agent ec'), comment: 'ec' });

/** Requests compared through their bytes: decoded private keys carry a fresh `sign` closure. */
function expectRequestRoundTrip(req: AgentRequest): Uint8Array {
  const bytes = encodeAgentRequest(req);
  expect(toHex(encodeAgentRequest(decodeAgentRequest(bytes)))).toBe(toHex(bytes));
  return bytes;
}

describe('requests', () => {
  it('match the draft layouts byte for byte', () => {
    // §4.4: byte SSH_AGENTC_REQUEST_IDENTITIES (11).
    expect(toHex(encodeAgentRequest({ type: 'request-identities' }))).toBe('0b');
    // §4.5: byte 13, string key blob, string data, uint32 flags (SSH_AGENT_RSA_SHA2_512 = 4, §5.3).
    const sign = encodeAgentRequest({ type: 'sign', keyBlob: fromHex('aabb'), data: utf8('hi'), flags: 4 });
    expect(toHex(sign)).toBe(`0d${'00000002aabb'}${'000000026869'}00000004`);
    // §4.6: byte SSH_AGENTC_LOCK (22) / UNLOCK (23), string passphrase.
    expect(toHex(encodeAgentRequest({ type: 'lock', passphrase: utf8('pw') }))).toBe('16000000027077');
    expect(toHex(encodeAgentRequest({ type: 'unlock', passphrase: utf8('pw') }))).toBe('17000000027077');
    // §4.3: REMOVE_IDENTITY (18) with a blob, REMOVE_ALL_IDENTITIES (19).
    expect(toHex(encodeAgentRequest({ type: 'remove-identity', keyBlob: fromHex('01') }))).toBe(
      '120000000101',
    );
    expect(toHex(encodeAgentRequest({ type: 'remove-all-identities' }))).toBe('13');
  });

  it('ADD_IDENTITY carries the private key body; constraints switch it to ADD_ID_CONSTRAINED', () => {
    const plain = expectRequestRoundTrip({ type: 'add-identity', key: ed, constraints: {} });
    expect(plain[0]).toBe(17);
    const constrained = expectRequestRoundTrip({
      type: 'add-identity',
      key: ec,
      constraints: { lifetimeSeconds: 600, confirm: true },
    });
    expect(constrained[0]).toBe(25);
    // §4.2.6: ... ‖ byte SSH_AGENT_CONSTRAIN_LIFETIME (1) ‖ uint32 600 ‖ byte SSH_AGENT_CONSTRAIN_CONFIRM (2)
    expect(toHex(constrained.subarray(-6))).toBe('010000025802');
    const back = decodeAgentRequest(constrained);
    expect(back.type === 'add-identity' && back.constraints).toEqual({ lifetimeSeconds: 600, confirm: true });
    expect(back.type === 'add-identity' && toHex(back.key.publicKey.blob)).toBe(toHex(ec.publicKey.blob));
    expect(back.type === 'add-identity' && back.key.comment).toBe('ec');
  });

  it('keeps an unknown constraint extension whole, and refuses unknown or repeated constraints', () => {
    const ext = { name: 'restrict-destination-v00@openssh.com', data: fromHex('00000000') };
    const bytes = expectRequestRoundTrip({ type: 'add-identity', key: ed, constraints: { extension: ext } });
    const back = decodeAgentRequest(bytes);
    expect(back.type === 'add-identity' && back.constraints.extension).toEqual(ext);
    const body = encodeAgentRequest({ type: 'add-identity', key: ed, constraints: { confirm: true } });
    for (const tail of ['03', '02', '0100000001' + '0100000001']) {
      const m = fromHex(toHex(body) + tail);
      expect(() => decodeAgentRequest(m), tail).toThrow(DecodeError);
    }
  });

  it('decodes numbers it does not implement as unsupported (answered FAILURE), not as errors', () => {
    // 20 = SSH_AGENTC_ADD_SMARTCARD_KEY, 9 = protocol-1 REMOVE_ALL_RSA_IDENTITIES (§5.1.1, reserved).
    for (const n of [20, 9, 0, 255])
      expect(decodeAgentRequest(Uint8Array.of(n, 1, 2))).toEqual({
        type: 'unsupported',
        messageNumber: n,
      });
  });

  it('refuses every truncation and trailing byte; mutated and random bodies give only typed errors', () => {
    const samples: AgentRequest[] = [
      { type: 'sign', keyBlob: ed.publicKey.blob, data: utf8('data'), flags: 2 },
      { type: 'add-identity', key: ed, constraints: {} },
      { type: 'remove-identity', keyBlob: ed.publicKey.blob },
      { type: 'lock', passphrase: utf8('secret') },
      { type: 'extension', name: 'query', contents: new Uint8Array(0) },
    ];
    for (const s of samples) {
      const bytes = expectRequestRoundTrip(s);
      expectTruncationsRefused(bytes, decodeAgentRequest);
      if (s.type !== 'extension') {
        // The extension's contents run to the end of the message, so a trailing byte is contents.
        expect(() => decodeAgentRequest(fromHex(`${toHex(bytes)}00`))).toThrow(DecodeError);
      }
      expectMutationsTyped(bytes, decodeAgentRequest);
    }
    for (const n of [13, 17, 18, 22, 25, 27]) expectOnlyTypedErrors(n, decodeAgentRequest);
  });
});

describe('responses', () => {
  const answer: AgentResponse = {
    type: 'identities',
    identities: [
      { keyBlob: ed.publicKey.blob, comment: 'ed@test' },
      { keyBlob: ec.publicKey.blob, comment: '' },
    ],
  };

  it('round-trip and match the draft layouts', () => {
    const samples: AgentResponse[] = [
      { type: 'success' },
      { type: 'failure' },
      { type: 'extension-failure' },
      answer,
      { type: 'sign-response', signature: ed.sign(crypto, utf8('x')) },
      { type: 'identities', identities: [] },
    ];
    for (const s of samples) expect(decodeAgentResponse(encodeAgentResponse(s))).toEqual(s);
    // §4.1 / §4.7: SSH_AGENT_FAILURE 5, SSH_AGENT_SUCCESS 6, SSH_AGENT_EXTENSION_FAILURE 28.
    expect([...encodeAgentResponse({ type: 'failure' })]).toEqual([5]);
    expect([...encodeAgentResponse({ type: 'success' })]).toEqual([6]);
    expect([...encodeAgentResponse({ type: 'extension-failure' })]).toEqual([28]);
    // §4.4: byte 12, uint32 nkeys, then (string key blob, string comment) per key.
    expect(toHex(encodeAgentResponse({ type: 'identities', identities: [] }))).toBe('0c00000000');
    expect(
      toHex(
        encodeAgentResponse({ type: 'identities', identities: [{ keyBlob: fromHex('ab'), comment: 'c' }] }),
      ),
    ).toBe('0c00000001' + '00000001ab' + '0000000163');
  });

  it('refuses every truncation; mutations and random bodies give only typed errors', () => {
    for (const s of [answer, { type: 'sign-response', signature: fromHex('0102') } as AgentResponse]) {
      const bytes = encodeAgentResponse(s);
      expectTruncationsRefused(bytes, decodeAgentResponse);
      expect(() => decodeAgentResponse(fromHex(`${toHex(bytes)}00`))).toThrow(DecodeError);
      expectMutationsTyped(bytes, decodeAgentResponse);
    }
    for (const n of [12, 14]) expectOnlyTypedErrors(n, decodeAgentResponse);
  });

  it('refuses an IDENTITIES_ANSWER claiming 2^32-1 keys before allocating anything', () => {
    const hostile = new SshWriter().byte(12).uint32(0xffffffff).bytes();
    expect(() => decodeAgentResponse(hostile)).toThrow(/over the limit of 2048/);
    // Under the cap but more entries than the bytes could hold (each takes at least 8).
    const tooFew = new SshWriter().byte(12).uint32(AGENT_MAX_IDENTITIES).raw(new Uint8Array(100)).bytes();
    expect(() => decodeAgentResponse(tooFew)).toThrow(/cannot fit/);
    const exact = new SshWriter().byte(12).uint32(2).raw(new Uint8Array(16)).bytes();
    expect(decodeAgentResponse(exact)).toEqual({
      type: 'identities',
      identities: [
        { keyBlob: new Uint8Array(0), comment: '' },
        { keyBlob: new Uint8Array(0), comment: '' },
      ],
    });
  });

  it('decodes a comment with invalid UTF-8 leniently (display text must not hide the key)', () => {
    const m = new SshWriter().byte(12).uint32(1).string(fromHex('01')).string(fromHex('ff')).bytes();
    expect(decodeAgentResponse(m)).toEqual({
      type: 'identities',
      identities: [{ keyBlob: fromHex('01'), comment: '\ufffd' }],
    });
  });

  it('passes other numbers through for the client to judge', () => {
    expect(decodeAgentResponse(Uint8Array.of(99, 1))).toEqual({
      type: 'other',
      messageNumber: 99,
      body: fromHex('01'),
    });
  });
});

describe('framing', () => {
  const messages = [
    Uint8Array.of(11),
    encodeAgentRequest({ type: 'lock', passphrase: utf8('p') }),
    new Uint8Array(5000).fill(7),
  ];
  const stream = new Uint8Array(messages.reduce((n, m) => n + 4 + m.length, 0));
  let o = 0;
  for (const m of messages) {
    stream.set(frameAgentMessage(m), o);
    o += 4 + m.length;
  }

  const hex = (ms: Uint8Array[]) => ms.map(toHex);

  it('reassembles messages fed whole, byte by byte, and in random chunks', () => {
    expect(hex(new AgentFrameReader().push(stream))).toEqual(hex(messages));
    const r = new AgentFrameReader();
    const got: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...r.push(stream.subarray(i, i + 1)));
    expect(hex(got)).toEqual(hex(messages));
    expect(r.partial).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2000 }), { maxLength: 40 }), (cuts) => {
        const reader = new AgentFrameReader();
        const out: Uint8Array[] = [];
        let at = 0;
        for (const c of cuts) {
          out.push(...reader.push(stream.subarray(at, at + c)));
          at = Math.min(stream.length, at + c);
        }
        out.push(...reader.push(stream.subarray(at)));
        expect(hex(out)).toEqual(hex(messages));
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('refuses a length over 256 KiB from the 4 header bytes alone, and stays failed', () => {
    const r = new AgentFrameReader();
    const header = new SshWriter().uint32(AGENT_MAX_MESSAGE_BYTES + 1).bytes();
    expect(() => r.push(header)).toThrow(DecodeError);
    expect(() => r.push(Uint8Array.of(11))).toThrow(DecodeError);
    expect(() => new AgentFrameReader().push(fromHex('ffffffff'))).toThrow(/over the 262144-byte limit/);
    // Exactly the cap is allowed (OpenSSH: len > AGENT_MAX_LEN is the error).
    expect(new AgentFrameReader().push(new SshWriter().uint32(AGENT_MAX_MESSAGE_BYTES).bytes())).toEqual([]);
  });

  it('refuses an empty message', () => {
    expect(() => new AgentFrameReader().push(fromHex('00000000'))).toThrow(DecodeError);
  });

  it('never throws anything but a DecodeError on random streams', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          new AgentFrameReader().push(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(SshError);
        }
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});
