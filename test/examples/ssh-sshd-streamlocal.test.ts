/**
 * examples/ssh.ts against examples/sshd.ts with Unix-socket forwarding (OpenSSH PROTOCOL §2.4), both as real
 * processes: `-L /local.sock:/remote.sock` and `-R /remote.sock:/local.sock` carry data both ways with EOF, and
 * each program removes the sockets it made when the client stops.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExampleProcess,
  type RxsshdInstance,
  startExample,
  startRxsshd,
} from '../interop/support/example-process.js';
import {
  exchangeAt,
  type SocketFolder,
  socketFolder,
  startUnixServer,
  type UnixServer,
  waitGone,
} from '../operators/support/streamlocal-sockets.js';
import { countUntilEof } from '../operators/support/tcp.js';

const USER = 'rxssh-test';
const PASSWORD = 'correct horse';

describe('examples/ssh.ts against examples/sshd.ts: Unix-socket forwarding', () => {
  let sshd: RxsshdInstance;
  let dir: SocketFolder;
  let counter: UnixServer;
  const running: ExampleProcess[] = [];

  beforeAll(async () => {
    sshd = await startRxsshd(['--password', `${USER}:${PASSWORD}`]);
    dir = await socketFolder();
    counter = await startUnixServer(dir.path('count.sock'), countUntilEof);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await sshd?.stop();
    await counter?.close();
    await dir?.remove();
  });

  /** Starts `ssh.ts -v -N FLAG SPEC` and waits for `ready`. */
  async function sshN(flag: '-L' | '-R', spec: string, ready: RegExp): Promise<ExampleProcess> {
    const proc = startExample(
      'ssh.ts',
      [
        '-p',
        String(sshd.port),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-v',
        '-N',
        flag,
        spec,
        `${USER}@127.0.0.1`,
      ],
      { ...process.env, SSHPASS: PASSWORD },
    );
    running.push(proc);
    await proc.waitFor(ready);
    return proc;
  }

  it('-L /local.sock:/remote.sock: EOF reaches the remote socket and its answer comes back', async () => {
    const local = dir.path('local.sock');
    const proc = await sshN('-L', `${local}:${counter.path}`, /Local forwarding listening on path /);
    const replies = await Promise.all(
      [1000, 200_000].map((n) => exchangeAt({ path: local }, randomBytes(n))),
    );
    expect(replies.map(String)).toEqual(['1000\n', '200000\n']);
    await proc.stop();
    expect(proc.exitCode()).toBe(0);
    expect(existsSync(local)).toBe(false);
  });

  it('-R /remote.sock:/local.sock: the server makes the socket and removes it when the client leaves', async () => {
    const remote = dir.path('remote.sock');
    const proc = await sshN('-R', `${remote}:${counter.path}`, /remote forward success for: listen /);
    await sshd.waitFor(new RegExp(`Remote forwarding listening on path ${remote}\\.`));
    expect((await exchangeAt({ path: remote }, randomBytes(4096))).toString()).toBe('4096\n');
    await proc.stop();
    expect(proc.exitCode()).toBe(0);
    await waitGone(remote);
  });
});
