/**
 * X11 forwarding (RFC 4254 §6.3) against real OpenSSH, both ways round. In each case a program on the server
 * side plays the X client: it reads the (fake) cookie with `xauth list $DISPLAY`, connects to the display the
 * server announced and sends an X11 connection setup with that cookie; a fake X server in this process, on
 * 127.0.0.1:6000+N (DISPLAY=127.0.0.1:N for the client side), must receive the setup carrying the REAL cookie
 * the client side holds, answer, and have its answer come back to the program.
 *
 * - our client (requestX11) against sshd with X11Forwarding yes, X11UseLocalhost yes (sshd runs xauth itself);
 * - examples/ssh.ts -X against the same sshd, its real cookie read with `xauth list` from an XAUTHORITY of ours;
 * - the real `ssh -Y` against examples/sshd.ts (allowX11 + DISPLAY and an xauth entry for the program), with
 *   ssh's real cookie taken from an XAUTHORITY file made here with `xauth add`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, switchMap } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExec } from '../../operators/exec.js';
import { requestX11 } from '../../operators/x11-forward.js';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/random.js';
import { fingerprintSha256, parsePrivateKeyFile } from '../../src/index.js';
import { FAKE_X_REPLY, type FakeXServer, setupMessage, startFakeXDisplay } from '../operators/support/x11.js';
import {
  buildSshArgs,
  type GeneratedKey,
  generateKey,
  interopSkipReason,
  runProcess,
  SSH_PATH,
  type SshdInstance,
  startSshd,
  TEST_USER,
} from './harness/index.js';
import { type RxsshdInstance, startExample, startRxsshd } from './support/example-process.js';
import { openRxssh } from './support/rxssh-session.js';

const XAUTH = '/usr/bin/xauth';
const PYTHON = '/usr/bin/python3';
const skipReason =
  interopSkipReason({ testUser: true }) ??
  (existsSync(XAUTH) ? undefined : `${XAUTH} is missing (apt-get install xauth)`) ??
  (existsSync(PYTHON) ? undefined : `${PYTHON} is missing (it plays the X client on the server)`);
if (skipReason) console.warn(`[interop] x11-forwarding skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

/**
 * The X client run on the server (python3 on stdin): DISPLAY → port, `xauth list $DISPLAY` → cookie, a
 * little-endian setup message (X protocol Appendix B) plus a tail, then what the display answers, up to the
 * echoed tail. Prints one JSON line. It does not half-close first: ssh(1) stops reading from the display once
 * an x11 channel's EOF arrives (channels.c sets force_drain on X11 channels), so the answer would be lost.
 */
const X_CLIENT = String.raw`
import json, os, socket, struct, subprocess
display = os.environ.get('DISPLAY', '')
listed = subprocess.run(['xauth', 'list', display], capture_output=True, text=True).stdout.split()
proto, cookie = listed[1], bytes.fromhex(listed[2])
number = int(display.rsplit(':', 1)[1].split('.')[0])
pad = lambda b: b + bytes(-len(b) % 4)
name = proto.encode()
setup = b'l\0' + struct.pack('<HHHH', 11, 0, len(name), len(cookie)) + b'\0\0' + pad(name) + pad(cookie)
s = socket.create_connection(('127.0.0.1', 6000 + number), timeout=20)
s.sendall(setup + b'tail from the X client')
answer = b''
while not answer.endswith(b'tail from the X client'):
    chunk = s.recv(65536)
    if not chunk:
        break
    answer += chunk
s.close()
print(json.dumps({'display': display, 'proto': proto, 'cookie': cookie.hex(), 'answer': answer.decode('latin-1')}))
`;
const TAIL = 'tail from the X client';

interface XClientReport {
  display: string;
  proto: string;
  cookie: string;
  answer: string;
}

function parseReport(stdout: string): XClientReport {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as XClientReport;
}

/** What the fake X server got on its latest connection. */
const lastReceived = (x: FakeXServer) => Buffer.concat(x.received.at(-1) ?? []);

