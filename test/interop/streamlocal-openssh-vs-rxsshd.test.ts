/**
 * OpenSSH's `ssh` forwarding Unix sockets (OpenSSH PROTOCOL §2.4) through our example server,
 * examples/sshd.ts: `ssh -L /local.sock:/remote.sock` (direct-streamlocal@openssh.com), `ssh -R
 * /remote.sock:/local.sock` (streamlocal-forward@openssh.com, then forwarded-streamlocal@openssh.com channels
 * back to ssh). Data goes both ways with EOF; the server's socket is 0600 and removed when ssh disconnects;
 * a stale socket is refused unless --streamlocal-bind-unlink yes; --allow-streamlocal-forwarding no refuses.
 */

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedKey, generateKey, interopSkipReason, sleep } from './harness/index.js';
import { type EchoServer, exchangeWith, startEchoServer } from './support/channel-echo-server.js';
import { MiB, sha256Hex, withDeadline } from './support/channel-run.js';
import { type BackgroundSsh, startSshBackground } from './support/channel-ssh.js';
import { type RxsshdInstance, startRxsshd } from './support/example-process.js';

const skipReason = interopSkipReason();
if (skipReason) console.warn(`[interop] streamlocal-openssh-vs-rxsshd skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

/** The example server's own login (--authorized-keys), not a system account. */
const USER = 'rxssh-interop';

describe.skipIf(skipReason !== undefined)(
  suiteName('OpenSSH ssh Unix-socket forwarding through examples/sshd.ts'),
  () => {
    let dir: string;
    let hostKey: GeneratedKey;
    let userKey: GeneratedKey;
    let unixEcho: EchoServer;
    const servers: RxsshdInstance[] = [];
    const clients: BackgroundSsh[] = [];
    const echoPath = () => join(dir, 'echo.sock');
    let n = 0;
    const fresh = (what: string) => join(dir, `${what}-${++n}.sock`);

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rxssh-sl-rxsshd-'));
      hostKey = await generateKey(dir, 'host_ed25519', 'ed25519');
      userKey = await generateKey(dir, 'id_ed25519', 'ed25519');
      await writeFile(join(dir, 'authorized_keys'), `${userKey.publicLine}\n`);
      unixEcho = await startEchoServer(echoPath());
    });

    afterAll(async () => {
      await Promise.all(clients.map((c) => c.stop()));
      await Promise.all(servers.map((s) => s.stop()));
      await unixEcho?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function server(...args: string[]): Promise<RxsshdInstance> {
      const s = await startRxsshd([
        '-v',
        '--host-key',
        hostKey.privatePath,
        '--authorized-keys',
        join(dir, 'authorized_keys'),
        ...args,
      ]);
      servers.push(s);
      return s;
    }

    async function ssh(s: RxsshdInstance, flag: '-L' | '-R', spec: string): Promise<BackgroundSsh> {
      const c = await startSshBackground({
        port: s.port,
        user: USER,
        knownHostsLines: [
          `[127.0.0.1]:${s.port} ${hostKey.keyType} ${Buffer.from(hostKey.blob).toString('base64')}`,
        ],
        identities: [userKey.privatePath],
        noCommand: true,
        options: { ExitOnForwardFailure: 'yes' },
        extraArgs: [flag, spec],
      });
      clients.push(c);
      return c;
    }

    /** Two connections at once through the socket at `path`, 1 MiB each, echoed back intact (EOF both ways). */
    async function echoesThrough(path: string) {
      const before = unixEcho.sawEnd;
      const sent = [randomBytes(MiB), randomBytes(MiB)];
      const back = await Promise.all(sent.map((d) => exchangeWith({ path }, d)));
      for (const [i, b] of back.entries()) expect(sha256Hex(b), `connection ${i}`).toBe(sha256Hex(sent[i]));
      expect(unixEcho.sawEnd - before).toBe(2);
    }

    /** Connects, writes a little, and resolves with the bytes received once closed (by an end or a reset). */
    function closedWithout(address: { path: string }): Promise<number> {
      return withDeadline(
        new Promise<number>((resolve, reject) => {
          const socket = netConnect(address);
          let received = 0;
          socket.on('data', (d: Buffer) => {
            received += d.length;
          });
          socket.on('error', (err: NodeJS.ErrnoException) => {
            if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
          });
          socket.on('close', () => resolve(received));
          socket.on('connect', () => socket.write('hello?'));
        }),
        10_000,
        'the refused connection to close',
      );
    }

    async function waitGone(path: string, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (existsSync(path) && Date.now() < deadline) await sleep(25);
      return !existsSync(path);
    }

    it('ssh -L /local.sock:/remote.sock: the server connects to the socket by direct-streamlocal', async () => {
      const s = await server();
      const local = fresh('local');
      const c = await ssh(s, '-L', `${local}:${echoPath()}`);
      // ssh -v (channels.c) once its listener exists.
      await c.waitFor(new RegExp(`Local forwarding listening on path ${local}`));
      await echoesThrough(local);
      await s.waitFor(new RegExp(`direct-streamlocal to ${echoPath()}`));
    });

    it('ssh -R /remote.sock:/local.sock: the server creates a 0600 socket and removes it when ssh leaves', async () => {
      const s = await server();
      const remote = fresh('remote');
      const c = await ssh(s, '-R', `${remote}:${echoPath()}`);
      await s.waitFor(new RegExp(`Remote forwarding listening on path ${remote}\\.`));
      await c.waitFor(/remote forward success for: listen /);
      expect(statSync(remote).isSocket()).toBe(true);
      expect(statSync(remote).mode & 0o777).toBe(0o600);
      await echoesThrough(remote);
      await c.stop();
      expect(await waitGone(remote)).toBe(true);
    });

    it('stopping the server removes the sockets it made', async () => {
      const s = await server();
      const remote = fresh('remote');
      const c = await ssh(s, '-R', `${remote}:${echoPath()}`);
      await c.waitFor(/remote forward success for: listen /);
      expect(existsSync(remote)).toBe(true);
      await s.stop();
      expect(existsSync(remote)).toBe(false);
      await c.stop();
    });

    it('a stale socket is refused, and replaced with --streamlocal-bind-unlink yes', async () => {
      const remote = fresh('stale');
      // A process that exits while listening leaves its socket file behind.
      const leave = `require('node:net').createServer().listen(${JSON.stringify(remote)}, () => process.exit(0))`;
      execFileSync(process.execPath, ['-e', leave], { timeout: 10_000 });
      expect(statSync(remote).isSocket()).toBe(true);

      const strict = await server();
      const refused = await ssh(strict, '-R', `${remote}:${echoPath()}`);
      await refused.waitFor(/remote port forwarding failed for listen path/);

      const unlinking = await server('--streamlocal-bind-unlink', 'yes');
      const c = await ssh(unlinking, '-R', `${remote}:${echoPath()}`);
      await c.waitFor(/remote forward success for: listen /);
      await echoesThrough(remote);
    });

    it('--allow-streamlocal-forwarding no refuses both directions', async () => {
      const s = await server('--allow-streamlocal-forwarding', 'no');
      const remote = fresh('remote');
      const r = await ssh(s, '-R', `${remote}:${echoPath()}`);
      await r.waitFor(/remote port forwarding failed for listen path/);
      expect(existsSync(remote)).toBe(false);
      const local = fresh('local');
      const l = await ssh(s, '-L', `${local}:${echoPath()}`);
      await l.waitFor(new RegExp(`Local forwarding listening on path ${local}`));
      // ssh closes (or resets) the local connection once the server refuses its channel; nothing comes back.
      await expect(closedWithout({ path: local })).resolves.toBe(0);
      await l.waitFor(/open failed: administratively prohibited/);
    });
  },
);
