/**
 * examples/ssh.ts against examples/sshd.ts, both as real processes on loopback (our client against our
 * server; the OpenSSH peers are the interop suite's business): exit status, stdout/stderr kept apart, stdin
 * half-close, signals, ptys, and -L/-R/-D forwarding through the two programs.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../interop/harness/index.js';
import {
  type ExampleProcess,
  REPO_ROOT,
  type RxsshdInstance,
  startExample,
  startRxsshd,
} from '../interop/support/example-process.js';
import { countUntilEof, echo, exchange, startServer, type TcpServer } from '../operators/support/tcp.js';

const USER = 'rxssh-test';
const PASSWORD = 'correct horse';

describe('examples/ssh.ts against examples/sshd.ts', () => {
  let sshd: RxsshdInstance;
  let echoServer: TcpServer;
  let counter: TcpServer;
  const running: ExampleProcess[] = [];

  beforeAll(async () => {
    sshd = await startRxsshd(['--password', `${USER}:${PASSWORD}`]);
    echoServer = await startServer(echo);
    counter = await startServer(countUntilEof);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await sshd?.stop();
    await echoServer?.close();
    await counter?.close();
  });

  const common = () => [
    '-q',
    '-p',
    String(sshd.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
  ];
  const env = { ...process.env, SSHPASS: PASSWORD };

  /** Runs ssh.ts to completion: `flags` go before the destination, `command` after it. */
  function ssh(flags: string[], command: string[], stdin?: string | Uint8Array) {
    return runProcess(process.execPath, {
      args: [
        '--import',
        'tsx',
        join(REPO_ROOT, 'examples', 'ssh.ts'),
        ...common(),
        ...flags,
        `${USER}@127.0.0.1`,
        ...command,
      ],
      stdin,
      env,
      timeoutMs: 30_000,
    });
  }

  /** Starts a long-running `ssh -N -v FLAGS` and waits for `ready`. */
  async function sshN(flags: string[], ready: RegExp): Promise<RegExpMatchArray> {
    const proc = startExample(
      'ssh.ts',
      [...common().slice(1), '-v', '-N', ...flags, `${USER}@127.0.0.1`],
      env,
    );
    running.push(proc);
    return proc.waitFor(ready);
  }

  it('propagates the exit status and keeps stdout and stderr apart', async () => {
    const r = await ssh([], ['echo out; echo err >&2; exit 7']);
    expect(r).toMatchObject({ code: 7, stdout: 'out\n', stderr: 'err\n' });
  });

  it('passes the command words on as one command line, as ssh does', async () => {
    const r = await ssh([], ['printf', '%s-%s\\\\n', 'a', 'b']);
    expect(r).toMatchObject({ code: 0, stdout: 'a-b\n' });
  });

  it('pipes stdin and sends EOF at its end: wc -c counts every byte', async () => {
    const r = await ssh([], ['wc', '-c'], randomBytes(300_000));
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('300000');
  });

  it('-n: stdin is empty', async () => {
    const r = await ssh(['-n'], ['wc', '-c'], 'ignored');
    expect(r.stdout.trim()).toBe('0');
  });

  it('a command killed by a signal: exit status 255 and a message', async () => {
    const r = await ssh([], ['kill -TERM $$']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/killed by signal TERM/);
  });

  it('-tt: the command runs on a pty (a /dev/pts device, 80x24 when stdout is no terminal)', async () => {
    const r = await ssh(['-tt'], ['tty; stty size; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\n24 80\r\n$/);
  });

  it('without a terminal, no pty: the shell reads commands from stdin', async () => {
    const r = await runProcess(process.execPath, {
      args: [
        '--import',
        'tsx',
        join(REPO_ROOT, 'examples', 'ssh.ts'),
        ...common().slice(1),
        `${USER}@127.0.0.1`,
      ],
      stdin: 'tty || echo no tty; exit 4\n',
      env,
    });
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('no tty');
    expect(r.stderr).toContain('Pseudo-terminal will not be allocated because stdin is not a terminal.');
  });

  it('-L: a local port reaches a server-side target, with half-close', async () => {
    const m = await sshN(
      ['-L', `0:127.0.0.1:${counter.port}`],
      /Local forwarding listening on 127\.0\.0\.1 port (\d+)\./,
    );
    const { received } = await exchange(Number(m[1]), randomBytes(200_000));
    expect(received.toString()).toBe('200000\n');
  });

  it('-R with port 0: the server allocates a port and connections come back to our target', async () => {
    const proc = startExample(
      'ssh.ts',
      [...common().slice(1), '-N', '-R', `0:127.0.0.1:${echoServer.port}`, `${USER}@127.0.0.1`],
      env,
    );
    running.push(proc);
    const m = await proc.waitFor(/Allocated port (\d+) for remote forward to 127\.0\.0\.1:\d+/);
    const data = randomBytes(100_000);
    expect((await exchange(Number(m[1]), data)).received.equals(data)).toBe(true);
  });

  it('-D: a SOCKS5 CONNECT through the server', async () => {
    const m = await sshN(['-D', '127.0.0.1:0'], /Local forwarding listening on 127\.0\.0\.1 port (\d+)\./);
    const net = await import('node:net');
    const socket = net.connect({ host: '127.0.0.1', port: Number(m[1]) });
    const port = Buffer.alloc(2);
    port.writeUInt16BE(echoServer.port);
    // greeting, then CONNECT 127.0.0.1:port, then the payload, all at once
    socket.end(Buffer.concat([Buffer.from('050100050100017f000001', 'hex'), port, Buffer.from('via socks')]));
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    await new Promise((resolve, reject) => {
      socket.on('close', resolve);
      socket.on('error', reject);
    });
    const all = Buffer.concat(chunks);
    expect(all.subarray(0, 12).toString('hex')).toBe('0500' + '05000001000000000000');
    expect(all.subarray(12).toString()).toBe('via socks');
  });

  it('-L to a non-loopback target: the server refuses and the local connection is closed', async () => {
    const proc = startExample(
      'ssh.ts',
      [...common().slice(1), '-v', '-N', '-L', '0:192.0.2.1:80', `${USER}@127.0.0.1`],
      env,
    );
    running.push(proc);
    const m = await proc.waitFor(/Local forwarding listening on 127\.0\.0\.1 port (\d+)\./);
    expect((await exchange(Number(m[1]), Buffer.from('x'))).received.length).toBe(0);
    await proc.waitFor(/open failed: .*administratively prohibited/);
  });
});
