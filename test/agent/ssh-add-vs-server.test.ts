/**
 * OpenSSH's tools against our AgentServer on a unix socket (serveAgent): `ssh-add -l/-L`, adding key files
 * of every type (with -t and -c constraints), `-d`, `-D`, `-x`/`-X` through SSH_ASKPASS, and
 * `ssh-keygen -Y sign` signing through our agent (PROTOCOL.sshsig), checked by `ssh-keygen -Y check-novalidate`
 * and by our verifier.
 */
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentListener, serveAgent } from '../../src/agent/agent-listen.js';
import { AgentServer } from '../../src/agent/agent-server.js';
import { connectAgent } from '../../src/agent/agent-socket.js';
import { fromBase64, toBase64, utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import {
  fingerprintSha256,
  generateKey,
  type PublicKey,
  parsePublicKey,
  verifySignature,
} from '../../src/keys/index.js';
import { runProcess } from '../interop/harness/process.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, sshKeygenFingerprint, tempDir } from '../keys/ssh-keygen.js';
import { parseArmoredSshSig, sshSigSignedData } from '../keys/sshsig.js';
import { listedFingerprints, sshAdd, writeAskpass } from './helpers.js';

const crypto = nodeCrypto!;
const tmp = tempDir();
let clockMs = 0;
const server = new AgentServer({ crypto });
let listener: AgentListener;
let socket: string;
const files: { type: string; path: string; pubLine: string; publicKey: PublicKey; fingerprint: string }[] =
  [];

beforeAll(async () => {
  socket = join(tmp.dir, 'rxssh-agent.sock');
  listener = await serveAgent(server, socket, { clock: () => clockMs });
  for (const f of KEYGEN_FIXTURES) {
    const gen = generateWithSshKeygen(tmp.dir, `key_${f.t}${f.bits ?? ''}`, f);
    files.push({
      type: f.type,
      path: gen.path,
      pubLine: gen.publicLine,
      publicKey: parsePublicKey(fromBase64(gen.publicLine.split(' ')[1])),
      fingerprint: sshKeygenFingerprint(gen.path, 'sha256'),
    });
  }
}, 60_000);

afterAll(async () => {
  await listener?.close();
  tmp.cleanup();
});

describe('ssh-add against our agent', () => {
  it('the socket is owner-only (0600)', () => {
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  it('ssh-add -l on an empty agent says it has no identities', async () => {
    const out = await sshAdd(socket, ['-l']);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/no identities/);
  });

  it('ssh-add <keyfile> for every type; -l shows ssh-keygen’s fingerprints, -L the .pub lines', async () => {
    const add = await sshAdd(
      socket,
      files.map((f) => f.path),
    );
    expect(add.code, add.stderr).toBe(0);
    expect(listedFingerprints(await sshAdd(socket, ['-l']))).toEqual(files.map((f) => f.fingerprint));
    const lines = (await sshAdd(socket, ['-L'])).stdout.trim().split('\n');
    expect(lines).toEqual(files.map((f) => f.pubLine));
    expect(server.list(clockMs).map((k) => k.publicKey.type)).toEqual(files.map((f) => f.type));
  });

  it('ssh-add -t and -c reach us as lifetime and confirm constraints', async () => {
    const gen = generateWithSshKeygen(tmp.dir, 'constrained', KEYGEN_FIXTURES[0]);
    clockMs = 5_000;
    const add = await sshAdd(socket, ['-t', '60', '-c', gen.path]);
    expect(add.code, add.stderr).toBe(0);
    const held = server.list(clockMs).find((k) => k.comment === 'constrained@rxssh-test');
    expect(held).toMatchObject({ confirm: true, expiresAt: 65_000 });
    clockMs = 65_000; // the lifetime ends on our clock: the next request no longer sees the key
    const listed = listedFingerprints(await sshAdd(socket, ['-l']));
    expect(listed).toEqual(files.map((f) => f.fingerprint));
  });

  it('ssh-keygen -Y sign with only the public key signs through our agent, for every type', async () => {
    const pubDir = join(tmp.dir, 'public-only');
    mkdirSync(pubDir, { recursive: true });
    const message = 'signed by ssh-keygen through the rxssh agent\n';
    const msgPath = join(tmp.dir, 'message.txt');
    writeFileSync(msgPath, message);
    for (const f of files) {
      const pub = join(pubDir, `${f.type}.pub`);
      copyFileSync(`${f.path}.pub`, pub); // no private key next to it: ssh-keygen must use the agent
      const env = { PATH: process.env.PATH, HOME: process.env.HOME, SSH_AUTH_SOCK: socket };
      const sign = await runProcess('ssh-keygen', {
        args: ['-Y', 'sign', '-f', pub, '-n', 'file'],
        stdin: message,
        env,
      });
      expect(sign.code, sign.stderr).toBe(0);
      const sigPath = join(tmp.dir, `${f.type}.sig`);
      writeFileSync(sigPath, sign.stdout);
      const check = await runProcess('ssh-keygen', {
        args: ['-Y', 'check-novalidate', '-n', 'file', '-s', sigPath],
        stdin: readFileSync(msgPath),
        env,
      });
      expect(check.code, check.stdout + check.stderr).toBe(0);
      const sig = parseArmoredSshSig(sign.stdout);
      expect(toBase64(sig.publicKey)).toBe(toBase64(f.publicKey.blob));
      const signed = sshSigSignedData(crypto, 'file', sig.hashAlgorithm, utf8(message));
      expect(verifySignature(crypto, f.publicKey, sig.signature, signed), f.type).toBe(true);
    }
  });

  it('ssh-add -d removes one key; ssh-add -D removes all', async () => {
    const del = await sshAdd(socket, ['-d', files[0].path]);
    expect(del.code, del.stderr).toBe(0);
    expect(listedFingerprints(await sshAdd(socket, ['-l']))).toEqual(
      files.slice(1).map((f) => f.fingerprint),
    );
    const all = await sshAdd(socket, ['-D']);
    expect(all.code, all.stderr).toBe(0);
    expect(listedFingerprints(await sshAdd(socket, ['-l']))).toEqual([]);
  });

  it('ssh-add -x locks and -X unlocks (passphrases through SSH_ASKPASS); a wrong one is refused', async () => {
    const add = await sshAdd(socket, [files[1].path]);
    expect(add.code, add.stderr).toBe(0);
    const lock = await sshAdd(socket, ['-x'], writeAskpass(tmp.dir, 'lock', 'tr0ub4dor'));
    expect(lock.code, lock.stderr).toBe(0);
    expect(server.locked).toBe(true);
    expect(listedFingerprints(await sshAdd(socket, ['-l']))).toEqual([]);
    const wrong = await sshAdd(socket, ['-X'], writeAskpass(tmp.dir, 'wrong', 'not it'));
    expect(wrong.code).not.toBe(0);
    clockMs += 100; // past the back-off after one failure
    const unlock = await sshAdd(socket, ['-X'], writeAskpass(tmp.dir, 'unlock', 'tr0ub4dor'));
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(listedFingerprints(await sshAdd(socket, ['-l']))).toEqual([files[1].fingerprint]);
  });
});

describe('our client and hostile peers over the socket', () => {
  it('our AgentClient talks to our server over the unix socket', async () => {
    const client = await connectAgent(socket);
    const k = generateKey(crypto, 'ssh-ed25519', { comment: 'via-socket' });
    await client.add(k);
    const data = utf8('over a real socket');
    expect(verifySignature(crypto, k.publicKey, await client.sign(k.publicKey, data), data)).toBe(true);
    expect(listedFingerprints(await sshAdd(socket, ['-l']))).toContain(fingerprintSha256(k.publicKey));
    client.close();
  });

  it('a peer announcing a 4 GiB message is disconnected at once; others are still served', async () => {
    const closed = await new Promise<boolean>((resolve) => {
      const s = net.connect({ path: socket }, () => s.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff)));
      s.on('close', () => resolve(true));
      s.on('error', () => {});
      setTimeout(() => resolve(false), 5_000).unref();
    });
    expect(closed).toBe(true);
    expect((await sshAdd(socket, ['-l'])).code).toBe(0);
  });
});
