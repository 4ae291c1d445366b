/**
 * Unix-socket forwarding (OpenSSH PROTOCOL §2.4) of our command-line client, examples/ssh.ts, against the real
 * OpenSSH 9.2 server (AllowStreamLocalForwarding is yes by default): `-L /local.sock:/remote.sock`
 * (direct-streamlocal@openssh.com), `-L port:/remote.sock`, `-R /remote.sock:/local.sock` and
 * `-R /remote.sock:host:port` (streamlocal-forward@openssh.com, forwarded-streamlocal@openssh.com) and
 * `-R 0:/local.sock` (tcpip-forward to a socket here). Data goes both ways with EOF, and our sockets are
 * removed when the client stops. sshd binds and connects as the logged-in user, so the folder is world-writable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  interopSkipReason,
  makeUserKeys,
  type SshdInstance,
  startSshd,
  TEST_USER,
  type UserKeySet,
} from './harness/index.js';
import { type EchoServer, exchange, exchangeWith, startEchoServer } from './support/channel-echo-server.js';
import { MiB, sha256Hex } from './support/channel-run.js';
import { type ExampleProcess, startExample } from './support/example-process.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] streamlocal-ssh-example-vs-sshd skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

describe.skipIf(skipReason !== undefined)(
  suiteName('examples/ssh.ts Unix-socket forwarding against OpenSSH sshd'),
  () => {
    let sshd: SshdInstance;
    let keys: UserKeySet;
    let dir: string;
    let unixEcho: EchoServer;
    let tcpEcho: EchoServer;
    const running: ExampleProcess[] = [];
    const echoPath = () => join(dir, 'echo.sock');
    let n = 0;
    const fresh = (what: string) => join(dir, `${what}-${++n}.sock`);

    beforeAll(async () => {
      keys = await makeUserKeys(['ed25519']);
      sshd = await startSshd({ authorizedKeys: { [TEST_USER]: [keys.get('ed25519').publicLine] } });
      dir = await mkdtemp(join(tmpdir(), 'rxssh-sl-ssh-'));
      await chmod(dir, 0o777);
      unixEcho = await startEchoServer(echoPath());
      tcpEcho = await startEchoServer();
    });

    afterAll(async () => {
      await Promise.all(running.map((p) => p.stop()));
      await unixEcho?.close();
      await tcpEcho?.close();
      await sshd?.stop();
      await keys?.cleanup();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    /** Starts `ssh.ts -v -N -o ExitOnForwardFailure=yes FLAG SPEC` against sshd as the test user. */
    function forwarding(flag: '-L' | '-R', spec: string): ExampleProcess {
      const proc = startExample(
        'ssh.ts',
        [
          '-v',
          '-N',
          '-o',
          'ExitOnForwardFailure=yes',
          flag,
          spec,
          '-i',
          keys.get('ed25519').privatePath,
          '-p',
          String(sshd.port),
          '-o',
          `UserKnownHostsFile=${sshd.knownHostsPath}`,
          '-o',
          'StrictHostKeyChecking=yes',
          `${TEST_USER}@127.0.0.1`,
        ],
        { ...process.env, SSHPASS: undefined, SSH_AUTH_SOCK: undefined },
      );
      running.push(proc);
      return proc;
    }

    /** Two connections at once through `address`, 1 MiB each, echoed back intact (EOF both ways). */
    async function echoesThrough(address: { path: string } | { port: number }, echo: EchoServer) {
      const before = echo.sawEnd;
      const sent = [randomBytes(MiB), randomBytes(MiB)];
      const back = await Promise.all(
        sent.map((d) => ('path' in address ? exchangeWith(address, d) : exchange(address.port, d))),
      );
      for (const [i, b] of back.entries()) expect(sha256Hex(b), `connection ${i}`).toBe(sha256Hex(sent[i]));
      expect(echo.sawEnd - before).toBe(2);
    }

    it("-L /local.sock:/remote.sock: direct-streamlocal to sshd's side; the local socket goes when ssh.ts stops", async () => {
      const local = fresh('local');
      const proc = forwarding('-L', `${local}:${echoPath()}`);
      await proc.waitFor(new RegExp(`Local forwarding listening on path ${local}\\.`));
      await echoesThrough({ path: local }, unixEcho);
      await sshd.waitForLog(/server_request_direct_streamlocal/);
      await proc.stop();
      expect(proc.exitCode()).toBe(0);
      expect(existsSync(local)).toBe(false);
    });

    it('-L port:/remote.sock: a TCP listener here, direct-streamlocal there', async () => {
      const proc = forwarding('-L', `127.0.0.1:0:${echoPath()}`);
      const m = await proc.waitFor(/Local forwarding listening on 127\.0\.0\.1 port (\d+)\./);
      await echoesThrough({ port: Number(m[1]) }, unixEcho);
      await proc.stop();
      expect(proc.exitCode()).toBe(0);
    });

    it('-R /remote.sock:/local.sock: sshd creates the socket, connections come back to our socket', async () => {
      const remote = fresh('remote');
      const proc = forwarding('-R', `${remote}:${echoPath()}`);
      await proc.waitFor(new RegExp(`remote forward success for: listen ${remote}, connect ${echoPath()}`));
      expect(existsSync(remote)).toBe(true);
      await echoesThrough({ path: remote }, unixEcho);
      await proc.stop();
      expect(proc.exitCode()).toBe(0);
    });

    it("-R /remote.sock:host:port: connections to sshd's socket reach a TCP port here", async () => {
      const remote = fresh('remote');
      const proc = forwarding('-R', `${remote}:127.0.0.1:${tcpEcho.port}`);
      await proc.waitFor(
        new RegExp(`remote forward success for: listen ${remote}, connect 127\\.0\\.0\\.1:`),
      );
      await echoesThrough({ path: remote }, tcpEcho);
      await proc.stop();
      expect(proc.exitCode()).toBe(0);
    });

    it('-R 0:/local.sock: sshd allocates a TCP port whose connections reach our socket', async () => {
      const proc = forwarding('-R', `0:${echoPath()}`);
      const m = await proc.waitFor(/Allocated port (\d+) for remote forward to /);
      await echoesThrough({ port: Number(m[1]) }, unixEcho);
      await proc.stop();
      expect(proc.exitCode()).toBe(0);
    });

    it('a socket path sshd cannot create: ExitOnForwardFailure ends ssh.ts with 255', async () => {
      // The test user cannot write to /root (mode 0700), so sshd's bind fails and it refuses the request.
      const proc = forwarding('-R', `/root/rxssh-no-${process.pid}.sock:${echoPath()}`);
      expect(await proc.waitForExit(20_000)).toBe(255);
      expect(proc.output()).toMatch(/remote port forwarding failed for listen path \/root\/rxssh-no-/);
    });
  },
);
