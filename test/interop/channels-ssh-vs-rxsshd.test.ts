/**
 * OpenSSH's `ssh` client against our example server (examples/sshd.ts) on the channel layer: exec with stdout
 * and stderr apart, the exit status (and exit-signal) as ssh reports them, stdin to EOF (`wc -c` of 64 MiB),
 * 64 MiB each way with sha256 checked on the other side, a pty (`ssh -tt ... tty`), and `-L` / `-R` (fixed
 * port and port 0) carrying data both ways to a loopback echo server. One server serves the whole file; it
 * runs commands as its own user through /bin/sh -c.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedKey, generateKey, interopSkipReason, pickFreePort } from './harness/index.js';
import { type EchoServer, exchange, startEchoServer } from './support/channel-echo-server.js';
import { MiB, parseSha256sum, sha256Hex } from './support/channel-run.js';
import { runSshStreaming, type SshStreamResult, startSshBackground } from './support/channel-ssh.js';
import { type RxsshdInstance, startRxsshd } from './support/example-process.js';

const skipReason = interopSkipReason();
if (skipReason) console.warn(`[interop] channels-ssh-vs-rxsshd skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

/** The example server's own login (--authorized-keys), not a system account. */
const USER = 'rxssh-interop';
const BIG = 64 * MiB;

