/**
 * The agent client against a scripted agent: FIFO pairing, wrong and malformed replies, hostile lengths and
 * counts, a dropped connection, signature algorithm checks, the Observable forms and the signers.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AgentClient } from '../../src/agent/agent-client.js';
import { AgentClientCore } from '../../src/agent/agent-client-core.js';
import { AgentRefusedError } from '../../src/agent/agent-error.js';
import { frameAgentMessage } from '../../src/agent/agent-framing.js';
import {
  type AgentResponse,
  decodeAgentRequest,
  encodeAgentResponse,
} from '../../src/agent/agent-messages.js';
import { AgentServer } from '../../src/agent/agent-server.js';
import { agentSigner, agentSigners } from '../../src/agent/agent-signer.js';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { ConnectionLostError, DecodeError, ProtocolError, UsageError } from '../../src/errors.js';
import { generateKey, type SignatureAlgorithm, verifySignature } from '../../src/keys/index.js';
import { SshWriter } from '../../src/wire/writer.js';
import { memoryClient, scriptedIo } from './helpers.js';

const crypto = nodeCrypto!;
const ed = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('client ed'), comment: 'ed' });
const ec = generateKey(crypto, 'ecdsa-sha2-nistp256', { random: seededRandom('client ec'), comment: 'ec' });
const rsa = generateKey(crypto, 'ssh-rsa', { bits: 2048, comment: 'rsa' });
const DATA = utf8('sign me');

function scripted() {
  const io = scriptedIo();
  const client = new AgentClient(io);
  const reply = (res: AgentResponse) => io.feed.next(frameAgentMessage(encodeAgentResponse(res)));
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { io, client, reply, tick };
}

/** The request the client wrote, decoded (after the 4-byte length). */
function sent(io: ReturnType<typeof scriptedIo>, i: number) {
  return decodeAgentRequest(io.written[i].subarray(4));
}

describe('pairing', () => {
  it('pairs replies with requests first in, first out', async () => {
    const { io, client, reply } = scripted();
    const list = client.identities();
    const remove = client.removeAll();
    expect(io.written.map((_, i) => sent(io, i).type)).toEqual([
      'request-identities',
      'remove-all-identities',
    ]);
    reply({ type: 'identities', identities: [{ keyBlob: ed.publicKey.blob, comment: 'ed' }] });
    reply({ type: 'success' });
    expect((await list).map((i) => i.comment)).toEqual(['ed']);
    await expect(remove).resolves.toBeUndefined();
  });

  it('the sans-I/O core tags replies with ids, one byte at a time', () => {
    const core = new AgentClientCore();
    const a = core.request({ type: 'request-identities' });
    const b = core.request({ type: 'remove-all-identities' });
    expect(core.outstanding).toBe(2);
    const bytes = new Uint8Array([
      ...frameAgentMessage(encodeAgentResponse({ type: 'failure' })),
      ...frameAgentMessage(encodeAgentResponse({ type: 'success' })),
    ]);
    const replies = [];
    for (let i = 0; i < bytes.length; i++) replies.push(...core.receive(bytes.subarray(i, i + 1)));
    expect(replies).toEqual([
      { id: a.id, response: { type: 'failure' } },
      { id: b.id, response: { type: 'success' } },
    ]);
  });
});

describe('hostile agent', () => {
  it('FAILURE becomes AgentRefusedError', async () => {
    const { client, reply } = scripted();
    const p = client.lock('x');
    reply({ type: 'failure' });
    await expect(p).rejects.toBeInstanceOf(AgentRefusedError);
  });

  it('a reply of the wrong type is a ProtocolError, never a crash (cf. Go CVE-2025-47913)', async () => {
    const { client, reply } = scripted();
    const list = client.identities();
    const sign = client.sign(ed.publicKey, DATA);
    const add = client.add(ed);
    reply({ type: 'success' });
    reply({ type: 'identities', identities: [] });
    reply({ type: 'other', messageNumber: 99, body: new Uint8Array(0) });
    await expect(list).rejects.toThrow(/replied success, expected IDENTITIES_ANSWER/);
    await expect(sign).rejects.toBeInstanceOf(ProtocolError);
    await expect(add).rejects.toThrow(/message 99/);
  });

  it('a malformed reply fails only its own request', async () => {
    const { io, client, reply } = scripted();
    const first = client.identities();
    const second = client.identities();
    io.feed.next(frameAgentMessage(Uint8Array.of(12, 0, 0))); // truncated nkeys
    reply({ type: 'identities', identities: [] });
    await expect(first).rejects.toBeInstanceOf(DecodeError);
    await expect(second).resolves.toEqual([]);
  });

  it('an IDENTITIES_ANSWER claiming 2^32-1 keys is a DecodeError', async () => {
    const { io, client } = scripted();
    const p = client.identities();
    io.feed.next(frameAgentMessage(new SshWriter().byte(12).uint32(0xffffffff).bytes()));
    await expect(p).rejects.toThrow(DecodeError);
  });

  it('a frame over 256 KiB fails every waiting request and closes the connection', async () => {
    const { io, client } = scripted();
    const a = client.identities();
    const b = client.removeAll();
    io.feed.next(new SshWriter().uint32(256 * 1024 + 1).bytes());
    await expect(a).rejects.toThrow(DecodeError);
    await expect(b).rejects.toThrow(DecodeError);
    expect(io.ended).toBe(true);
    await expect(client.identities()).rejects.toThrow(DecodeError); // sticky
  });

  it('a reply nobody asked for is a ProtocolError', async () => {
    const { client, reply } = scripted();
    reply({ type: 'success' });
    await expect(client.identities()).rejects.toBeInstanceOf(ProtocolError);
  });

  it('the agent closing mid-conversation fails waiting requests with ConnectionLostError', async () => {
    const { io, client } = scripted();
    const p = client.identities();
    io.feed.next(Uint8Array.of(0, 0)); // half a length
    io.feed.complete();
    await expect(p).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(client.identities()).rejects.toBeInstanceOf(ConnectionLostError);
  });

  it('close() fails waiting requests and ends the stream', async () => {
    const { io, client } = scripted();
    const p = client.identities();
    client.close();
    await expect(p).rejects.toBeInstanceOf(ConnectionLostError);
    expect(io.ended).toBe(true);
  });
});

