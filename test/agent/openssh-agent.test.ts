/**
 * Our AgentClient against OpenSSH's own `ssh-agent` (started per file with -a <socket> -D, killed by PID):
 * keys loaded by `ssh-add` are listed and used by us, and what we change is what `ssh-add -l` sees.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from '../../src/agent/agent-client.js';
import { AgentRefusedError } from '../../src/agent/agent-error.js';
import { connectAgent } from '../../src/agent/agent-socket.js';
import { fromBase64, toBase64, utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import {
  fingerprintSha256,
  generateKey,
  KEY_TYPES,
  type PrivateKey,
  type PublicKey,
  parsePublicKey,
  parseSignature,
  verifySignature,
} from '../../src/keys/index.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, tempDir } from '../keys/ssh-keygen.js';
import { listedFingerprints, type RunningAgent, sshAdd, startOpenSshAgent, writeAskpass } from './helpers.js';

const crypto = nodeCrypto!;
const DATA = utf8('signed through OpenSSH ssh-agent');
const tmp = tempDir();
let agent: RunningAgent;
let client: AgentClient;
const loaded: { path: string; publicKey: PublicKey; comment: string }[] = [];

beforeAll(async () => {
  // ssh-agent asks SSH_ASKPASS before each use of a confirm-constrained key; this one always says no.
  const deny = join(tmp.dir, 'deny.sh');
  writeFileSync(deny, '#!/bin/sh\nexit 1\n', { mode: 0o700 });
  agent = await startOpenSshAgent(tmp.dir, {
    SSH_ASKPASS: deny,
    SSH_ASKPASS_REQUIRE: 'force',
    DISPLAY: ':0',
  });
  for (const f of KEYGEN_FIXTURES) {
    const gen = generateWithSshKeygen(tmp.dir, `id_${f.t}${f.bits ?? ''}`, f);
    const [, b64, comment] = gen.publicLine.split(' ');
    loaded.push({ path: gen.path, publicKey: parsePublicKey(fromBase64(b64)), comment });
  }
  const add = await sshAdd(
    agent.socket,
    loaded.map((k) => k.path),
  );
  expect(add.code, add.stderr).toBe(0);
  client = await connectAgent(agent.socket);
}, 60_000);

afterAll(() => {
  client?.close();
  agent?.stop();
  tmp.cleanup();
});

describe('keys added by ssh-add', () => {
  it('are listed with the blobs and comments of their .pub files', async () => {
    const ids = await client.identities();
    expect(ids.map((i) => toBase64(i.keyBlob))).toEqual(loaded.map((k) => toBase64(k.publicKey.blob)));
    expect(ids.map((i) => i.comment)).toEqual(loaded.map((k) => k.comment));
    expect(ids.map((i) => i.publicKey?.type)).toEqual([...KEY_TYPES]);
  });

  it('sign through the agent, and the signatures verify', async () => {
    for (const k of loaded) {
      const sig = await client.sign(k.publicKey, DATA);
      expect(verifySignature(crypto, k.publicKey, sig, DATA), k.publicKey.type).toBe(true);
    }
  });

  it('RSA honours the rsa-sha2-256 / rsa-sha2-512 flags', async () => {
    const rsa = loaded.find((k) => k.publicKey.type === 'ssh-rsa')!;
    for (const alg of ['rsa-sha2-256', 'rsa-sha2-512'] as const) {
      const sig = await client.sign(rsa.publicKey, DATA, alg);
      expect(parseSignature(sig).algorithm).toBe(alg);
      expect(verifySignature(crypto, rsa.publicKey, sig, DATA, [alg])).toBe(true);
    }
  });
});

describe('changes we make are what ssh-add sees', () => {
  const ours: PrivateKey[] = KEY_TYPES.map((t) =>
    generateKey(crypto, t, { comment: `ours-${t}`, bits: 2048 }),
  );

  it('keys we add are listed by ssh-add -l with the same fingerprints, and sign', async () => {
    for (const k of ours) await client.add(k);
    const listed = listedFingerprints(await sshAdd(agent.socket, ['-l']));
    for (const k of ours) expect(listed).toContain(fingerprintSha256(k.publicKey));
    for (const k of ours) {
      const sig = await client.sign(k.publicKey, DATA);
      expect(verifySignature(crypto, k.publicKey, sig, DATA)).toBe(true);
    }
  });

  it('a key added with confirm is refused when the agent’s askpass says no', async () => {
    const k = generateKey(crypto, 'ssh-ed25519', { comment: 'confirm-me' });
    await client.add(k, { confirm: true });
    expect(listedFingerprints(await sshAdd(agent.socket, ['-l']))).toContain(fingerprintSha256(k.publicKey));
    await expect(client.sign(k.publicKey, DATA)).rejects.toBeInstanceOf(AgentRefusedError);
    await client.remove(k.publicKey);
  });

  it('a key added with a 1 s lifetime disappears from ssh-add -l', async () => {
    const k = generateKey(crypto, 'ecdsa-sha2-nistp256', { comment: 'short-lived' });
    await client.add(k, { lifetimeSeconds: 1 });
    const fp = fingerprintSha256(k.publicKey);
    expect(listedFingerprints(await sshAdd(agent.socket, ['-l']))).toContain(fp);
    let gone = false;
    for (let i = 0; i < 40 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 100));
      gone = !listedFingerprints(await sshAdd(agent.socket, ['-l'])).includes(fp);
    }
    expect(gone).toBe(true);
  });

  it('remove drops one key; removeAll empties the agent', async () => {
    await client.remove(ours[0].publicKey);
    const listed = listedFingerprints(await sshAdd(agent.socket, ['-l']));
    expect(listed).not.toContain(fingerprintSha256(ours[0].publicKey));
    expect(listed).toContain(fingerprintSha256(ours[1].publicKey));
    await expect(client.remove(ours[0].publicKey)).rejects.toBeInstanceOf(AgentRefusedError);
    await client.removeAll();
    expect(listedFingerprints(await sshAdd(agent.socket, ['-l']))).toEqual([]);
    expect(await client.identities()).toEqual([]);
  });
});

describe('lock and unlock', () => {
  it('our lock hides the keys from ssh-add; ssh-add -X unlocks with the same passphrase', async () => {
    const k = generateKey(crypto, 'ssh-ed25519', { comment: 'locked-away' });
    await client.add(k);
    await client.lock('open sesame');
    expect(listedFingerprints(await sshAdd(agent.socket, ['-l']))).toEqual([]);
    await expect(client.sign(k.publicKey, DATA)).rejects.toBeInstanceOf(AgentRefusedError);
    const unlock = await sshAdd(agent.socket, ['-X'], writeAskpass(tmp.dir, 'unlock', 'open sesame'));
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(listedFingerprints(await sshAdd(agent.socket, ['-l']))).toEqual([fingerprintSha256(k.publicKey)]);
  });

  it('ssh-add -x locks; our unlock refuses a wrong passphrase and accepts the right one', async () => {
    const lock = await sshAdd(agent.socket, ['-x'], writeAskpass(tmp.dir, 'lock', 'hunter2'));
    expect(lock.code, lock.stderr).toBe(0);
    expect(await client.identities()).toEqual([]);
    await expect(client.unlock('wrong')).rejects.toBeInstanceOf(AgentRefusedError);
    await client.unlock('hunter2');
    expect((await client.identities()).map((i) => i.comment)).toEqual(['locked-away']);
  });
});
