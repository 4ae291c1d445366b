/**
 * Issue 4, examples/sshd.ts with keys and certificates, against the real OpenSSH client and our ssh.ts:
 * - the real `ssh -A` gets SSH_AUTH_SOCK on our server: `ssh-add -l` run there lists the keys of the ssh-agent
 *   this test started, and the socket's private directory is gone once the session ends;
 * - the real `ssh` with an `@cert-authority` line accepts our --host-certificate, and refuses it once @revoked;
 * - --trusted-user-ca-keys: ssh.ts with a user certificate carrying force-command runs the forced command
 *   (SSH_ORIGINAL_COMMAND holds what was asked); without permit-pty the real ssh -tt gets no pty; without
 *   permit-agent-forwarding -A gets no agent; a certificate from another CA is refused;
 * - ssh.ts -A to sshd.ts: our client forwards the agent to our server;
 * - ssh.ts on a terminal (script(1)) asks for an encrypted key's passphrase without echo, again after a wrong one.
 * Certificates are made by `ssh-keygen -s`. Both programs run as `node --import tsx`, stopped by PID.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSha256 } from '../../src/index.js';
import { type RunningAgent, sshAdd, startOpenSshAgent } from '../agent/helpers.js';
import {
  type GeneratedKey,
  generateKey,
  killQuietly,
  runProcess,
  runSsh,
  SSH_KEYGEN_PATH,
  SSH_PATH,
  sleep,
} from '../interop/harness/index.js';
import { REPO_ROOT, type RxsshdInstance, startRxsshd } from '../interop/support/example-process.js';

const skipReason = [
  SSH_PATH,
  SSH_KEYGEN_PATH,
  '/usr/bin/ssh-agent',
  '/usr/bin/ssh-add',
  '/usr/bin/script',
].find((p) => !existsSync(p));
if (skipReason) console.warn(`[interop] issue4 sshd.ts skipped: ${skipReason} is missing`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason} is missing)` : ''}`;

const USER = 'alice';

describe.skipIf(skipReason !== undefined)(
  suiteName('examples/sshd.ts: agent forwarding and certificates'),
  () => {
    let dir: string;
    let sshd: RxsshdInstance;
    let agent: RunningAgent;
    let agentKey: GeneratedKey;
    let hostKey: GeneratedKey;
    let hostCa: GeneratedKey;
    let userCa: GeneratedKey;
    const certified: Record<string, GeneratedKey> = {};

    /** `ssh-keygen -s CA -I id -n principals [options] KEY.pub`, which writes KEY-cert.pub beside the key. */
    function certify(
      ca: GeneratedKey,
      key: GeneratedKey,
      id: string,
      principals: string,
      options: string[] = [],
    ) {
      execFileSync(SSH_KEYGEN_PATH, [
        '-q',
        '-s',
        ca.privatePath,
        '-I',
        id,
        '-n',
        principals,
        ...options,
        key.publicPath,
      ]);
    }

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rxssh-issue4-rxsshd-'));
      agentKey = await generateKey(dir, 'id_agent', 'ed25519', { comment: 'agent-key' });
      hostKey = await generateKey(dir, 'host_key', 'ed25519');
      hostCa = await generateKey(dir, 'host_ca', 'ed25519');
      userCa = await generateKey(dir, 'user_ca', 'ed25519');
      const otherCa = await generateKey(dir, 'other_ca', 'ed25519');
      certify(hostCa, hostKey, 'rxsshd-host', '127.0.0.1', ['-h']);
      const certs: [string, GeneratedKey, string[]][] = [
        ['forced', userCa, ['-O', 'force-command=echo "forced:$SSH_ORIGINAL_COMMAND"']],
        ['full', userCa, []],
        ['nopty', userCa, ['-O', 'no-pty']],
        ['noagent', userCa, ['-O', 'no-agent-forwarding']],
        ['untrusted', otherCa, []],
      ];
      for (const [name, ca, options] of certs) {
        certified[name] = await generateKey(dir, `id_${name}`, 'ed25519');
        certify(ca, certified[name], `${name}-cert`, USER, options);
      }
      certified.locked = await generateKey(dir, 'id_locked', 'ed25519', { passphrase: 'sesame' });
      certify(userCa, certified.locked, 'locked-cert', USER);
      agent = await startOpenSshAgent(dir);
      const added = await sshAdd(agent.socket, [agentKey.privatePath]);
      expect(added.code, added.stderr).toBe(0);
      sshd = await startRxsshd([
        '--host-key',
        hostKey.privatePath,
        '--host-certificate',
        `${hostKey.privatePath}-cert.pub`,
        '--authorized-keys',
        agentKey.publicPath,
        '--trusted-user-ca-keys',
        userCa.publicPath,
        '-v',
      ]);
    });

    afterAll(async () => {
      await sshd?.stop();
      agent?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const knownHost = () => `[127.0.0.1]:${sshd.port} ${hostKey.publicLine}`;
    const caLine = () => `@cert-authority [127.0.0.1]:${sshd.port} ${hostCa.publicLine}`;

    /** Runs ssh.ts to the end against sshd.ts, trusting the host through its certificate. */
    async function sshTs(args: string[], command: string[], env: NodeJS.ProcessEnv = {}) {
      const knownHosts = join(dir, `known_hosts_${sshd.port}`);
      await writeFile(knownHosts, `${caLine()}\n`);
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
          `${USER}@127.0.0.1`,
          ...command,
        ],
        env: { PATH: process.env.PATH, HOME: dir, ...env },
        timeoutMs: 30_000,
      });
    }

    /** Waits until `path` is gone (the session's cleanup runs as its channel closes). */
    async function gone(path: string): Promise<boolean> {
      for (let i = 0; i < 100 && existsSync(path); i++) await sleep(20);
      return !existsSync(path);
    }

    it('the real ssh -A: ssh-add -l on our server lists the agent key; the socket goes with the session', async () => {
      const r = await runSsh({
        port: sshd.port,
        user: USER,
        identities: [agentKey.privatePath],
        knownHostsLines: [knownHost()],
        // ssh asks for forwarding only when it has an agent of its own (runSsh turns IdentityAgent off).
        options: { ForwardAgent: agent.socket, IdentityAgent: agent.socket },
        command: 'ssh-add -l && echo "sock=$SSH_AUTH_SOCK" && stat -c %a "$(dirname "$SSH_AUTH_SOCK")"',
        timeoutMs: 20_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('Requesting authentication agent forwarding.');
      expect(r.stdout).toContain(`256 ${fingerprintSha256(agentKey.blob)} agent-key (ED25519)\n`);
      const [, socket] = /sock=(\S+)\n(\d+)\n$/.exec(r.stdout) ?? [];
      expect(r.stdout).toMatch(/\n700\n$/); // a private directory, as sshd makes
      expect(await gone(dirname(socket))).toBe(true);
    });

    it('the real ssh accepts our host certificate from an @cert-authority line, and refuses it once @revoked', async () => {
      const ssh = (knownHostsLines: string[]) =>
        runSsh({
          port: sshd.port,
          user: USER,
          identities: [agentKey.privatePath],
          knownHostsLines,
          command: 'true',
          timeoutMs: 20_000,
        });
      const ok = await ssh([caLine()]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).toContain(
        `Server host certificate: ssh-ed25519-cert-v01@openssh.com ${fingerprintSha256(hostKey.blob)}`,
      );
      expect(ok.stderr).toMatch(/is known and matches the ED25519-CERT host certificate/);
      const revoked = await ssh([caLine(), `@revoked * ${hostCa.publicLine}`]);
      expect(revoked.code).toBe(255);
      expect(revoked.stderr).toMatch(/REVOKED HOST KEY DETECTED/);
    });

    it('ssh.ts with a force-command certificate runs the forced command instead of the one asked for', async () => {
      const key = certified.forced;
      const r = await sshTs(['-v', '-i', key.privatePath], ['echo', 'asked', 'for']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('forced:echo asked for\n');
      expect(r.stderr).toContain(
        `with ${key.privatePath}-cert.pub ED25519-CERT ${fingerprintSha256(key.blob)}\n`,
      );
      await sshd.waitFor(
        new RegExp(
          `Accepted publickey for ${USER} from 127\\.0\\.0\\.1 port \\d+ ssh2: ssh-ed25519-cert-v01@openssh\\.com \\S+ ID forced-cert \\(serial 0\\) CA ssh-ed25519`,
        ),
      );
    });

    it('without permit-pty the real ssh -tt is refused a pty (with it, it gets one)', async () => {
      const tty = (key: GeneratedKey) =>
        runSsh({
          port: sshd.port,
          user: USER,
          identities: [key.privatePath], // ssh loads KEY-cert.pub beside it
          knownHostsLines: [knownHost()],
          extraArgs: ['-tt'],
          command: 'tty',
          timeoutMs: 20_000,
        });
      // ssh(1): a pty asked for with -t/-tt that cannot be had ends the session (the server must not crash).
      const refused = await tty(certified.nopty);
      expect(refused.stderr).toContain('PTY allocation request failed on channel 0');
      expect(refused.stdout).not.toMatch(/\/dev\/pts/);
      await sshd.waitFor(/session: pty refused: the certificate has no permit-pty/);
      const allowed = await tty(certified.full);
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(allowed.stdout).toMatch(/^\/dev\/pts\/\d+\r?\n$/);
    });

    it('ssh.ts -A to sshd.ts: ssh-add -l there lists our agent; a certificate without permit-agent-forwarding gets none', async () => {
      const env = { SSH_AUTH_SOCK: agent.socket };
      const fwd = await sshTs(['-A'], ['ssh-add', '-l'], env);
      expect(fwd.code, fwd.stderr).toBe(0);
      expect(fwd.stdout).toBe(`256 ${fingerprintSha256(agentKey.blob)} agent-key (ED25519)\n`);
      // IdentitiesOnly: log in with the certificate, not the agent key; the agent is still there to forward.
      const refused = await sshTs(
        ['-A', '-o', 'IdentitiesOnly=yes', '-i', certified.noagent.privatePath],
        ['echo', '"[$SSH_AUTH_SOCK]"'],
        env,
      );
      expect(refused.code, refused.stderr).toBe(0);
      expect(refused.stdout).toBe('[]\n');
    });

    it('an encrypted key on a terminal: a hidden passphrase prompt, asked again after a wrong answer', async () => {
      const knownHosts = join(dir, 'known_hosts_tty');
      await writeFile(knownHosts, `${caLine()}\n`);
      const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
      const command = [
        ...[process.execPath, '--import', 'tsx', join(REPO_ROOT, 'examples', 'ssh.ts')],
        ...['-i', certified.locked.privatePath, '-o', 'IdentityAgent=none', '-p', String(sshd.port)],
        ...['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes'],
        ...[`${USER}@127.0.0.1`, 'echo', 'unlocked'],
      ];
      // script(1) runs ssh.ts on a pty of its own, so stdin and stderr are a terminal.
      const child = spawn('script', ['-qfec', command.map(quote).join(' '), '/dev/null'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: dir, TERM: 'dumb' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
      });
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      const killer = setTimeout(() => child.pid && killQuietly(child.pid, 'SIGKILL'), 30_000);
      const prompt = `Enter passphrase for key '${certified.locked.privatePath}': `;
      const prompts = () => out.split(prompt).length - 1;
      const until = async (done: () => boolean) => {
        for (let i = 0; i < 1000 && !done(); i++) await sleep(20);
        expect(done(), out).toBe(true);
      };
      try {
        await until(() => prompts() === 1);
        child.stdin.write('wrong\r');
        await until(() => prompts() === 2);
        child.stdin.write('sesame\r');
        expect(await exited, out).toBe(0);
      } finally {
        clearTimeout(killer);
        if (child.pid && child.exitCode === null) killQuietly(child.pid, 'SIGKILL');
      }
      expect(out).toContain('incorrect passphrase supplied to decrypt private key');
      expect(out).toMatch(/unlocked\r?\n$/);
      // Nothing typed was echoed.
      expect(out).not.toMatch(/wrong|sesame/);
    });

    it('a certificate from a CA it does not trust is refused, and the server says why', async () => {
      const r = await sshTs(['-o', 'IdentityAgent=none', '-i', certified.untrusted.privatePath], ['true']);
      expect(r.code).toBe(255);
      expect(r.stderr).toBe(`${USER}@127.0.0.1: Permission denied (publickey).\n`);
      await sshd.waitFor(new RegExp(`Certificate for ${USER} refused: .*`));
    });
  },
);