describe.skipIf(skipReason !== undefined)(suiteName('X11 forwarding against OpenSSH'), () => {
  const REAL = Uint8Array.from({ length: 16 }, (_, i) => 0x5a ^ (i * 7));
  let dir: string;
  let fakeX: FakeXServer & { displayNumber: number };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxssh-x11-interop-'));
    // The setup message the X client sends is 48 bytes (18-byte name and 16-byte cookie, padded).
    fakeX = await startFakeXDisplay(48, 150 + (process.pid % 100));
  });

  afterAll(async () => {
    await fakeX?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('our client against sshd (X11Forwarding yes)', () => {
    let sshd: SshdInstance;
    let userKey: GeneratedKey;

    beforeAll(async () => {
      userKey = await generateKey(dir, 'id_ed25519', 'ed25519');
      sshd = await startSshd({
        authorizedKeys: { [TEST_USER]: [userKey.publicLine] },
        passwordAuthentication: false,
        extraConfig: ['X11Forwarding yes', 'X11UseLocalhost yes', `XAuthLocation ${XAUTH}`],
      });
    });

    afterAll(() => sshd?.stop());

    it('sshd gets our fake cookie; the X connection reaches our display with the real one, both ways', async () => {
      const key = parsePrivateKeyFile(await readFile(userKey.privatePath, 'utf8'));
      const session = await openRxssh(sshd.port, {
        username: TEST_USER,
        verifyHostKey: (info) => sshd.hostKeyBlobs.some((b) => fingerprintSha256(b) === info.fingerprint),
        privateKeys: [key],
      });
      const errors: Error[] = [];
      try {
        const fake = seededRandom('x11 interop')(16);
        const conn = session.conn;
        const result = await firstValueFrom(
          conn.session().pipe(
            switchMap((ch) =>
              requestX11(conn, ch, {
                display: `127.0.0.1:${fakeX.displayNumber}`,
                auth: { protocol: 'MIT-MAGIC-COOKIE-1', cookie: toHex(REAL) },
                random: seededRandom('x11 interop'),
                onError: (e) => errors.push(e),
              }).pipe(
                switchMap((ok) => {
                  expect(ok, 'sshd refused x11-req').toBe(true);
                  return runExec(ch, `${PYTHON} -`, { stdin: X_CLIENT });
                }),
              ),
            ),
          ),
        );
        const stderr = new TextDecoder().decode(result.stderr);
        expect(result.exitCode, `${stderr}\n${sshd.logs().slice(-3000)}`).toBe(0);
        const report = parseReport(new TextDecoder().decode(result.stdout));
        // sshd's DISPLAY (X11UseLocalhost yes) and the cookie it gave xauth: ours, the fake one.
        expect(report.display).toMatch(/^localhost:\d+\.0$/);
        expect(report.proto).toBe('MIT-MAGIC-COOKIE-1');
        expect(report.cookie).toBe(toHex(fake));
        expect(report.answer).toBe(FAKE_X_REPLY.toString('latin1') + TAIL);
        // Our display got the real cookie in the setup, then the rest untouched.
        expect(lastReceived(fakeX)).toEqual(Buffer.concat([setupMessage(REAL), Buffer.from(TAIL)]));
        expect(errors).toEqual([]);
      } finally {
        session.close();
      }
    });

    it('examples/ssh.ts -X: the real cookie comes from xauth list $DISPLAY and reaches our display', async () => {
      const xauthority = join(dir, 'Xauthority-example');
      const added = await runProcess(XAUTH, {
        args: [
          '-f',
          xauthority,
          'add',
          `127.0.0.1:${fakeX.displayNumber}`,
          'MIT-MAGIC-COOKIE-1',
          toHex(REAL),
        ],
        timeoutMs: 10_000,
      });
      expect(added.code, added.stderr).toBe(0);
      // startExample gives no stdin: the script travels in the command, base64 so no shell quoting is involved.
      const script = Buffer.from(X_CLIENT).toString('base64');
      const proc = startExample(
        'ssh.ts',
        [
          '-v',
          '-X',
          '-i',
          userKey.privatePath,
          '-p',
          String(sshd.port),
          '-o',
          `UserKnownHostsFile=${sshd.knownHostsPath}`,
          '-o',
          'StrictHostKeyChecking=yes',
          `${TEST_USER}@127.0.0.1`,
          `echo ${script} | base64 -d | ${PYTHON} -`,
        ],
        {
          ...process.env,
          DISPLAY: `127.0.0.1:${fakeX.displayNumber}`,
          XAUTHORITY: xauthority,
          SSH_AUTH_SOCK: '',
        },
      );
      try {
        const code = await proc.waitForExit(30_000);
        const story = `${proc.output()}\n${sshd.logs().slice(-3000)}`;
        expect(code, story).toBe(0);
        expect(proc.output()).toContain('Requesting X11 forwarding with authentication spoofing.');
        const report = parseReport(proc.stdout());
        expect(report.display, story).toMatch(/^localhost:\d+\.0$/);
        expect(report.cookie).not.toBe(toHex(REAL));
        expect(report.answer).toBe(FAKE_X_REPLY.toString('latin1') + TAIL);
        expect(lastReceived(fakeX)).toEqual(Buffer.concat([setupMessage(REAL), Buffer.from(TAIL)]));
      } finally {
        await proc.stop();
      }
    });
  });

  describe('ssh -Y against examples/sshd.ts', () => {
    let server: RxsshdInstance;
    let hostKey: GeneratedKey;
    let userKey: GeneratedKey;
    let xauthority: string;

    beforeAll(async () => {
      hostKey = await generateKey(dir, 'host_ed25519', 'ed25519');
      userKey = await generateKey(dir, 'id2_ed25519', 'ed25519');
      await writeFile(join(dir, 'authorized_keys'), `${userKey.publicLine}\n`);
      server = await startRxsshd([
        '-v',
        '--host-key',
        hostKey.privatePath,
        '--authorized-keys',
        join(dir, 'authorized_keys'),
      ]);
      // ssh takes the display's real cookie from `xauth list $DISPLAY`: give it one in a file of our own.
      xauthority = join(dir, 'Xauthority');
      const added = await runProcess(XAUTH, {
        args: [
          '-f',
          xauthority,
          'add',
          `127.0.0.1:${fakeX.displayNumber}`,
          'MIT-MAGIC-COOKIE-1',
          toHex(REAL),
        ],
        timeoutMs: 10_000,
      });
      expect(added.code, added.stderr).toBe(0);
    });

    afterAll(() => server?.stop());

    it('the program finds DISPLAY and the fake cookie; ssh swaps in the real one on the way to our display', async () => {
      const knownHosts = join(dir, 'known_hosts');
      await writeFile(
        knownHosts,
        `[127.0.0.1]:${server.port} ${hostKey.keyType} ${Buffer.from(hostKey.blob).toString('base64')}\n`,
      );
      const args = buildSshArgs(
        {
          port: server.port,
          user: 'rxssh-interop',
          identities: [userKey.privatePath],
          options: { XAuthLocation: XAUTH },
          extraArgs: ['-Y'],
          command: `${PYTHON} -`,
        },
        knownHosts,
        false,
      );
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DISPLAY: `127.0.0.1:${fakeX.displayNumber}`,
        XAUTHORITY: xauthority,
      };
      delete env.SSH_AUTH_SOCK;
      const r = await runProcess(SSH_PATH, { args, env, stdin: X_CLIENT, timeoutMs: 30_000 });
      const story = `ssh ${args.join(' ')}\nexit ${r.code}\nstderr:\n${r.stderr}\nserver:\n${server.output().slice(-3000)}`;
      expect(r.code, story).toBe(0);
      expect(r.stderr, story).toContain('Requesting X11 forwarding with authentication spoofing.');
      const report = parseReport(r.stdout);
      expect(report.display, story).toMatch(/^localhost:\d+\.0$/);
      expect(report.proto).toBe('MIT-MAGIC-COOKIE-1');
      // ssh's fake cookie (never the real one) is what the program was given.
      expect(report.cookie).toMatch(/^[0-9a-f]{32}$/);
      expect(report.cookie).not.toBe(toHex(REAL));
      expect(report.answer, story).toBe(FAKE_X_REPLY.toString('latin1') + TAIL);
      expect(lastReceived(fakeX)).toEqual(Buffer.concat([setupMessage(REAL), Buffer.from(TAIL)]));
      expect(fromHex(report.cookie)).toHaveLength(16);
    });
  });
});
