/**
 * Issue 4, examples/ssh.ts against the real OpenSSH sshd, with keys as users have them: a real ssh-agent
 * started here (SSH_AUTH_SOCK), an encrypted `-i` key opened with SSH_PASSPHRASE, user certificates made by
 * `ssh-keygen -s` (`-o CertificateFile`, `KEY-cert.pub` beside `-i KEY`, and one held by the agent) against
 * TrustedUserCAKeys, sshd's HostCertificate checked against an `@cert-authority` line (and `@revoked`), and
 * `-A` (agent forwarding: `ssh-add -l` run by sshd lists the agent's key). sshd's "Accepted publickey" line
 * and `ssh.ts -v` are the witnesses. ssh.ts runs as `node --import tsx`, killed by PID at a timeout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSha256 } from '../../src/index.js';
import { type RunningAgent, sshAdd, startOpenSshAgent } from '../agent/helpers.js';
import {
  type GeneratedKey,
  generateKey,
  interopSkipReason,
  runProcess,
  SSH_KEYGEN_PATH,
  type SshdInstance,
  startSshd,
  TEST_USER,
} from '../interop/harness/index.js';
import { REPO_ROOT } from '../interop/support/example-process.js';

const skipReason =
  interopSkipReason({ testUser: true }) ?? (existsSync('/usr/bin/ssh-agent') ? undefined : 'no ssh-agent');
if (skipReason) console.warn(`[interop] issue4 ssh.ts vs sshd skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

const CERT_ALG = 'ssh-ed25519-cert-v01@openssh.com';
/** sshd (without PAM, passwords off) still lists keyboard-interactive. */
const denied = `${TEST_USER}@127.0.0.1: Permission denied (publickey,keyboard-interactive).\n`;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe.skipIf(skipReason !== undefined)(suiteName('examples/ssh.ts keys against OpenSSH sshd'), () => {
  let dir: string;
  let sshd: SshdInstance;
  let agent: RunningAgent;
  let agentKey: GeneratedKey;
  let locked: GeneratedKey;
  let autoCert: GeneratedKey;
  let explicitCert: GeneratedKey;
  let userCa: GeneratedKey;
  let hostCa: GeneratedKey;
  const path = (name: string) => join(dir, name);

  /** `ssh-keygen -s CA -I id -n principals [-h] KEY.pub`, which writes KEY-cert.pub. */
  function certify(ca: GeneratedKey, key: GeneratedKey, id: string, principals: string, host = false) {
    const args = ['-q', '-s', ca.privatePath, '-I', id, '-n', principals];
    execFileSync(SSH_KEYGEN_PATH, [...args, ...(host ? ['-h'] : []), key.publicPath]);
    return key.privatePath.replace(/$/, '-cert.pub');
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxssh-issue4-ssh-'));
    agentKey = await generateKey(dir, 'id_agent', 'ed25519', { comment: 'agent-key' });
    locked = await generateKey(dir, 'id_locked', 'ed25519', { passphrase: 'sesame' });
    autoCert = await generateKey(dir, 'id_auto', 'ed25519');
    explicitCert = await generateKey(dir, 'id_explicit', 'ed25519');
    userCa = await generateKey(dir, 'user_ca', 'ed25519');
    hostCa = await generateKey(dir, 'host_ca', 'ed25519');
    certify(userCa, autoCert, 'auto-cert', TEST_USER);
    // CertificateFile names this one: it does not sit beside its key.
    await mkdir(path('certs'));
    await copyFile(certify(userCa, explicitCert, 'explicit-cert', TEST_USER), path('certs/explicit.pub'));
    await rm(path('id_explicit-cert.pub'));
    const host = await generateKey(dir, 'ssh_host_ed25519_key', 'ed25519');
    const hostCert = certify(hostCa, host, 'sshd-host', '127.0.0.1', true);
    agent = await startOpenSshAgent(dir);
    const added = await sshAdd(agent.socket, [agentKey.privatePath]);
    expect(added.code, added.stderr).toBe(0);
    sshd = await startSshd({
      hostKeys: [host],
      extraConfig: [`HostCertificate ${hostCert}`, `TrustedUserCAKeys ${userCa.publicPath}`],
      authorizedKeys: { [TEST_USER]: [agentKey.publicLine, locked.publicLine] },
      passwordAuthentication: false,
    });
  });

  afterAll(async () => {
    await sshd?.stop();
    agent?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs ssh.ts to the end with a clean environment (HOME without ~/.ssh, no agent unless given). */
  function sshTs(
    args: string[],
    command: string[],
    env: NodeJS.ProcessEnv = {},
    knownHosts = sshd.knownHostsPath,
  ) {
    return runProcess(process.execPath, {
      args: [
        '--import',
        'tsx',
        join(REPO_ROOT, 'examples', 'ssh.ts'),
        ...args,
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        `${TEST_USER}@127.0.0.1`,
        ...command,
      ],
      env: { PATH: process.env.PATH, HOME: dir, ...env },
      timeoutMs: 30_000,
    });
  }

  /** sshd's line for a publickey login with the given key (and, for certificates, the key id). */
  const accepted = (key: GeneratedKey, cert?: string) =>
    sshd.waitForLog(
      new RegExp(
        `Accepted publickey for ${TEST_USER} from 127\\.0\\.0\\.1 port \\d+ ssh2: ${cert ? 'ED25519-CERT' : 'ED25519'} ${escapeRegExp(fingerprintSha256(key.blob))}${cert ? ` ID ${cert} ` : ''}`,
      ),
      5_000,
    );

  it('authenticates through the ssh-agent at SSH_AUTH_SOCK, and -v names the agent key', async () => {
    const r = await sshTs(['-v'], ['whoami'], { SSH_AUTH_SOCK: agent.socket });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${TEST_USER}\n`);
    const fp = fingerprintSha256(agentKey.blob);
    expect(r.stderr).toContain(`debug1: Will attempt key: agent-key ED25519 ${fp} agent\n`);
    expect(r.stderr).toContain(
      `debug1: Authentication succeeded (publickey) with agent-key ED25519 ${fp} agent\n`,
    );
    expect(r.stderr).toMatch(/Authenticated to 127\.0\.0\.1 \(\[127\.0\.0\.1\]:\d+\) using "publickey"\.\n/);
    await accepted(agentKey);
  });

  it('-o IdentityAgent=none leaves the agent alone: nothing to log in with', async () => {
    const r = await sshTs(['-o', 'IdentityAgent=none'], ['true'], { SSH_AUTH_SOCK: agent.socket });
    expect(r.code).toBe(255);
    expect(r.stderr).toBe(denied);
  });

  it('an encrypted -i key opens with SSH_PASSPHRASE', async () => {
    const r = await sshTs(['-v', '-i', locked.privatePath], ['echo', 'unlocked'], {
      SSH_PASSPHRASE: 'sesame',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('unlocked\n');
    expect(r.stderr).toContain(
      `Authentication succeeded (publickey) with ${locked.privatePath} ED25519 ${fingerprintSha256(locked.blob)} explicit\n`,
    );
    await accepted(locked);
  });

  it('without SSH_PASSPHRASE and no terminal (or with BatchMode=yes) the key is skipped with a message', async () => {
    for (const [flags, why] of [
      [[], 'there is no terminal to ask on'],
      [['-o', 'BatchMode=yes'], 'BatchMode is set'],
    ] as const) {
      const r = await sshTs([...flags, '-i', locked.privatePath], ['true']);
      expect(r.code).toBe(255);
      expect(r.stderr).toBe(
        `Load key "${locked.privatePath}": encrypted, and SSH_PASSPHRASE is not set (${why}): key skipped\n` +
          denied,
      );
    }
  });

  it('a wrong SSH_PASSPHRASE: the key is refused with a message naming the file', async () => {
    const r = await sshTs(['-i', locked.privatePath], ['true'], { SSH_PASSPHRASE: 'not it' });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(
      `Load key "${locked.privatePath}": incorrect passphrase supplied to decrypt private key\n`,
    );
  });

  it('a user certificate from -o CertificateFile logs in against TrustedUserCAKeys', async () => {
    const r = await sshTs(
      ['-v', '-i', explicitCert.privatePath, '-o', `CertificateFile=${path('certs/explicit.pub')}`],
      ['whoami'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `with ${path('certs/explicit.pub')} ED25519-CERT ${fingerprintSha256(explicitCert.blob)} explicit\n`,
    );
    await accepted(explicitCert, 'explicit-cert');
  });

  it('-i KEY also loads KEY-cert.pub beside it, as ssh does', async () => {
    const r = await sshTs(['-v', '-i', autoCert.privatePath], ['whoami']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`with ${autoCert.privatePath}-cert.pub ED25519-CERT`);
    await accepted(autoCert, 'auto-cert');
    // Without the certificate the key alone is not authorized.
    const keyOnly = await sshTs(['-i', explicitCert.privatePath], ['true']);
    expect(keyOnly.code).toBe(255);
  });

  it('a certificate held by the agent (ssh-add loads KEY-cert.pub too) logs in with the agent signing', async () => {
    const own = await startOpenSshAgent(await mkdtemp(join(dir, 'agent2-')));
    try {
      const added = await sshAdd(own.socket, [autoCert.privatePath]);
      expect(added.stderr).toMatch(/Certificate added/);
      const r = await sshTs(['-v'], ['whoami'], { SSH_AUTH_SOCK: own.socket });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Authentication succeeded \(publickey\) with \S+ ED25519-CERT \S+ agent\n/);
      await accepted(autoCert, 'auto-cert');
    } finally {
      own.stop();
    }
  });

  it("sshd's host certificate is accepted from an @cert-authority line, and refused once @revoked", async () => {
    const caLine = `@cert-authority [127.0.0.1]:${sshd.port} ${hostCa.publicLine}`;
    const trusting = path('known_hosts_ca');
    await writeFile(trusting, `${caLine}\n`);
    const ok = await sshTs(['-v'], ['true'], { SSH_AUTH_SOCK: agent.socket }, trusting);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`debug1: kex: host key algorithm: ${CERT_ALG}\n`);
    expect(ok.stderr).not.toMatch(/Permanently added/);

    const revoked = path('known_hosts_revoked');
    await writeFile(revoked, `${caLine}\n@revoked * ${hostCa.publicLine}\n`);
    const refused = await sshTs([], ['true'], { SSH_AUTH_SOCK: agent.socket }, revoked);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/revoked/);
    expect(refused.stderr).toMatch(/Host key verification failed\.\n$/);
  });

  it('-A forwards the agent: ssh-add -l on the server lists its key; without -A there is none', async () => {
    const env = { SSH_AUTH_SOCK: agent.socket };
    const fwd = await sshTs(['-v', '-A'], ['ssh-add', '-l'], env);
    expect(fwd.code, fwd.stderr).toBe(0);
    expect(fwd.stdout).toContain(`${fingerprintSha256(agentKey.blob)} agent-key (ED25519)`);
    expect(fwd.stderr).toContain('debug1: Requesting authentication agent forwarding.\n');
    const without = await sshTs([], ['ssh-add', '-l'], env);
    expect(without.code).toBe(2); // ssh-add: "Could not open a connection to your authentication agent."
  });
});