describe.skipIf(skipReason !== undefined)(suiteName('OpenSSH ssh channels against examples/sshd.ts'), () => {
  let dir: string;
  let server: RxsshdInstance;
  let hostKey: GeneratedKey;
  let userKey: GeneratedKey;
  let echo: EchoServer;
  let payload: Buffer;

  const knownHosts = () => [
    `[127.0.0.1]:${server.port} ${hostKey.keyType} ${Buffer.from(hostKey.blob).toString('base64')}`,
  ];
  const ssh = (
    command: string,
    more: Partial<
      Pick<
        Parameters<typeof runSshStreaming>[0],
        'stdinData' | 'extraArgs' | 'timeoutMs' | 'onTerminal' | 'options' | 'verbosity'
      >
    > = {},
  ) =>
    runSshStreaming({
      port: server.port,
      user: USER,
      knownHostsLines: knownHosts(),
      identities: [userKey.privatePath],
      command,
      timeoutMs: 60_000,
      ...more,
    });
  /** What to show when an expectation on an ssh run fails. */
  const story = (r: SshStreamResult) =>
    `ssh ${r.args.join(' ')}\nexit ${r.code} signal ${r.signal}${r.timedOut ? ' (timed out)' : ''}\nstderr:\n${r.stderr}\nserver:\n${server.output().slice(-4000)}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxssh-chssh-rxsshd-'));
    hostKey = await generateKey(dir, 'host_ed25519', 'ed25519');
    userKey = await generateKey(dir, 'id_ed25519', 'ed25519');
    await writeFile(join(dir, 'authorized_keys'), `${userKey.publicLine}\n`);
    server = await startRxsshd([
      '-v',
      '--host-key',
      hostKey.privatePath,
      '--authorized-keys',
      join(dir, 'authorized_keys'),
    ]);
    echo = await startEchoServer();
    payload = randomBytes(BIG);
  });

  afterAll(async () => {
    await echo?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('exec', () => {
    it('stdout and stderr come back apart', async () => {
      const r = await ssh('echo hi; echo oops >&2');
      expect(r.code, story(r)).toBe(0);
      expect(r.stdout).toBe('hi\n');
      expect(r.stderr).toMatch(/^oops$/m);
    });

    it('exit 7 makes ssh exit 7', async () => {
      const r = await ssh('echo before; exit 7');
      expect(r.code, story(r)).toBe(7);
      expect(r.stdout).toBe('before\n');
    });

    it('a command killed by a signal: ssh receives exit-signal (and exits 255, as OpenSSH does)', async () => {
      const r = await ssh('kill -TERM $$');
      // ssh(1) keeps no status from exit-signal; its -v log names the request.
      expect(r.stderr, story(r)).toMatch(/client_input_channel_req: channel \d+ rtype exit-signal/);
      expect(r.code).toBe(255);
    });

    it('stdin to EOF: wc -c of 64 MiB prints 67108864', async () => {
      const r = await ssh('wc -c', { stdinData: payload });
      expect(r.code, story(r)).toBe(0);
      expect(r.stdout.trim()).toBe(String(BIG));
    });

    it('64 MiB upload: the server-side sha256sum matches', async () => {
      const r = await ssh('sha256sum', { stdinData: payload });
      expect(r.code, story(r)).toBe(0);
      expect(parseSha256sum(r.stdout)).toBe(sha256Hex(payload));
    });

    it('64 MiB download: ssh receives exactly the file the server hashed', async () => {
      const r = await ssh(
        `f=$(mktemp) && head -c ${BIG} /dev/urandom > "$f" && cat "$f" && sha256sum "$f" >&2; s=$?; rm -f "$f"; exit $s`,
      );
      expect(r.code, story(r)).toBe(0);
      expect(r.stdoutBytes).toBe(BIG);
      expect(r.stdoutSha256).toBe(parseSha256sum(r.stderr));
    });
    it('env (SetEnv) reaches the command', async () => {
      const r = await ssh('printf "%s\\n" "$RXSSH_GREETING"', {
        options: { SetEnv: 'RXSSH_GREETING=hello' },
      });
      expect(r.code, story(r)).toBe(0);
      expect(r.stdout).toBe('hello\n');
    });

    it('4 ssh clients at once, 16 MiB download each, every sha256 intact', async () => {
      const runs = await Promise.all(
        Array.from({ length: 4 }, () =>
          ssh(
            `f=$(mktemp) && head -c ${16 * MiB} /dev/urandom > "$f" && cat "$f" && sha256sum "$f" >&2; s=$?; rm -f "$f"; exit $s`,
          ),
        ),
      );
      for (const r of runs) {
        expect(r.code, story(r)).toBe(0);
        expect(r.stdoutBytes).toBe(16 * MiB);
        expect(r.stdoutSha256).toBe(parseSha256sum(r.stderr));
      }
    });
  });

  describe('pty', () => {
    it('ssh -tt ... tty prints a /dev/pts device', async () => {
      const r = await ssh('tty; exit 3', { extraArgs: ['-tt'] });
      expect(r.stdout, story(r)).toMatch(/^\/dev\/pts\/\d+\r?\n/);
      expect(r.code).toBe(3);
    });

    it('the terminal size (pty-req) and a resize (window-change on SIGWINCH) reach stty size', async () => {
      // ssh runs on a terminal of 100x40 under script(1); once the remote side has printed its first size
      // it touches a file, and only then the terminal is resized to 120x50, so nothing depends on timing.
      const resized = join(dir, `resized-${Date.now()}`);
      const r = await ssh(
        `stty size; touch ${resized}; i=0; while [ "$(stty size)" = "40 100" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; stty size`,
        {
          extraArgs: ['-tt'],
          verbosity: 0,
          options: { LogLevel: 'ERROR' },
          onTerminal: `stty cols 100 rows 40; (i=0; while [ ! -e ${resized} ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; stty cols 120 rows 50 </dev/tty) &`,
        },
      );
      expect(r.code, story(r)).toBe(0);
      expect(
        [...r.stdout.matchAll(/^(\d+ \d+)\r?$/gm)].map((m) => m[1]),
        r.stdout,
      ).toEqual(['40 100', '50 120']);
    });

    it('without a pty, tty says so', async () => {
      const r = await ssh('tty', { extraArgs: ['-T'] });
      expect(r.stdout, story(r)).toBe('not a tty\n');
      expect(r.code).toBe(1);
    });
  });

  describe('forwarding', () => {
    const data = () => randomBytes(4 * MiB);

    it('-L carries data both ways (and EOF) through the server to a loopback echo server', async () => {
      const port = await pickFreePort();
      const fwd = await startSshBackground({
        port: server.port,
        user: USER,
        knownHostsLines: knownHosts(),
        identities: [userKey.privatePath],
        noCommand: true,
        options: { ExitOnForwardFailure: 'yes' },
        extraArgs: ['-L', `127.0.0.1:${port}:127.0.0.1:${echo.port}`],
      });
      try {
        // ssh -v (channels.c) once the listener is bound; a TCP probe instead would itself be forwarded.
        await fwd.waitFor(new RegExp(`Local forwarding listening on 127\\.0\\.0\\.1 port ${port}\\.`));
        const before = echo.sawEnd;
        const sent = [data(), data()];
        const back = await Promise.all(sent.map((d) => exchange(port, d)));
        // Our EOF reached the echo server through the forward, and its EOF came back (exchange waits for it).
        expect(echo.sawEnd - before).toBe(2);
        for (const [i, b] of back.entries()) expect(sha256Hex(b), `connection ${i}`).toBe(sha256Hex(sent[i]));
      } finally {
        await fwd.stop();
      }
    });

    for (const fixed of [true, false]) {
      it(`-R on ${fixed ? 'a chosen port' : 'port 0'} carries data both ways`, async () => {
        const asked = fixed ? await pickFreePort() : 0;
        const fwd = await startSshBackground({
          port: server.port,
          user: USER,
          knownHostsLines: knownHosts(),
          identities: [userKey.privatePath],
          noCommand: true,
          options: { ExitOnForwardFailure: 'yes' },
          extraArgs: ['-R', `127.0.0.1:${asked}:127.0.0.1:${echo.port}`],
        });
        try {
          // ssh -v: "remote forward success for: listen 127.0.0.1:N"; with port 0 also "Allocated port N".
          const m = fixed
            ? await fwd.waitFor(/remote forward success for: listen 127\.0\.0\.1:(\d+)/)
            : await fwd.waitFor(/Allocated port (\d+) for remote forward/);
          const port = Number(m[1]);
          if (fixed) expect(port).toBe(asked);
          else expect(port).toBeGreaterThan(0);
          const before = echo.sawEnd;
          const sent = [data(), data()];
          const back = await Promise.all(sent.map((d) => exchange(port, d)));
          expect(echo.sawEnd - before).toBe(2);
          for (const [i, b] of back.entries())
            expect(sha256Hex(b), `connection ${i}`).toBe(sha256Hex(sent[i]));
        } finally {
          await fwd.stop();
        }
      });
    }
  });
});
