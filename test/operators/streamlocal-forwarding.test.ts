/**
 * Unix-domain socket forwarding (OpenSSH PROTOCOL §2.4) over the in-memory pair, with real sockets in a
 * temporary folder: forwardLocalStreamlocal against allowDirectStreamlocal (and allowDirectTcpip for a TCP
 * target), forwardRemoteStreamlocal against allowStreamlocalForwarding (and allowRemoteForwarding for a TCP
 * listener). Data both ways, half-close, socket modes, removal on cancel and on disconnect, refusals.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  allowDirectStreamlocal,
  allowDirectTcpip,
  allowRemoteForwarding,
  allowStreamlocalForwarding,
  ForwardingError,
  forwardLocalStreamlocal,
  forwardRemoteStreamlocal,
  type ListenEndpoint,
  type RemoteListening,
  type StreamlocalForwardRequest,
} from '../../operators/index.js';
import type { Endpoint } from '../../operators/streamlocal-sockets.js';
import { encodeGlobalRequestPayload } from '../../src/channel/global-request-payloads.js';
import { encodeChannelOpenPayload } from '../../src/channel/open-payloads.js';
import {
  closedAt,
  exchangeAt,
  type SocketFolder,
  socketFolder,
  startUnixServer,
  type UnixServer,
  waitGone,
} from './support/streamlocal-sockets.js';
import { countUntilEof, echo, type LivePair, livePair, startServer, type TcpServer } from './support/tcp.js';

let dir: SocketFolder;
let unixEcho: UnixServer;
let unixCounter: UnixServer;
let tcpEcho: TcpServer;
let pair: LivePair;
const subs: Subscription[] = [];
let n = 0;
/** A fresh socket path in the test folder. */
const fresh = () => dir.path(`s${++n}.sock`);

beforeAll(async () => {
  dir = await socketFolder();
  unixEcho = await startUnixServer(dir.path('echo.sock'), echo);
  unixCounter = await startUnixServer(dir.path('count.sock'), countUntilEof);
  tcpEcho = await startServer(echo);
});
afterAll(async () => {
  await unixEcho.close();
  await unixCounter.close();
  await tcpEcho.close();
  await dir.remove();
});
afterEach(() => {
  for (const s of subs.splice(0)) s.unsubscribe();
  pair?.stop();
});

