/**
 * The in-memory agent through our own client (draft-miller-ssh-agent-04 §4): every key type, RSA flags
 * (§4.5.1), lock/unlock (§4.6) with back-off, lifetime and confirm constraints (§4.2.6) on an injected clock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AgentClient } from '../../src/agent/agent-client.js';
import { AgentRefusedError } from '../../src/agent/agent-error.js';
import { frameAgentMessage } from '../../src/agent/agent-framing.js';
import { decodeAgentResponse, encodeAgentRequest } from '../../src/agent/agent-messages.js';
import { type AgentConfirmRequest, AgentServer } from '../../src/agent/agent-server.js';
import { agentStream } from '../../src/agent/agent-stream.js';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { DecodeError } from '../../src/errors.js';
import {
  generateKey,
  isWiped,
  KEY_TYPES,
  type PrivateKey,
  parseSignature,
  verifySignature,
} from '../../src/keys/index.js';
import { SshWriter } from '../../src/wire/writer.js';
import { memoryClient } from './helpers.js';

const crypto = nodeCrypto!;
const keys: PrivateKey[] = KEY_TYPES.map((t) =>
  generateKey(crypto, t, { random: seededRandom(`server ${t}`), comment: `${t}@test`, bits: 2048 }),
);
const [ed, , , , rsa] = keys;
const DATA = utf8('data to sign');

let now = 0;
let server: AgentServer;
let client: AgentClient;
beforeEach(() => {
  now = 1_000;
  server = new AgentServer({ crypto, random: seededRandom('lock salt') });
  client = memoryClient(server, () => now);
});

describe('keys', () => {
  it('adds every key type, lists them in order with comments, and signs with each', async () => {
    for (const k of keys) await client.add(k);
    const ids = await client.identities();
    expect(ids.map((i) => toHex(i.keyBlob))).toEqual(keys.map((k) => toHex(k.publicKey.blob)));
    expect(ids.map((i) => i.comment)).toEqual(keys.map((k) => k.comment));
    for (const [i, k] of keys.entries()) {
      expect(ids[i].publicKey?.type).toBe(k.type);
      const sig = await client.sign(k.publicKey, DATA);
      expect(verifySignature(crypto, k.publicKey, sig, DATA)).toBe(true);
      expect(verifySignature(crypto, k.publicKey, sig, utf8('other data'))).toBe(false);
    }
  });

  it('signs RSA with the hash the flags ask for, and ssh-rsa (SHA-1) with no flag, as OpenSSH does', async () => {
    await client.add(rsa);
    for (const alg of ['rsa-sha2-256', 'rsa-sha2-512'] as const) {
      const sig = await client.sign(rsa.publicKey, DATA, alg);
      expect(parseSignature(sig).algorithm).toBe(alg);
      expect(verifySignature(crypto, rsa.publicKey, sig, DATA, [alg])).toBe(true);
    }
    expect(parseSignature(await client.sign(rsa.publicKey, DATA)).algorithm).toBe('ssh-rsa');
  });

  it('refuses to sign with a key it does not hold', async () => {
    await expect(client.sign(ed.publicKey, DATA)).rejects.toBeInstanceOf(AgentRefusedError);
  });

  it('removes one key, then all; removing an absent key is refused', async () => {
    for (const k of keys) await client.add(k);
    await client.remove(ed.publicKey);
    expect((await client.identities()).length).toBe(keys.length - 1);
    await expect(client.remove(ed.publicKey)).rejects.toBeInstanceOf(AgentRefusedError);
    await client.removeAll();
    expect(await client.identities()).toEqual([]);
  });

  it('re-adding a key replaces its comment instead of listing it twice', async () => {
    await client.add(ed);
    await client.add(ed, { comment: 'renamed' });
    expect((await client.identities()).map((i) => i.comment)).toEqual(['renamed']);
  });

  it('keeps its own copy of keys added by the owner: removal wipes the copy, not the caller’s key', async () => {
    server.addKey(ed, {}, now);
    expect(server.list(now).map((k) => k.comment)).toEqual([ed.comment]);
    await client.removeAll();
    expect(isWiped(ed)).toBe(false);
    expect(verifySignature(crypto, ed.publicKey, ed.sign(crypto, DATA), DATA)).toBe(true);
  });

  it('refuses keys beyond maxKeys, but still accepts re-adding one it holds', async () => {
    server = new AgentServer({ crypto, maxKeys: 2 });
    client = memoryClient(server, () => now);
    await client.add(keys[0]);
    await client.add(keys[1]);
    await expect(client.add(keys[2])).rejects.toBeInstanceOf(AgentRefusedError);
    await client.add(keys[1]);
    expect((await client.identities()).length).toBe(2);
  });
});

describe('lock (§4.6)', () => {
  it('while locked lists nothing and refuses sign, add and remove; unlocks with the passphrase', async () => {
    await client.add(ed);
    await client.lock('correct horse');
    expect(server.locked).toBe(true);
    expect(await client.identities()).toEqual([]);
    await expect(client.sign(ed.publicKey, DATA)).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(client.add(rsa)).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(client.removeAll()).rejects.toBeInstanceOf(AgentRefusedError);
    await expect(client.lock('again')).rejects.toBeInstanceOf(AgentRefusedError);
    await client.unlock('correct horse');
    expect((await client.identities()).map((i) => i.comment)).toEqual([ed.comment]);
    await expect(client.unlock('correct horse')).rejects.toBeInstanceOf(AgentRefusedError);
  });

  it('backs off after a wrong passphrase: 100 ms per failure, even the right one is refused inside it', async () => {
    await client.lock('pw');
    await expect(client.unlock('wrong')).rejects.toBeInstanceOf(AgentRefusedError);
    now += 99;
    await expect(client.unlock('pw')).rejects.toBeInstanceOf(AgentRefusedError);
    now += 1;
    await expect(client.unlock('wrong')).rejects.toBeInstanceOf(AgentRefusedError); // second failure: 200 ms
    now += 199;
    await expect(client.unlock('pw')).rejects.toBeInstanceOf(AgentRefusedError);
    now += 1;
    await client.unlock('pw');
    expect(server.locked).toBe(false);
  });
});

describe('constraints (§4.2.6)', () => {
  it('forgets a key when its lifetime ends, on the injected clock', async () => {
    await client.add(ed, { lifetimeSeconds: 10 });
    await client.add(rsa);
    expect(server.nextDeadline()).toBe(now + 10_000);
    now += 9_999;
    expect((await client.identities()).length).toBe(2);
    await client.sign(ed.publicKey, DATA);
    now += 1;
    expect((await client.identities()).map((i) => i.comment)).toEqual([rsa.comment]);
    await expect(client.sign(ed.publicKey, DATA)).rejects.toBeInstanceOf(AgentRefusedError);
    expect(server.nextDeadline()).toBeUndefined();
  });

  it('a lifetime of 0 expires at once (OpenSSH sets death = now + 0)', async () => {
    await client.add(ed, { lifetimeSeconds: 0 });
    expect(await client.identities()).toEqual([]);
  });

  it('confirm: refused without a callback; otherwise the callback decides, told the key and comment', async () => {
    await client.add(ed, { confirm: true });
    await expect(client.sign(ed.publicKey, DATA)).rejects.toBeInstanceOf(AgentRefusedError);
    const asked: AgentConfirmRequest[] = [];
    let answer = false;
    server = new AgentServer({
      crypto,
      confirm: (r) => {
        asked.push(r);
        return answer;
      },
    });
    client = memoryClient(server, () => now);
    await client.add(ed, { confirm: true });
    await client.add(rsa);
    await expect(client.sign(ed.publicKey, DATA)).rejects.toBeInstanceOf(AgentRefusedError);
    answer = true;
    await client.sign(ed.publicKey, DATA);
    await client.sign(rsa.publicKey, DATA); // not constrained: no question
    expect(asked.map((a) => a.comment)).toEqual([ed.comment, ed.comment]);
    expect(toHex(asked[0].publicKey.blob)).toBe(toHex(ed.publicKey.blob));
    expect(server.list(now).map((k) => k.confirm)).toEqual([true, false]);
  });

  it('refuses a key with a constraint extension it does not know', async () => {
    const add = encodeAgentRequest({
      type: 'add-identity',
      key: ed,
      constraints: { extension: { name: 'restrict-destination-v00@openssh.com', data: fromHex('00000000') } },
    });
    expect(decodeAgentResponse(server.handle(add, now))).toEqual({ type: 'failure' });
    expect(server.list(now)).toEqual([]);
  });
});

describe('hostile and unknown requests', () => {
  it('answers FAILURE to extensions, unsupported numbers and malformed bodies, and keeps working', async () => {
    await client.add(ed);
    const bad = [
      encodeAgentRequest({ type: 'extension', name: 'query', contents: new Uint8Array(0) }),
      Uint8Array.of(20), // SSH_AGENTC_ADD_SMARTCARD_KEY
      Uint8Array.of(13, 0, 0), // truncated SIGN_REQUEST
      new SshWriter().byte(17).string('ssh-dss').bytes(), // a key type we do not hold
      new SshWriter().byte(17).string('ssh-ed25519').uint32(0xffffffff).bytes(), // length past the end
    ];
    for (const m of bad)
      expect(decodeAgentResponse(server.handle(m, now)), toHex(m)).toEqual({ type: 'failure' });
    expect((await client.identities()).length).toBe(1);
  });

  it('agentStream answers several requests from one chunk in order, and fails on a frame over 256 KiB', () => {
    const stream = agentStream(server);
    const two = new Uint8Array([
      ...frameAgentMessage(Uint8Array.of(11)),
      ...frameAgentMessage(Uint8Array.of(19)),
    ]);
    expect(toHex(stream.receive(two, now))).toBe('000000050c00000000' + '0000000106');
    expect(() => stream.receive(fromHex('00040001'), now)).toThrow(DecodeError);
    expect(() => stream.receive(Uint8Array.of(11), now)).toThrow(DecodeError);
  });
});