describe('sign', () => {
  // Structurally valid blobs with dummy contents: only the algorithm name matters to these checks.
  const raw = (alg: SignatureAlgorithm) => new SshWriter().string(alg).string(new Uint8Array(64)).bytes();

  it('maps rsa-sha2-256/512 to the flags of §4.5.1 and sends the key blob and data', async () => {
    const { io, client, reply } = scripted();
    const p256 = client.sign(rsa.publicKey, DATA, 'rsa-sha2-256');
    const p512 = client.sign(rsa.publicKey.blob, DATA, 'rsa-sha2-512');
    const plain = client.sign(ed.publicKey, DATA);
    const flags = [0, 1, 2].map((i) => {
      const r = sent(io, i);
      return r.type === 'sign' ? [r.flags, toHex(r.data), r.keyBlob.length] : null;
    });
    expect(flags).toEqual([
      [2, toHex(DATA), rsa.publicKey.blob.length],
      [4, toHex(DATA), rsa.publicKey.blob.length],
      [0, toHex(DATA), ed.publicKey.blob.length],
    ]);
    reply({ type: 'sign-response', signature: raw('rsa-sha2-256') });
    reply({ type: 'sign-response', signature: raw('rsa-sha2-512') });
    reply({ type: 'sign-response', signature: ed.sign(crypto, DATA) });
    await p256;
    await p512;
    expect(verifySignature(crypto, ed.publicKey, await plain, DATA)).toBe(true);
  });

  it('refuses a signature whose algorithm is not the one asked for (no silent SHA-1 downgrade)', async () => {
    const { client, reply } = scripted();
    const cases = [
      client.sign(rsa.publicKey, DATA, 'rsa-sha2-512'),
      client.sign(ec.publicKey, DATA),
      client.sign(ed.publicKey, DATA),
    ];
    reply({ type: 'sign-response', signature: raw('ssh-rsa') });
    reply({ type: 'sign-response', signature: raw('ecdsa-sha2-nistp384') });
    reply({ type: 'sign-response', signature: fromHex('00000001') }); // not a signature blob
    const results = await Promise.allSettled(cases);
    for (const r of results) expect(r.status === 'rejected' && r.reason).toBeInstanceOf(ProtocolError);
  });

  it('refuses an algorithm the key cannot make before sending anything', async () => {
    const { io, client } = scripted();
    await expect(client.sign(ed.publicKey, DATA, 'rsa-sha2-256')).rejects.toBeInstanceOf(UsageError);
    await expect(client.add(ed, { lifetimeSeconds: -1 })).rejects.toBeInstanceOf(UsageError);
    await expect(client.add(ed, { lifetimeSeconds: 2 ** 32 })).rejects.toBeInstanceOf(UsageError);
    expect(io.written).toEqual([]);
  });
});

describe('Observable forms and signers', () => {
  it('Observable methods are cold: nothing is sent until subscribe', async () => {
    const { io, client, reply } = scripted();
    const list$ = client.identities$();
    expect(io.written).toEqual([]);
    const p = firstValueFrom(list$);
    expect(io.written.length).toBe(1);
    reply({ type: 'identities', identities: [] });
    expect(await p).toEqual([]);
  });

  it('agentSigners makes one signer per parseable key; their signatures verify', async () => {
    const server = new AgentServer({ crypto });
    const client = memoryClient(server, () => 0);
    await client.add(ed);
    await client.add(rsa);
    const signers = await agentSigners(client);
    expect(signers.map((s) => s.comment)).toEqual(['ed', 'rsa']);
    for (const s of signers) {
      const alg = s.publicKey.type === 'ssh-rsa' ? 'rsa-sha2-512' : 'ssh-ed25519';
      expect(verifySignature(crypto, s.publicKey, await s.sign(DATA, alg), DATA, [alg])).toBe(true);
    }
    await expect(
      agentSigner(client, ed.publicKey).sign(DATA, 'nope' as SignatureAlgorithm),
    ).rejects.toBeInstanceOf(UsageError);
  });

  it('lists keys it cannot parse with publicKey null, and agentSigners skips them', async () => {
    const { client, reply } = scripted();
    const cert = new SshWriter()
      .string('ssh-ed25519-cert-v01@openssh.com')
      .string(new Uint8Array(32))
      .bytes();
    const p = client.identities();
    reply({
      type: 'identities',
      identities: [
        { keyBlob: cert, comment: 'cert' },
        { keyBlob: ed.publicKey.blob, comment: 'ed' },
      ],
    });
    const ids = await p;
    expect(ids.map((i) => [i.comment, i.publicKey?.type ?? null])).toEqual([
      ['cert', null],
      ['ed', 'ssh-ed25519'],
    ]);
    const signersP = agentSigners(client);
    reply({ type: 'identities', identities: [{ keyBlob: cert, comment: 'cert' }] });
    expect(await signersP).toEqual([]);
  });
});