/** A socket left behind: a process that exits while listening never unlinks it. */
function leaveStaleSocket(path: string): void {
  const leave = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.exit(0))`;
  execFileSync(process.execPath, ['-e', leave], { timeout: 10_000 });
  expect(statSync(path).isSocket()).toBe(true);
}

/** Resolves once something accepts connections at `path`. */
async function waitListening(path: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ path });
      s.on('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens at ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('forwardLocalStreamlocal (ssh -L with socket paths)', () => {
  function forward(listen: ListenEndpoint, target: Endpoint, errors: Error[] = []) {
    return new Promise<{ path?: string; port?: number; sub: Subscription }>((resolve, reject) => {
      const sub = pair.client
        .pipe(forwardLocalStreamlocal({ listen, target, onError: (e) => errors.push(e) }))
        .subscribe({ next: (at) => resolve({ ...at, sub }), error: reject });
      subs.push(sub);
    });
  }
  const serverAllows = (policy?: (p: string) => boolean) => {
    pair = livePair();
    const seen: string[] = [];
    const opts = policy ? { policy: (r: { socketPath: string }) => policy(r.socketPath) } : {};
    subs.push(pair.server.pipe(allowDirectStreamlocal(opts)).subscribe((r) => seen.push(r.socketPath)));
    return seen;
  };

  it('/local.sock:/remote.sock carries data both ways; the socket is 0600 and removed on unsubscribe', async () => {
    const seen = serverAllows();
    const path = fresh();
    const { sub, path: at } = await forward({ path }, { path: unixEcho.path });
    expect(at).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const sent = [randomBytes(300 * 1024), randomBytes(300 * 1024)];
    const back = await Promise.all(sent.map((d) => exchangeAt({ path }, d)));
    for (const [i, b] of back.entries()) expect(b.equals(sent[i]), `connection ${i}`).toBe(true);
    expect(seen).toEqual([unixEcho.path, unixEcho.path]);
    sub.unsubscribe();
    await waitGone(path);
  });

  it('half-close travels: the remote socket sees our EOF and answers after it', async () => {
    serverAllows();
    const path = fresh();
    await forward({ path }, { path: unixCounter.path });
    expect((await exchangeAt({ path }, randomBytes(12345))).toString()).toBe('12345\n');
  });

  it('port:/remote.sock listens on TCP and opens direct-streamlocal', async () => {
    serverAllows();
    const { port } = await forward({ host: '127.0.0.1', port: 0 }, { path: unixEcho.path });
    const data = randomBytes(64 * 1024);
    expect((await exchangeAt({ host: '127.0.0.1', port: port! }, data)).equals(data)).toBe(true);
  });

  it('/local.sock:host:port opens direct-tcpip (the server answers it with allowDirectTcpip)', async () => {
    pair = livePair();
    subs.push(pair.server.pipe(allowDirectTcpip()).subscribe());
    const path = fresh();
    await forward({ path }, { host: '127.0.0.1', port: tcpEcho.port });
    const data = randomBytes(64 * 1024);
    expect((await exchangeAt({ path }, data)).equals(data)).toBe(true);
  });

  it('a refused path closes the local connection and reports a ForwardingError; the listener stays', async () => {
    serverAllows((p) => p !== unixEcho.path);
    const path = fresh();
    const errors: Error[] = [];
    await forward({ path }, { path: unixEcho.path }, errors);
    await expect(closedAt({ path })).resolves.toHaveLength(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ForwardingError);
    expect(errors[0].message).toMatch(/administratively prohibited/);
    expect(existsSync(path)).toBe(true);
  });

  it('a socket that does not exist on the server: the open fails with connect failed', async () => {
    serverAllows();
    const path = fresh();
    const errors: Error[] = [];
    await forward({ path }, { path: dir.path('nobody-home.sock') }, errors);
    await expect(closedAt({ path })).resolves.toHaveLength(0);
    expect(errors[0]?.message).toMatch(/connect to path .*nobody-home\.sock failed/);
  });

  it('a path that is taken fails the operator with a ForwardingError', async () => {
    serverAllows();
    const taken = fresh();
    writeFileSync(taken, 'not a socket');
    await expect(forward({ path: taken }, { path: unixEcho.path })).rejects.toBeInstanceOf(ForwardingError);
  });

  it('a stale local socket is replaced with socket.unlinkExisting (ssh_config StreamLocalBindUnlink)', async () => {
    serverAllows();
    const path = fresh();
    leaveStaleSocket(path);
    await expect(forward({ path }, { path: unixEcho.path })).rejects.toBeInstanceOf(ForwardingError);
    const sub = pair.client
      .pipe(
        forwardLocalStreamlocal({
          listen: { path },
          target: { path: unixEcho.path },
          socket: { unlinkExisting: true },
        }),
      )
      .subscribe();
    subs.push(sub);
    await waitListening(path);
    const data = randomBytes(1000);
    expect((await exchangeAt({ path }, data)).equals(data)).toBe(true);
  });

  it('a socket path with NUL (abstract namespace in Node) is refused as prohibited', async () => {
    const seen = serverAllows();
    const conn = await firstValueFrom(pair.client);
    const open = encodeChannelOpenPayload({
      type: 'direct-streamlocal@openssh.com',
      socketPath: '\0rxssh-abstract',
    });
    await expect(
      firstValueFrom(conn.openChannel('direct-streamlocal@openssh.com', open)),
    ).rejects.toMatchObject({
      name: 'ChannelOpenError',
      openReason: 1, // RFC 4254 §5.1 SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
    });
    expect(seen).toEqual([]);
  });

  it('the connection ending stops listening and removes the socket', async () => {
    serverAllows();
    const path = fresh();
    await forward({ path }, { path: unixEcho.path });
    pair.stop();
    await waitGone(path);
  });
});

describe('forwardRemoteStreamlocal (ssh -R with socket paths)', () => {
  function startServerSide(opts: Parameters<typeof allowStreamlocalForwarding>[0] = {}) {
    pair = livePair();
    const forwards: StreamlocalForwardRequest[] = [];
    subs.push(pair.server.pipe(allowStreamlocalForwarding(opts)).subscribe((f) => forwards.push(f)));
    return forwards;
  }
  function requestForward(bind: Endpoint, target: Endpoint) {
    return new Promise<{ at: RemoteListening; sub: Subscription }>((resolve, reject) => {
      const sub = pair.client
        .pipe(forwardRemoteStreamlocal({ bind, target }))
        .subscribe({ next: (at) => resolve({ at, sub }), error: reject });
      subs.push(sub);
    });
  }

  it('/remote.sock:/local.sock: the server creates a 0600 socket, data goes both ways, cancel removes it', async () => {
    const forwards = startServerSide();
    const path = fresh();
    const { at, sub } = await requestForward({ path }, { path: unixEcho.path });
    expect(at).toEqual({ path });
    expect(forwards.map((f) => f.socketPath)).toEqual([path]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const sent = [randomBytes(300 * 1024), randomBytes(300 * 1024)];
    const back = await Promise.all(sent.map((d) => exchangeAt({ path }, d)));
    for (const [i, b] of back.entries()) expect(b.equals(sent[i]), `connection ${i}`).toBe(true);
    sub.unsubscribe(); // cancel-streamlocal-forward@openssh.com
    await waitGone(path);
  });

  it('half-close travels back through the client', async () => {
    startServerSide();
    const path = fresh();
    await requestForward({ path }, { path: unixCounter.path });
    expect((await exchangeAt({ path }, randomBytes(4321))).toString()).toBe('4321\n');
  });

  it('/remote.sock:host:port connects to a TCP target here', async () => {
    startServerSide();
    const path = fresh();
    await requestForward({ path }, { host: '127.0.0.1', port: tcpEcho.port });
    const data = randomBytes(64 * 1024);
    expect((await exchangeAt({ path }, data)).equals(data)).toBe(true);
  });

  it('port 0:/local.sock uses tcpip-forward (allowRemoteForwarding) and reports the allocated port', async () => {
    pair = livePair();
    subs.push(pair.server.pipe(allowRemoteForwarding()).subscribe());
    const { at } = await requestForward({ host: 'localhost', port: 0 }, { path: unixEcho.path });
    const port = (at as { port: number }).port;
    expect(port).toBeGreaterThan(0);
    const data = randomBytes(64 * 1024);
    expect((await exchangeAt({ host: '127.0.0.1', port }, data)).equals(data)).toBe(true);
  });

  it('the connection ending removes the server socket', async () => {
    startServerSide();
    const path = fresh();
    await requestForward({ path }, { path: unixEcho.path });
    pair.stop();
    await waitGone(path);
  });

  it('a stale socket makes the request fail, unless unlinkExisting (StreamLocalBindUnlink) is set', async () => {
    const path = fresh();
    leaveStaleSocket(path);
    expect(statSync(path).isSocket()).toBe(true);

    const errors: Error[] = [];
    startServerSide({ onError: (e) => errors.push(e) });
    await expect(requestForward({ path }, { path: unixEcho.path })).rejects.toBeInstanceOf(ForwardingError);
    expect(errors[0]?.message).toMatch(/EADDRINUSE/);
    pair.stop();

    startServerSide({ socket: { unlinkExisting: true } });
    await requestForward({ path }, { path: unixEcho.path });
    const data = randomBytes(1000);
    expect((await exchangeAt({ path }, data)).equals(data)).toBe(true);
  });

  it('a cancel sent right behind its request: both are answered and no socket is left', async () => {
    startServerSide();
    const conn = await firstValueFrom(pair.client);
    const path = fresh();
    const ask = (type: 'streamlocal-forward@openssh.com' | 'cancel-streamlocal-forward@openssh.com') =>
      firstValueFrom(conn.globalRequest(type, encodeGlobalRequestPayload({ type, socketPath: path })));
    const replies = Promise.all([
      ask('streamlocal-forward@openssh.com'),
      ask('cancel-streamlocal-forward@openssh.com'),
    ]);
    const [, cancelled] = await Promise.race([
      replies,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('a reply never came')), 3_000)),
    ]);
    expect(cancelled.ok).toBe(true);
    await waitGone(path);
  });

  it('a request for a path with NUL is refused', async () => {
    startServerSide();
    const conn = await firstValueFrom(pair.client);
    const type = 'streamlocal-forward@openssh.com';
    const reply = await firstValueFrom(
      conn.globalRequest(type, encodeGlobalRequestPayload({ type, socketPath: '\0rxssh-abstract' })),
    );
    expect(reply.ok).toBe(false);
  });

  it('a policy refusal fails the operator with a ForwardingError and creates nothing', async () => {
    startServerSide({ policy: () => false });
    const path = fresh();
    await expect(requestForward({ path }, { path: unixEcho.path })).rejects.toBeInstanceOf(ForwardingError);
    expect(existsSync(path)).toBe(false);
  });

  it('a connection to a missing local socket is refused; the forward keeps serving', async () => {
    startServerSide();
    const path = fresh();
    await requestForward({ path }, { path: dir.path('nobody-home.sock') });
    await expect(closedAt({ path })).resolves.toHaveLength(0);
    expect(existsSync(path)).toBe(true);
  });
});
