/**
 * examples/sshd.ts sessions driven message by message with the library's client: env, pty + shell with
 * window-change, signal, the order exit-status → EOF → CLOSE (RFC 4254 §6.10), one program per channel,
 * hang-up when the client closes, large output with backpressure, and the sftp subsystem.
 */
import { existsSync } from 'node:fs';
import { firstValueFrom, lastValueFrom, ReplaySubject, type Subscription, switchMap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exec, requestPty, windowChange } from '../../operators/index.js';
import { envRequest, execRequest } from '../../src/channel/channel-requests.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { ChannelMsg } from '../../src/connection/channels/channel-msg.js';
import type { Connection } from '../../src/connection/connection.js';
import { acceptAnyHostKeyInsecure, connect, connectTcp } from '../../src/index.js';
import { type RxsshdInstance, startRxsshd } from '../interop/support/example-process.js';

const USER = 'rxssh-test';
const PASSWORD = 'correct horse';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

/** A session channel with everything it received, as text and as message types. */
interface Recorded {
  ch: Channel;
  types: string[];
  text(): string;
  /** Resolves when the output contains `pattern` (or rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  ended: Promise<void>;
}

describe('examples/sshd.ts sessions', () => {
  let sshd: RxsshdInstance;
  const conn = new ReplaySubject<Connection>(1);
  let sub: Subscription;

  beforeAll(async () => {
    sshd = await startRxsshd(['--password', `${USER}:${PASSWORD}`]);
    sub = connectTcp({ host: '127.0.0.1', port: sshd.port })
      .pipe(
        switchMap((io) =>
          connect(io, { username: USER, password: PASSWORD, verifyHostKey: acceptAnyHostKeyInsecure() }),
        ),
      )
      .subscribe(conn);
    await firstValueFrom(conn);
  });
  afterAll(async () => {
    sub?.unsubscribe();
    await sshd?.stop();
  });

  async function open(): Promise<Recorded> {
    const c = await firstValueFrom(conn);
    const ch = await new Promise<Channel>((resolve, reject) =>
      c.session().subscribe({ next: resolve, error: reject }),
    );
    const types: string[] = [];
    let out = '';
    const waiters = new Set<() => void>();
    const ended = new Promise<void>((resolve) => {
      ch.subscribe({
        next: (m: ChannelMsg) => {
          if (m.type !== 'writable') types.push(m.type === 'request' ? `request:${m.request.type}` : m.type);
          if (m.type === 'data') out += Buffer.from(m.data).toString();
          if (m.type === 'exit-status') types.push(`status:${m.code}`);
          if (m.type === 'exit-signal') types.push(`signal:${m.signal}`);
          for (const w of waiters) w();
        },
        complete: () => resolve(),
      });
    });
    return {
      ch,
      types,
      text: () => out,
      ended,
      waitFor: (pattern, timeoutMs = 10_000) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (!pattern.test(out)) return;
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`no ${pattern} in ${JSON.stringify(out)}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        }),
    };
  }

  const ask = (ch: Channel, ...args: Parameters<Channel['request']>) => firstValueFrom(ch.request(...args));

  it('env requests reach the program; malformed names are refused', async () => {
    const s = await open();
    expect(await ask(s.ch, envRequest('RXSSH_GREETING', 'hello there'))).toBe(true);
    expect(await ask(s.ch, envRequest('BAD=NAME', 'x'))).toBe(false);
    expect(await ask(s.ch, execRequest('printf %s "$RXSSH_GREETING"'))).toBe(true);
    s.ch.complete();
    await s.ended;
    expect(s.text()).toBe('hello there');
  });

  it('exit-status, then EOF, then CLOSE (RFC 4254 §6.10); a second program on the channel is refused', async () => {
    const s = await open();
    expect(await ask(s.ch, execRequest('sleep 0.3; exit 9'))).toBe(true);
    expect(await ask(s.ch, execRequest('true'))).toBe(false);
    s.ch.complete();
    await s.ended;
    expect(s.types.filter((t) => t !== 'success' && t !== 'failure')).toEqual([
      'exit-status',
      'status:9',
      'request:exit-status',
      'eof',
      'close',
    ]);
  });

  it('pty + shell: a /dev/pts terminal whose size follows window-change', async () => {
    const s = await open();
    expect(await firstValueFrom(requestPty(s.ch, { cols: 80, rows: 24 }))).toBe(true);
    expect(await ask(s.ch, { type: 'shell' })).toBe(true);
    s.ch.next('tty; stty size\n');
    await s.waitFor(/\/dev\/pts\/\d+\r\n24 80\r\n/);
    windowChange(s.ch, 132, 50);
    s.ch.next('stty size\n');
    await s.waitFor(/50 132\r\n/);
    s.ch.next('exit 3\n');
    await s.ended;
    expect(s.types).toContain('status:3');
  });

  it('signal reaches the command, which ends with exit-signal; unknown signal names are refused', async () => {
    const s = await open();
    expect(await ask(s.ch, execRequest('echo started; exec sleep 30'))).toBe(true);
    await s.waitFor(/started/);
    expect(await ask(s.ch, { type: 'signal', signal: 'NOSUCH' })).toBe(false);
    expect(await ask(s.ch, { type: 'signal', signal: 'TERM' })).toBe(true);
    await s.ended;
    expect(s.types).toContain('signal:TERM');
  });

  it('signal reaches a command on a pty (through the helper)', async () => {
    const s = await open();
    await firstValueFrom(requestPty(s.ch));
    expect(await ask(s.ch, execRequest('echo started; exec sleep 30'))).toBe(true);
    await s.waitFor(/started/);
    expect(await ask(s.ch, { type: 'signal', signal: 'USR1' })).toBe(true);
    await s.ended;
    expect(s.types).toContain('signal:USR1');
  });

  it('closing the channel hangs up on the program', async () => {
    const s = await open();
    await ask(s.ch, execRequest('echo $$; exec sleep 30'));
    await s.waitFor(/^\d+\n/);
    const pid = Number(s.text().trim());
    s.ch.close();
    await s.ended;
    const deadline = Date.now() + 5000;
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(alive()).toBe(false);
  });

  it('carries 32 MiB of output to a client that reads it all', async () => {
    const r = await firstValueFrom(
      conn.pipe(exec('head -c 33554432 /dev/zero', { maxOutputBytes: 1 << 26 })),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBe(1 << 25);
  });

  it.skipIf(!existsSync(SFTP_SERVER))(
    'the sftp subsystem answers SSH_FXP_INIT with SSH_FXP_VERSION',
    async () => {
      const s = await open();
      expect(await ask(s.ch, { type: 'subsystem', name: 'sftp' })).toBe(true);
      // draft-ietf-secsh-filexfer-02 §4: uint32 length, byte SSH_FXP_INIT (1), uint32 version (3)
      const bytes: number[] = [];
      const reply = lastValueFrom(
        s.ch.pipe(
          switchMap((m) => (m.type === 'data' ? [...m.data] : [])),
          toArray(),
        ),
      );
      s.ch.next(Uint8Array.from([0, 0, 0, 5, 1, 0, 0, 0, 3]));
      await s.waitFor(/./);
      s.ch.complete();
      bytes.push(...(await reply));
      // uint32 length, byte SSH_FXP_VERSION (2), uint32 version (3), then extensions
      expect(bytes[4]).toBe(2);
      expect(bytes.slice(5, 9)).toEqual([0, 0, 0, 3]);
    },
  );

  it('an unknown subsystem is refused', async () => {
    const s = await open();
    expect(await ask(s.ch, { type: 'subsystem', name: 'no-such-subsystem' })).toBe(false);
  });
});
