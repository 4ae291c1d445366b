/**
 * Issue 4, examples/ssh.ts's keys, in process (no OpenSSH): the new flags (-A, -a, -o CertificateFile,
 * IdentityAgent and ForwardAgent values as ssh_config(5) defines them), identity files (encrypted ones opened
 * only when used, with SSH_PASSPHRASE; skipped with a message in BatchMode or without a terminal), and the
 * order and pairing of everything offered: certificates (CertificateFile, KEY-cert.pub) with their file or
 * agent key, file keys (signed by the agent when it holds them), then the agent's other keys. The agent is our
 * in-memory AgentServer on a unix socket.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardAgentPath, identityAgentPath } from '../../examples/lib/ssh-agent-keys.js';
import { prepareAuthKeys } from '../../examples/lib/ssh-auth-keys.js';
import { parseSshArgs } from '../../examples/lib/ssh-config.js';
import { loadIdentityFiles } from '../../examples/lib/ssh-identity-files.js';
import {
  type AgentListener,
  AgentServer,
  connectAgent,
  defaultCrypto,
  type ExternalSigner,
  fingerprintSha256,
  formatCertificateLine,
  formatOpenSshPrivateKey,
  formatPublicKeyLine,
  generateKey,
  type PrivateKey,
  serveAgent,
  signCertificate,
  systemRandom,
  verifySignature,
} from '../../src/index.js';

const crypto = defaultCrypto();
const parse = (...argv: string[]) => parseSshArgs(argv, { USER: 'me' });
const data = new TextEncoder().encode('session identifier and request');

describe('ssh.ts flags for keys and the agent', () => {
  it('-A asks for agent forwarding, -a turns it off, and -A keeps a socket path given with -o', () => {
    expect(parse('-A', 'h').options.get('forwardagent')).toBe('yes');
    expect(parse('-Aa', 'h').options.get('forwardagent')).toBe('no');
    expect(parse('-o', 'ForwardAgent=no', '-A', 'h').options.get('forwardagent')).toBe('yes');
    expect(parse('-o', 'ForwardAgent=/run/a.sock', '-A', 'h').options.get('forwardagent')).toBe(
      '/run/a.sock',
    );
    expect(parse('h').options.has('forwardagent')).toBe(false);
  });

  it('-o CertificateFile repeats, in order, beside -i', () => {
    const cfg = parse('-i', 'k1', '-o', 'CertificateFile=c1', '-oCertificateFile c2', 'h');
    expect(cfg.identityFiles).toEqual(['k1']);
    expect(cfg.certificateFiles).toEqual(['c1', 'c2']);
  });

  it('IdentityAgent: SSH_AUTH_SOCK (default), none, $VAR, or a path', () => {
    const env = { SSH_AUTH_SOCK: '/tmp/a.sock', OTHER: '/tmp/b.sock', HOME: '/home/me' };
    expect(identityAgentPath(undefined, env)).toBe('/tmp/a.sock');
    expect(identityAgentPath('SSH_AUTH_SOCK', env)).toBe('/tmp/a.sock');
    expect(identityAgentPath('none', env)).toBeUndefined();
    expect(identityAgentPath('$OTHER', env)).toBe('/tmp/b.sock');
    expect(identityAgentPath('$MISSING', env)).toBeUndefined();
    expect(identityAgentPath('/x/agent', env)).toBe('/x/agent');
    expect(identityAgentPath(undefined, {})).toBeUndefined();
  });

  it('ForwardAgent: yes forwards the agent ssh uses; a path or $VAR forwards that one', () => {
    const env = { OTHER: '/tmp/b.sock' };
    expect(forwardAgentPath(undefined, '/tmp/a.sock', env)).toBeUndefined();
    expect(forwardAgentPath('no', '/tmp/a.sock', env)).toBeUndefined();
    expect(forwardAgentPath('yes', '/tmp/a.sock', env)).toBe('/tmp/a.sock');
    expect(forwardAgentPath('yes', undefined, env)).toBeUndefined();
    expect(forwardAgentPath('$OTHER', undefined, env)).toBe('/tmp/b.sock');
    expect(forwardAgentPath('/tmp/c.sock', undefined, env)).toBe('/tmp/c.sock');
  });
});

describe('identity files and what ssh.ts offers', () => {
  let dir: string;
  let agent: AgentListener;
  const plain = generateKey(crypto, 'ssh-ed25519', { comment: 'plain' });
  const locked = generateKey(crypto, 'ecdsa-sha2-nistp256', { comment: 'locked' });
  const inAgent = generateKey(crypto, 'ssh-ed25519', { comment: 'agent-only' });
  const ca = generateKey(crypto, 'ssh-ed25519', { comment: 'ca' });
  const path = (name: string) => join(dir, name);
  const userCert = (key: PrivateKey, keyId: string) =>
    signCertificate(crypto, {
      publicKey: key.publicKey,
      caKey: ca,
      type: 'user',
      keyId,
      principals: ['me'],
      random: systemRandom,
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxssh-issue4-keys-'));
    await writeFile(path('id_plain'), formatOpenSshPrivateKey(plain), { mode: 0o600 });
    // Encrypted, with rounds low enough for a test; its public half sits in the clear in the header.
    await writeFile(path('id_locked'), formatOpenSshPrivateKey(locked, { passphrase: 'sesame', rounds: 2 }), {
      mode: 0o600,
    });
    await writeFile(path('agent_only.pub'), `${formatPublicKeyLine(inAgent.publicKey, 'agent-only')}\n`);
    // ssh(1) picks up KEY-cert.pub beside -i KEY by itself; this one certifies the plain key.
    await writeFile(path('id_plain-cert.pub'), `${formatCertificateLine(userCert(plain, 'auto'))}\n`);
    await writeFile(path('agent-cert.pub'), `${formatCertificateLine(userCert(inAgent, 'for-agent'))}\n`);
    agent = await serveAgent(new AgentServer(), path('agent.sock'));
    const client = await connectAgent(agent.path);
    await client.add(inAgent);
    await client.add(plain);
    client.close();
  });

  afterAll(async () => {
    await agent?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const files = (...names: string[]) => names.map((n) => ({ path: path(n), explicit: true }));

  it('an encrypted key with SSH_PASSPHRASE: its public half at once, the private half only when asked', async () => {
    const warnings: string[] = [];
    const [id] = await loadIdentityFiles(files('id_locked'), {
      env: { SSH_PASSPHRASE: 'sesame' },
      batchMode: true, // SSH_PASSPHRASE needs no prompt, so BatchMode does not stop it
      warn: (l) => warnings.push(l),
    });
    expect(fingerprintSha256(id.publicKey)).toBe(fingerprintSha256(locked.publicKey));
    const key = await id.privateKey();
    expect(key && verifySignature(crypto, locked.publicKey, key.sign(crypto, data), data)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('a wrong SSH_PASSPHRASE: the key cannot sign, and the message names the file', async () => {
    const warnings: string[] = [];
    const [id] = await loadIdentityFiles(files('id_locked'), {
      env: { SSH_PASSPHRASE: 'wrong' },
      batchMode: false,
      warn: (l) => warnings.push(l),
    });
    expect(await id.privateKey()).toBeNull();
    expect(warnings).toEqual([
      `Load key "${path('id_locked')}": incorrect passphrase supplied to decrypt private key`,
    ]);
  });

  it('BatchMode=yes without SSH_PASSPHRASE: the encrypted key is skipped with a message, never a prompt', async () => {
    const warnings: string[] = [];
    const ids = await loadIdentityFiles(files('id_locked', 'id_plain', 'missing'), {
      env: {},
      batchMode: true,
      warn: (l) => warnings.push(l),
    });
    expect(ids.map((i) => i.path)).toEqual([path('id_plain')]);
    expect(warnings).toEqual([
      `Load key "${path('id_locked')}": encrypted, and SSH_PASSPHRASE is not set (BatchMode is set): key skipped`,
      `Load key "${path('missing')}": No such file or directory`,
    ]);
  });

  it('offers certificates first, then -i keys (the agent signing those it holds), then the rest of the agent', async () => {
    const cfg = parse(
      '-i',
      path('id_plain'),
      '-i',
      path('id_locked'),
      '-o',
      `CertificateFile=${path('agent-cert.pub')}`,
      'h',
    );
    const lines: string[] = [];
    const keys = await prepareAuthKeys(
      cfg,
      { SSH_AUTH_SOCK: agent.path, SSH_PASSPHRASE: 'sesame' },
      { debug: (l) => lines.push(l), warn: (l) => lines.push(l) },
    );
    try {
      const fp = (k: PrivateKey) => fingerprintSha256(k.publicKey);
      expect(keys.attempts).toEqual([
        `${path('agent-cert.pub')} ED25519-CERT ${fp(inAgent)} explicit`,
        `${path('id_plain-cert.pub')} ED25519-CERT ${fp(plain)}`,
        `${path('id_plain')} ED25519 ${fp(plain)} explicit agent`,
        `${path('id_locked')} ECDSA ${fp(locked)} explicit`,
        `agent-only ED25519 ${fp(inAgent)} agent`,
      ]);
      expect(keys.certificates.map((c) => c.key.publicKey.blob)).toEqual([
        inAgent.publicKey.blob,
        plain.publicKey.blob,
      ]);
      // The agent signs for the certificate's key; the signer records which key did, for ssh -v.
      const sig = await (keys.certificates[0].key as ExternalSigner).sign(data, 'ssh-ed25519');
      expect(verifySignature(crypto, inAgent.publicKey, sig as Uint8Array, data)).toBe(true);
      expect(keys.lastSigned()).toBe(keys.attempts[0]);
      // The encrypted file key decrypts when the server accepts it.
      const lockedSig = await keys.signers[1].sign(data, 'ecdsa-sha2-nistp256');
      expect(verifySignature(crypto, locked.publicKey, lockedSig as Uint8Array, data)).toBe(true);
      expect(keys.lastSigned()).toBe(keys.attempts[3]);
      expect(lines).toContain(`Server accepts key: ${keys.attempts[3]}`);
    } finally {
      keys.close();
    }
  });

  it('IdentitiesOnly=yes keeps the agent to the keys named with -i; IdentityAgent=none drops it', async () => {
    const quiet = { debug: () => undefined, warn: () => undefined };
    const only = await prepareAuthKeys(
      parse('-i', path('id_plain'), '-o', 'IdentitiesOnly=yes', 'h'),
      { SSH_AUTH_SOCK: agent.path },
      quiet,
    );
    only.close();
    expect(only.signers.map((s) => fingerprintSha256(s.publicKey))).toEqual([
      fingerprintSha256(plain.publicKey),
    ]);
    const none = await prepareAuthKeys(
      parse('-i', path('agent_only.pub'), '-o', 'IdentityAgent=none', 'h'),
      { SSH_AUTH_SOCK: agent.path },
      quiet,
    );
    none.close();
    // A public key file alone is offered, but nothing can sign for it without the agent.
    expect(none.attempts).toEqual([
      `${path('agent_only.pub')} ED25519 ${fingerprintSha256(inAgent.publicKey)} explicit`,
    ]);
    await expect(Promise.resolve(none.signers[0].sign(data, 'ssh-ed25519'))).rejects.toThrow(
      /no private key/,
    );
  });

  it('-i KEY.pub with the agent holding KEY: the agent signs', async () => {
    const keys = await prepareAuthKeys(
      parse('-i', path('agent_only.pub'), '-o', 'IdentitiesOnly=yes', 'h'),
      { SSH_AUTH_SOCK: agent.path },
      { debug: () => undefined, warn: () => undefined },
    );
    try {
      expect(keys.attempts).toEqual([
        `${path('agent_only.pub')} ED25519 ${fingerprintSha256(inAgent.publicKey)} explicit agent`,
      ]);
      const sig = await keys.signers[0].sign(data, 'ssh-ed25519');
      expect(verifySignature(crypto, inAgent.publicKey, sig as Uint8Array, data)).toBe(true);
    } finally {
      keys.close();
    }
  });
});
