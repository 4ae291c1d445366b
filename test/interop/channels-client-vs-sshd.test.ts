/**
 * Our client's channels (RFC 4254) against the real OpenSSH 9.2 server: exec with stdout, stderr and exit
 * status; exit-signal (the command kills itself, and our `signal` request kills it); stdin half-close; 64 MiB
 * each way with sha256 checked on the other side; a pty shell with window-change; 100 concurrent exec
 * channels; local and remote TCP forwarding; the sftp subsystem. One sshd serves the whole file; each test
 * opens its own connection and keeps it subscribed (unsubscribing from connect() disconnects).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { filter, firstValueFrom, mergeMap, of } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exec,
  forwardLocal,
  forwardRemote,
  OutputLimitError,
  shell,
  subsystem,
  windowChange,
} from '../../operators/index.js';
import { encodeGlobalRequestPayload } from '../../src/channel/global-request-payloads.js';
import { decodeChannelOpenPayload, encodeChannelOpenPayload } from '../../src/channel/open-payloads.js';
import {
  type Channel,
  ChannelOpenError,
  type Connection,
  ConnectionLostError,
  type ConnectOptions,
  channelDuplex,
  envRequest,
  execRequest,
  fingerprintSha256,
  parsePrivateKeyFile,
} from '../../src/index.js';
import { pipeSocketChannel } from '../../src/io/socket-channel.js';
import {
  interopSkipReason,
  makeUserKeys,
  pickFreePort,
  type SshdInstance,
  sleep,
  startSshd,
  TEST_USER,
  type UserKeySet,
} from './harness/index.js';
import { type EchoServer, exchange, exchangeWith, startEchoServer } from './support/channel-echo-server.js';
import {
  ChannelRun,
  chunksOf,
  execOn,
  firstKept,
  KiB,
  MiB,
  openSession,
  parseSha256sum,
  requestOnce,
  sha256Hex,
  withDeadline,
} from './support/channel-run.js';
import { openOnSocket } from './support/channel-socket.js';
import { withRxssh } from './support/rxssh-session.js';
import { logSince, markLog } from './support/sshd-log.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] channels-client-vs-sshd skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

const BIG = 64 * MiB;
const CONCURRENT = 100;

describe.skipIf(skipReason !== undefined)(suiteName('rxssh client channels against OpenSSH sshd'), () => {
  let sshd: SshdInstance;
  let keys: UserKeySet;
  let options: ConnectOptions;
  let echo: EchoServer;
  /** 64 MiB of random bytes, uploaded by several tests. */
  let payload: Buffer;
  const connected = <T>(body: (conn: Connection) => Promise<T>) =>
    withRxssh(sshd.port, options, ({ conn }) => body(conn));

  beforeAll(async () => {
    keys = await makeUserKeys(['ed25519']);
    sshd = await startSshd({
      usePam: true,
      authorizedKeys: { [TEST_USER]: [keys.get('ed25519').publicLine] },
      // sshd allows 10 sessions per connection by default; the concurrency test opens 100.
      extraConfig: [`MaxSessions ${CONCURRENT + 10}`, 'AcceptEnv RXSSH_*'],
    });
    const key = parsePrivateKeyFile(readFileSync(keys.get('ed25519').privatePath, 'utf8'));
    options = {
      username: TEST_USER,
      privateKeys: [key],
      verifyHostKey: (info) => sshd.hostKeyBlobs.some((b) => fingerprintSha256(b) === info.fingerprint),
    };
    echo = await startEchoServer();
    payload = randomBytes(BIG);
  });

  afterAll(async () => {
    await echo?.close();
    await sshd?.stop();
    await keys?.cleanup();
  });

  describe('exec (RFC 4254 §6.5, §6.10)', () => {
    it('stdout, stderr and exit status come back separately', async () => {
      await connected(async (conn) => {
        const r = await firstValueFrom(of(conn).pipe(exec('echo out; echo err >&2; exit 7')));
        expect(new TextDecoder().decode(r.stdout)).toBe('out\n');
        expect(new TextDecoder().decode(r.stderr)).toBe('err\n');
        expect(r.exitCode).toBe(7);
        expect(r.signal).toBeUndefined();
        const ok = await firstValueFrom(of(conn).pipe(exec('printf %s "$0"')));
        expect(ok.exitCode).toBe(0);
      });
    });

    it('exit-signal when the command kills itself (kill -TERM $$)', async () => {
      await connected(async (conn) => {
        const r = await firstValueFrom(of(conn).pipe(exec('echo before; kill -TERM $$; echo after')));
        expect(new TextDecoder().decode(r.stdout)).toBe('before\n');
        expect(r.exitCode).toBeNull();
        expect(r.signal).toBe('TERM');
        expect(r.coreDumped).toBe(false);
      });
    });

    // OpenSSH 9.2 (session.c, session_signal_req) accepts `signal` for exec and shell sessions, pty or not:
    // it runs killpg() on the session's process group and answers want_reply with SUCCESS. It refuses
    // subsystems and forced commands. The command then ends with exit-signal naming what we sent.
    for (const pty of [false, true]) {
      it(`a signal request (§6.9) kills a running command${pty ? ' on a pty' : ''}: exit-signal USR1`, async () => {
        await connected(async (conn) => {
          const { channel, release } = await openSession(conn);
          try {
            const run = new ChannelRun(channel);
            if (pty) {
              const gotPty = await requestOnce(channel, {
                type: 'pty-req',
                term: 'dumb',
                cols: 80,
                rows: 24,
                widthPx: 0,
                heightPx: 0,
                modes: new Uint8Array([0]),
              });
              expect(gotPty).toBe(true);
            }
            const mark = markLog(sshd);
            expect(await requestOnce(channel, execRequest('echo started; sleep 30; echo not-killed'))).toBe(
              true,
            );
            // Only once the command runs: before its setsid() there is no process group to signal.
            await run.waitForText(/started/);
            expect(await requestOnce(channel, { type: 'signal', signal: 'USR1' })).toBe(true);
            const r = await withDeadline(run.done, 10_000, 'the signalled command');
            expect(r.stdout).not.toContain('not-killed');
            expect(r.signal).toBe('USR1');
            expect(r.exitCode).toBeNull();
            // sshd may write the line a moment after the channel closed; wait for it in this test's part of the
            // log (waitForLog would also match the line an earlier case left).
            const deadline = Date.now() + 5_000;
            while (!/session_signal_req: signal USR1/.test(logSince(sshd, mark)) && Date.now() < deadline) {
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            expect(logSince(sshd, mark)).toMatch(/session_signal_req: signal USR1/);
          } finally {
            release();
          }
        });
      });
    }

    it('stdin half-close: wc -c of 64 MiB piped in (EOF after the data) prints 67108864', async () => {
      await connected(async (conn) => {
        const r = await firstValueFrom(of(conn).pipe(exec('wc -c', { stdin: payload })));
        expect(new TextDecoder().decode(r.stdout).trim()).toBe(String(BIG));
        expect(r.exitCode).toBe(0);
      });
    });

    it('64 MiB upload with backpressure: sshd-side sha256sum matches', async () => {
      await connected(async (conn) => {
        const r = await execOn(conn, 'sha256sum', { stdin: chunksOf(payload) });
        expect(r.exitCode).toBe(0);
        expect(parseSha256sum(r.stdout)).toBe(sha256Hex(payload));
      });
    });

    it('64 MiB download: our sha256 matches sshd-side sha256sum of the file it sent', async () => {
      await connected(async (conn) => {
        const r = await execOn(
          conn,
          `f=$(mktemp) && head -c ${BIG} /dev/urandom > "$f" && cat "$f" && sha256sum "$f" >&2; s=$?; rm -f "$f"; exit $s`,
        );
        expect(r.exitCode).toBe(0);
        expect(r.stdoutBytes).toBe(BIG);
        expect(r.stdoutSha256).toBe(parseSha256sum(r.stderr));
        expect(r.eof).toBe(true);
      });
    });

    it('64 MiB both ways at once through the Duplex adapter (cat), exit status on the stream', async () => {
      await connected(async (conn) => {
        const { channel, release } = await openSession(conn);
        try {
          const duplex = channelDuplex(channel);
          const exit = new Promise<[number | null, string | null]>((resolve) =>
            duplex.once('exit', (code, signal) => resolve([code, signal])),
          );
          const hash = createHash('sha256');
          let received = 0;
          const reading = new Promise<void>((resolve, reject) => {
            duplex.on('data', (d: Buffer) => {
              received += d.length;
              hash.update(d);
            });
            duplex.once('end', resolve);
            duplex.once('error', reject);
          });
          expect(await requestOnce(channel, execRequest('cat'))).toBe(true);
          await withDeadline(
            Promise.all([pipeline(Readable.from(chunksOf(payload, 64 * KiB)), duplex), reading]),
            60_000,
            'cat of 64 MiB',
          );
          expect(received).toBe(BIG);
          expect(hash.digest('hex')).toBe(sha256Hex(payload));
          expect(await exit).toEqual([0, null]);
        } finally {
          release();
        }
      });
    });
  });

  describe('shell on a pty (RFC 4254 §6.2, §6.7)', () => {
    it('tty prints a /dev/pts device; stty size follows window-change to 100x40', async () => {
      await connected(async (conn) => {
        const { value: channel, stop } = await firstKept(
          of(conn).pipe(shell({ term: 'dumb', cols: 80, rows: 24 })),
          'shell with a pty',
        );
        try {
          const run = new ChannelRun(channel);
          // Markers are computed by the shell, so the pty's echo of what we typed never matches them.
          channel.next('tty; echo "T-$((6*7))"\n');
          const tty = await run.waitForText(/(\/dev\/pts\/\d+)\r?\n/);
          await run.waitForText(/T-42/);
          expect(tty[1]).toMatch(/^\/dev\/pts\/\d+$/);
          let from = run.text().length;
          channel.next('stty size; echo "S-$((1+1))"\n');
          expect((await run.waitForText(/\b(\d+ \d+)\r?\n/, 10_000, from))[1]).toBe('24 80');
          await run.waitForText(/S-2/, 10_000, from);
          from = run.text().length;
          windowChange(channel, 100, 40);
          channel.next('stty size; echo "S-$((2+1))"\n');
          expect((await run.waitForText(/\b(\d+ \d+)\r?\n/, 10_000, from))[1]).toBe('40 100');
          await run.waitForText(/S-3/, 10_000, from);
          channel.next('exit 3\n');
          const r = await withDeadline(run.done, 10_000, 'shell exit');
          expect(r.exitCode).toBe(3);
        } finally {
          stop();
        }
      });
    });
  });

  describe('many channels on one connection', () => {
    it(`${CONCURRENT} concurrent exec channels, all open at once, each with its own output and status`, async () => {
      // Every command waits for a file the test creates only once all channels are open, so they really
      // run side by side (sshd would refuse the 11th session without MaxSessions).
      const gate = await mkdtemp(join(tmpdir(), 'rxssh-gate-'));
      await chmod(gate, 0o755);
      try {
        await connected(async (conn) => {
          let maxOpen = 0;
          const runs = Array.from({ length: CONCURRENT }, (_, i) =>
            firstKept(
              of(conn).pipe(
                exec(
                  `while [ ! -e ${gate}/go ]; do sleep 0.05; done; seq 1 ${i * 100}; echo err-${i} >&2; exit ${i}`,
                ),
              ),
              `exec #${i}`,
              60_000,
            ).then(({ value, stop }) => {
              stop();
              return value;
            }),
          );
          const deadline = Date.now() + 30_000;
          while (conn.channelCount < CONCURRENT && Date.now() < deadline) await sleep(20);
          maxOpen = conn.channelCount;
          await writeFile(join(gate, 'go'), '');
          const results = await withDeadline(Promise.all(runs), 60_000, `${CONCURRENT} execs`);
          expect(maxOpen).toBe(CONCURRENT);
          results.forEach((r, i) => {
            const expected = Array.from({ length: i * 100 }, (_, k) => `${k + 1}\n`).join('');
            expect(new TextDecoder().decode(r.stdout), `stdout of #${i}`).toBe(expected);
            expect(new TextDecoder().decode(r.stderr), `stderr of #${i}`).toBe(`err-${i}\n`);
            expect(r.exitCode, `exit status of #${i}`).toBe(i);
          });
          expect(conn.channelCount).toBe(0);
        });
      } finally {
        await rm(gate, { recursive: true, force: true });
      }
    });
  });

  describe('TCP forwarding (RFC 4254 §7)', () => {
    const data = () => randomBytes(4 * MiB);

    it('local forwarding (-L, direct-tcpip) carries data both ways and EOF, several connections at once', async () => {
      await connected(async (conn) => {
        const before = echo.sawEnd;
        const { value: listening, stop } = await firstKept(
          of(conn).pipe(
            forwardLocal({
              listen: { host: '127.0.0.1', port: 0 },
              target: { host: '127.0.0.1', port: echo.port },
            }),
          ),
          'forwardLocal',
        );
        try {
          expect(listening.port).toBeGreaterThan(0);
          const sent = [data(), data(), data()];
          const back = await Promise.all(sent.map((d) => exchange(listening.port, d)));
          for (const [i, b] of back.entries())
            expect(sha256Hex(b), `connection ${i}`).toBe(sha256Hex(sent[i]));
          expect(echo.sawEnd - before).toBe(3);
          await sshd.waitForLog(
            new RegExp(
              `server_request_direct_tcpip: originator 127\\.0\\.0\\.1 port \\d+, target 127\\.0\\.0\\.1 port ${echo.port}`,
            ),
          );
        } finally {
          stop();
        }
      });
    });

    for (const fixed of [false, true]) {
      it(`remote forwarding (-R, tcpip-forward on ${fixed ? 'a chosen port' : 'port 0'}) carries data both ways`, async () => {
        await connected(async (conn) => {
          const asked = fixed ? await pickFreePort() : 0;
          const { value: bound, stop } = await firstKept(
            of(conn).pipe(
              forwardRemote({
                bind: { host: '127.0.0.1', port: asked },
                target: { host: '127.0.0.1', port: echo.port },
              }),
            ),
            'forwardRemote',
          );
          try {
            if (fixed) expect(bound.port).toBe(asked);
            else expect(bound.port).toBeGreaterThan(0);
            // sshd listens on bound.port; each connection comes back to us as forwarded-tcpip.
            const before = echo.sawEnd;
            const sent = [data(), data()];
            const back = await Promise.all(sent.map((d) => exchange(bound.port, d)));
            expect(echo.sawEnd - before).toBe(2);
            for (const [i, b] of back.entries())
              expect(sha256Hex(b), `connection ${i}`).toBe(sha256Hex(sent[i]));
            await sshd.waitForLog(
              new RegExp(
                `server_input_global_request: tcpip-forward listen 127\\.0\\.0\\.1 port ${asked}\\b`,
              ),
            );
          } finally {
            stop();
          }
        });
      });
    }
  });

  describe('requests, refusals and teardown', () => {
    const ptyReq = {
      type: 'pty-req',
      term: 'dumb',
      cols: 80,
      rows: 24,
      widthPx: 0,
      heightPx: 0,
      modes: new Uint8Array([0]),
    } as const;

    for (const pty of [false, true]) {
      it(`want_reply is always answered${pty ? ' (pty)' : ''}: unknown request refused, break ${pty ? 'sent' : 'refused'}`, async () => {
        await connected(async (conn) => {
          const { channel, release } = await openSession(conn);
          try {
            const run = new ChannelRun(channel);
            if (pty) expect(await requestOnce(channel, ptyReq)).toBe(true);
            expect(await requestOnce(channel, execRequest('echo ready; sleep 30'))).toBe(true);
            await run.waitForText(/ready/);
            // RFC 4254 §5.4: a request the server does not recognise gets SSH_MSG_CHANNEL_FAILURE.
            const unknown = {
              type: 'unknown',
              name: 'rxssh-nonsense@example.com',
              data: new Uint8Array(0),
            } as const;
            expect(await requestOnce(channel, unknown)).toBe(false);
            // RFC 4335 §3: sshd sends a break only to a pty (session.c session_break_req uses tcsendbreak).
            expect(await requestOnce(channel, { type: 'break', lengthMs: 10 })).toBe(pty);
            // The channel still works: the session ends on our signal.
            expect(await requestOnce(channel, { type: 'signal', signal: 'KILL' })).toBe(true);
            expect((await withDeadline(run.done, 10_000, 'killed command')).signal).toBe('KILL');
          } finally {
            release();
          }
        });
      });
    }

    it('an unknown global request is refused (RFC 4254 §4) and the connection goes on', async () => {
      await connected(async (conn) => {
        const reply = await withDeadline(
          firstValueFrom(conn.globalRequest('rxssh-nonsense@example.com')),
          10_000,
          'global request',
        );
        expect(reply.ok).toBe(false);
        const r = await firstValueFrom(of(conn).pipe(exec('echo alive')));
        expect(new TextDecoder().decode(r.stdout)).toBe('alive\n');
      });
    });

    it('env (RFC 4254 §6.4): a name sshd accepts (AcceptEnv RXSSH_*) reaches the command, others are refused', async () => {
      await connected(async (conn) => {
        const { channel, release } = await openSession(conn);
        try {
          const run = new ChannelRun(channel);
          expect(await requestOnce(channel, envRequest('RXSSH_GREETING', 'hello there'))).toBe(true);
          expect(await requestOnce(channel, envRequest('NOT_ACCEPTED', 'nope'))).toBe(false);
          expect(
            await requestOnce(channel, execRequest('printf "%s|%s" "$RXSSH_GREETING" "$NOT_ACCEPTED"')),
          ).toBe(true);
          await run.write([]);
          expect((await withDeadline(run.done, 10_000, 'env command')).stdout).toBe('hello there|');
        } finally {
          release();
        }
        // The exec operator sends env without want_reply.
        const r = await firstValueFrom(
          of(conn).pipe(exec('echo "$RXSSH_X"', { env: { RXSSH_X: 'via exec' } })),
        );
        expect(new TextDecoder().decode(r.stdout)).toBe('via exec\n');
      });
    });

    it('direct-tcpip to a closed port fails with CONNECT_FAILED (RFC 4254 §5.1 reason 2)', async () => {
      await connected(async (conn) => {
        const closedPort = await pickFreePort();
        const data = encodeChannelOpenPayload({
          type: 'direct-tcpip',
          host: '127.0.0.1',
          port: closedPort,
          originatorAddress: '127.0.0.1',
          originatorPort: 1,
        });
        const outcome = await withDeadline(
          firstValueFrom(conn.openChannel('direct-tcpip', data)).then(
            () => undefined,
            (e: unknown) => e,
          ),
          10_000,
          'direct-tcpip open',
        );
        expect(outcome).toBeInstanceOf(ChannelOpenError);
        expect((outcome as ChannelOpenError).openReason).toBe(2);
        expect(conn.closed).toBe(false);
        expect(conn.channelCount).toBe(0);
      });
    });

    it('closing a channel mid-download (unsubscribe) ends only that channel; the next command runs', async () => {
      await connected(async (conn) => {
        const { channel, release } = await openSession(conn);
        let received = 0;
        let enough: () => void = () => undefined;
        const gotEnough = new Promise<void>((resolve) => (enough = resolve));
        const run = new ChannelRun(channel, {
          onStdout: (d) => {
            received += d.length;
            if (received >= 4 * MiB) enough();
          },
        });
        expect(await requestOnce(channel, execRequest('exec cat /dev/zero'))).toBe(true);
        await withDeadline(gotEnough, 10_000, '4 MiB of /dev/zero');
        release();
        // Our CLOSE, sshd's CLOSE back: the channel ends (RFC 4254 §5.3) although cat never finished.
        const r = await withDeadline(run.done, 10_000, 'the channel closing');
        expect(r.exitCode).toBeNull();
        expect(conn.channelCount).toBe(0);
        expect(conn.closed).toBe(false);
        const next = await firstValueFrom(of(conn).pipe(exec('echo next')));
        expect(new TextDecoder().decode(next.stdout)).toBe('next\n');
      });
    });

    it('exec output over maxOutputBytes errors with OutputLimitError and closes the channel only', async () => {
      await connected(async (conn) => {
        const outcome = await withDeadline(
          firstValueFrom(of(conn).pipe(exec('exec cat /dev/zero', { maxOutputBytes: MiB }))).then(
            () => undefined,
            (e: unknown) => e,
          ),
          10_000,
          'exec over its output limit',
        );
        expect(outcome).toBeInstanceOf(OutputLimitError);
        const deadline = Date.now() + 10_000;
        while (conn.channelCount > 0 && Date.now() < deadline) await sleep(20);
        expect(conn.channelCount).toBe(0);
        const next = await firstValueFrom(of(conn).pipe(exec('echo next')));
        expect(new TextDecoder().decode(next.stdout)).toBe('next\n');
      });
    });

    it('a command that exits while we still send stdin ends cleanly (head -c 10 of 64 MiB)', async () => {
      await connected(async (conn) => {
        const r = await withDeadline(
          firstValueFrom(of(conn).pipe(exec('head -c 10', { stdin: payload }))),
          30_000,
          'head -c 10',
        );
        expect(Buffer.from(r.stdout).equals(payload.subarray(0, 10))).toBe(true);
        expect(r.exitCode).toBe(0);
        const streamed = await execOn(conn, 'head -c 10', { stdin: chunksOf(payload) });
        expect(streamed.stdoutBytes).toBe(10);
        expect(streamed.exitCode).toBe(0);
      });
    });

    it('a tiny window and packet size (4 KiB / 1 KiB) are honoured by sshd: 2 MiB arrive intact', async () => {
      await connected(async (conn) => {
        let biggest = 0;
        const r = await execOn(
          conn,
          `f=$(mktemp) && head -c ${2 * MiB} /dev/urandom > "$f" && cat "$f" && sha256sum "$f" >&2; s=$?; rm -f "$f"; exit $s`,
          {
            channel: { window: 4 * KiB, maxPacket: KiB },
            onStdout: (d) => (biggest = Math.max(biggest, d.length)),
          },
        );
        expect(r.stdoutBytes).toBe(2 * MiB);
        expect(r.stdoutSha256).toBe(parseSha256sum(r.stderr));
        expect(biggest).toBeLessThanOrEqual(KiB);
      });
    });

    it('8 channels downloading 8 MiB each at once on one connection, every sha256 intact', async () => {
      await connected(async (conn) => {
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            execOn(
              conn,
              `f=$(mktemp) && head -c ${8 * MiB} /dev/urandom > "$f" && cat "$f" && sha256sum "$f" >&2; s=$?; rm -f "$f"; exit $s`,
            ),
          ),
        );
        for (const r of results) {
          expect(r.stdoutBytes).toBe(8 * MiB);
          expect(r.stdoutSha256).toBe(parseSha256sum(r.stderr));
        }
      });
    });
  });

  describe('Unix-socket forwarding (OpenSSH PROTOCOL §2.4)', () => {
    let sockets: string;
    let unixEcho: EchoServer;
    const unixEchoPath = () => join(sockets, 'echo.sock');

    beforeAll(async () => {
      // sshd connects and binds as the logged-in user: the folder must be theirs to use too.
      sockets = await mkdtemp(join(tmpdir(), 'rxssh-unix-'));
      await chmod(sockets, 0o777);
      unixEcho = await startEchoServer(unixEchoPath());
    });

    afterAll(async () => {
      await unixEcho?.close();
      if (sockets) await rm(sockets, { recursive: true, force: true });
    });

    it('direct-streamlocal@openssh.com carries 4 MiB both ways and EOF to a Unix socket beside sshd', async () => {
      await connected(async (conn) => {
        const data = randomBytes(4 * MiB);
        const open = encodeChannelOpenPayload({
          type: 'direct-streamlocal@openssh.com',
          socketPath: unixEchoPath(),
        });
        const { value: channel, stop } = await firstKept(
          conn.openChannel('direct-streamlocal@openssh.com', open),
          'direct-streamlocal open',
        );
        try {
          const run = new ChannelRun(channel);
          await run.write(chunksOf(data));
          const r = await withDeadline(run.done, 20_000, 'the echo through the Unix socket');
          expect(r.stdoutBytes).toBe(data.length);
          expect(r.stdoutSha256).toBe(sha256Hex(data));
          expect(r.eof).toBe(true);
        } finally {
          stop();
        }
      });
    });

    it("streamlocal-forward@openssh.com: connections to sshd's socket arrive as forwarded-streamlocal channels", async () => {
      await connected(async (conn) => {
        const remotePath = join(sockets, `remote-${Date.now()}.sock`);
        const accepted: string[] = [];
        // Each forwarded connection goes to the local Unix echo server.
        const incoming = conn.incomingChannels$
          .pipe(
            filter((inc) => inc.channelType === 'forwarded-streamlocal@openssh.com'),
            mergeMap((inc) => {
              const p = decodeChannelOpenPayload(inc.channelType, inc.data);
              if (p.type === 'forwarded-streamlocal@openssh.com') accepted.push(p.socketPath);
              return pipeSocketChannel(netConnect(unixEchoPath()), inc.accept());
            }),
          )
          .subscribe();
        try {
          const payload = (
            type: 'streamlocal-forward@openssh.com' | 'cancel-streamlocal-forward@openssh.com',
          ) => encodeGlobalRequestPayload({ type, socketPath: remotePath });
          const ask = (type: Parameters<typeof payload>[0]) =>
            withDeadline(firstValueFrom(conn.globalRequest(type, payload(type))), 10_000, type);
          expect((await ask('streamlocal-forward@openssh.com')).ok).toBe(true);
          const sent = [randomBytes(2 * MiB), randomBytes(2 * MiB)];
          const back = await Promise.all(sent.map((d) => exchangeWith({ path: remotePath }, d)));
          for (const [i, b] of back.entries())
            expect(sha256Hex(b), `connection ${i}`).toBe(sha256Hex(sent[i]));
          expect(accepted).toEqual([remotePath, remotePath]);
          expect((await ask('cancel-streamlocal-forward@openssh.com')).ok).toBe(true);
        } finally {
          incoming.unsubscribe();
        }
      });
    });
  });

  // When the connection is lost before a channel's CLOSE, every shape reports it (ConnectionLostError): exec()
  // errors, the Channel's final `close` message carries the error, the Duplex adapter is destroyed with it, so
  // a cut transfer never looks complete. These tests
  // cut our socket after 4 MiB of `cat /dev/zero`.
  describe('connection lost mid-command (the socket dies under a running channel)', () => {
    /** Opens a connection we can cut, runs `body`, and cuts the socket once 4 MiB of channel data came. */
    async function cutAfter4MiB(body: (conn: Connection) => Promise<unknown>): Promise<unknown> {
      const s = await openOnSocket(sshd.port, options);
      try {
        let received = 0;
        const counting = s.conn.messages$.subscribe(({ msg }) => {
          if (msg.type !== 'data') return;
          received += msg.data.length;
          if (received >= 4 * MiB && !s.socket.destroyed) s.socket.destroy();
        });
        const outcome = await withDeadline(
          body(s.conn).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          ),
          20_000,
          'the outcome after the connection was cut',
        );
        counting.unsubscribe();
        expect(received).toBeGreaterThanOrEqual(4 * MiB);
        return outcome;
      } finally {
        s.close();
      }
    }

    it('exec() errors with ConnectionLostError instead of emitting a truncated result', async () => {
      const outcome = (await cutAfter4MiB((conn) =>
        firstValueFrom(of(conn).pipe(exec('exec cat /dev/zero', { maxOutputBytes: 1 << 30 }))),
      )) as { error?: unknown };
      expect(outcome.error).toBeInstanceOf(ConnectionLostError);
    });

    it('a Channel subscriber sees the close carry the error (and completes, so nothing is unhandled)', async () => {
      const outcome = (await cutAfter4MiB(async (conn) => {
        const { channel, release } = await openSession(conn);
        try {
          const run = new ChannelRun(channel);
          await requestOnce(channel, execRequest('exec cat /dev/zero'));
          return await run.done;
        } finally {
          release();
        }
      })) as { error?: unknown };
      expect(outcome.error).toBeInstanceOf(ConnectionLostError);
    });

    it('the Duplex adapter is destroyed with an error, so pipeline() rejects', async () => {
      const outcome = (await cutAfter4MiB(async (conn) => {
        const { channel, release } = await openSession(conn);
        try {
          const duplex = channelDuplex(channel);
          await requestOnce(channel, execRequest('exec cat /dev/zero'));
          duplex.end();
          await pipeline(
            duplex,
            new Writable({
              write: (_chunk, _enc, callback) => callback(),
            }),
          );
          return 'pipeline resolved';
        } finally {
          release();
        }
      })) as { error?: unknown };
      expect(outcome.error).toBeInstanceOf(Error);
    });
  });

  describe('subsystem (RFC 4254 §6.5)', () => {
    it('sftp opens: SSH_FXP_INIT version 3 is answered with SSH_FXP_VERSION', async () => {
      await connected(async (conn) => {
        const { value: channel, stop } = await firstKept(of(conn).pipe(subsystem('sftp')), 'sftp subsystem');
        try {
          const reply = await sftpVersion(channel);
          // draft-ietf-secsh-filexfer-02 §4: uint32 length, byte SSH_FXP_VERSION (2), uint32 version.
          expect(reply.type).toBe(2);
          expect(reply.version).toBe(3);
        } finally {
          stop();
        }
      });
    });
  });
});

/** Sends SSH_FXP_INIT (draft-ietf-secsh-filexfer-02 §4: uint32 length, byte 1, uint32 version 3). */
function sftpVersion(channel: Channel): Promise<{ type: number; version: number }> {
  const reply = new Promise<{ type: number; version: number }>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const sub = channel.subscribe({
      next: (msg) => {
        if (msg.type !== 'data') return;
        buf = Buffer.concat([buf, msg.data]);
        if (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
          sub.unsubscribe();
          resolve({ type: buf[4], version: buf.readUInt32BE(5) });
        }
      },
      error: reject,
      complete: () => reject(new Error(`sftp closed after ${buf.length} bytes`)),
    });
    channel.next(new Uint8Array([0, 0, 0, 5, 1, 0, 0, 0, 3]));
  });
  return withDeadline(reply, 10_000, 'SSH_FXP_VERSION');
}
