/**
 * One session channel of examples/sshd.ts (RFC 4254 §6): collects pty-req and env, then runs what exec,
 * shell or subsystem asks for as a child process of this server's user, with the channel as its stdio.
 * window-change resizes the pty and signal reaches the child. When the child has exited and its output has
 * been sent, the session sends exit-status or exit-signal, then EOF, then CLOSE (§6.10, in that order).
 *
 * Commands run as `/bin/sh -c COMMAND` through spawn's argument array: we never build a shell string.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline, type Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ChannelRequest } from '../../src/channel/channel-requests.js';
import { decodeTerminalModes } from '../../src/channel/terminal-modes.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { IncomingRequest } from '../../src/connection/channels/channel-msg.js';
import type { CertificateAuthorizations } from '../../src/keys/certificate-verify.js';
import { channelInput, channelOutput } from './channel-streams.js';

const PTY_HELPER = join(dirname(fileURLToPath(import.meta.url)), 'pty-helper.py');
export const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

/** RFC 4254 §6.10: the signal names a peer may send (without "SIG"). */
const SIGNALS = new Set([
  'ABRT',
  'ALRM',
  'FPE',
  'HUP',
  'ILL',
  'INT',
  'KILL',
  'PIPE',
  'QUIT',
  'SEGV',
  'TERM',
  'USR1',
  'USR2',
]);
/** Caps on what a client can make us keep before the program starts. */
const MAX_ENV_VARS = 64;
const MAX_ENV_BYTES = 32 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Programs still running (and whether on a pty), so a server that is stopped can hang up on them first. */
const running = new Map<ChildProcess, boolean>();

/** Sends SIGHUP to every program still running (the server is going away, as a terminal would). */
export function hangUpAll(): void {
  for (const [child, onPty] of running) hangUp(child, onPty);
}

/**
 * A program without a pty leads its own process group (spawned detached), so the whole group hears the
 * hang-up, as a pty's session would; with a pty, the helper's exit closes the terminal, which does the same.
 */
function hangUp(child: ChildProcess, onPty: boolean): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (onPty) child.kill('SIGHUP');
    else process.kill(-child.pid, 'SIGHUP');
  } catch {
    // already gone
  }
}

export interface SessionContext {
  /** The client's address and port and ours, for SSH_CLIENT / SSH_CONNECTION. */
  client: { address: string; port: number };
  server: { address: string; port: number };
  log(line: string): void;
  debug(line: string): void;
  /**
   * What the user certificate the client logged in with imposes (PROTOCOL.certkeys): `force-command` runs
   * instead of what the client asks for, and without `permit-pty` a pty is refused, as sshd does.
   */
  certificate?: CertificateAuthorizations;
  /**
   * The socket of the client's forwarded agent, made on first use (undefined when the client did not ask for
   * forwarding on this session): programs get it as SSH_AUTH_SOCK.
   */
  agentSocket?: () => string | undefined;
  /**
   * Environment that takes a moment to make (X11's DISPLAY and XAUTHORITY, examples/lib/sshd-x11.ts): the
   * program starts once it is ready.
   */
  sessionEnv?: () => Promise<Record<string, string>>;
}

type Pty = Extract<ChannelRequest, { type: 'pty-req' }>;

export function serveSession(channel: Channel, ctx: SessionContext): void {
  let pty: Pty | undefined;
  const clientEnv = new Map<string, string>();
  let envBytes = 0;
  let child: ChildProcess | undefined;
  let control: Writable | undefined;
  let started = false;
  let sessionEnv: Record<string, string> = {};
  const input = channelInput(channel);
  // The connection lost under the session errors its input; the hang-up below is all that is left to do.
  input.on('error', (e: Error) => ctx.debug(`session: ${e.message}`));

  const baseEnv = (): NodeJS.ProcessEnv => {
    const user = userInfo();
    const c = `${ctx.client.address} ${ctx.client.port}`;
    const env: NodeJS.ProcessEnv = {
      USER: user.username,
      LOGNAME: user.username,
      HOME: user.homedir,
      SHELL: user.shell ?? '/bin/sh',
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      SSH_CLIENT: `${c} ${ctx.server.port}`,
      SSH_CONNECTION: `${c} ${ctx.server.address} ${ctx.server.port}`,
    };
    if (process.env.LANG) env.LANG = process.env.LANG;
    if (pty) env.TERM = pty.term;
    for (const [k, v] of clientEnv) env[k] = v;
    const agent = ctx.agentSocket?.();
    if (agent) env.SSH_AUTH_SOCK = agent;
    return { ...env, ...sessionEnv };
  };

  const start = (what: string, program: string, args: string[], original?: string): boolean => {
    const env = baseEnv();
    if (original !== undefined) env.SSH_ORIGINAL_COMMAND = original;
    try {
      if (pty) {
        const modes = decodeTerminalModes(pty.modes)
          .filter((m) => m.opcode < 128) // speeds are meaningless on a pty
          .map((m) => `${m.opcode}=${m.value}`)
          .join(',');
        const size = [pty.rows, pty.cols, pty.widthPx, pty.heightPx].map(String);
        child = spawn('python3', [PTY_HELPER, '--control', '3', ...size, modes, '--', program, ...args], {
          env,
          cwd: env.HOME,
          stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        });
        control = child.stdio[3] as Writable;
        control.on('error', () => undefined);
      } else {
        child = spawn(program, args, { env, cwd: env.HOME, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      }
    } catch (e) {
      ctx.log(`session: cannot start ${what}: ${(e as Error).message}`);
      return false;
    }
    ctx.debug(`session: ${what} started as pid ${child.pid}${pty ? ' on a pty' : ''}`);
    run(child);
    return true;
  };

  const run = (proc: ChildProcess) => {
    running.set(proc, pty !== undefined);
    proc.once('exit', () => running.delete(proc));
    let pending = pty ? 2 : 3; // stdout, (stderr,) exit
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    const finish = () => {
      if (--pending > 0 || channel.closed) return;
      // RFC 4254 §6.10: exit-status (or exit-signal when a signal ended it), then EOF, then CLOSE.
      if (exit?.signal) {
        const signal = exit.signal.replace(/^SIG/, '');
        channel
          .request({ type: 'exit-signal', signal, coreDumped: false, message: '', language: '' }, false)
          .subscribe({ error: () => undefined });
      } else {
        channel
          .request({ type: 'exit-status', status: exit?.code ?? 255 }, false)
          .subscribe({ error: () => undefined });
      }
      channel.complete();
      channel.close();
    };
    proc.on('error', (err) => {
      ctx.log(`session: ${err.message}`);
      exit ??= { code: 127, signal: null };
    });
    proc.on('close', (code, signal) => {
      exit = { code, signal };
      ctx.debug(`session: pid ${proc.pid} exited (${signal ?? code})`);
      finish();
    });
    // The child may exit without reading all its input: EPIPE there is not a failure of the session, and
    // must not destroy the channel's stream (pipeline would, closing the channel before the exit status).
    proc.stdin!.on('error', () => undefined);
    input.pipe(proc.stdin!);
    pipeline(proc.stdout!, channelOutput(channel), () => finish());
    if (pty) proc.stderr!.on('data', (d: Buffer) => ctx.log(`pty-helper: ${d.toString().trimEnd()}`));
    else pipeline(proc.stderr!, channelOutput(channel, 1), () => finish());
  };

  const startRequest = (req: ChannelRequest): boolean => {
    const forced = ctx.certificate?.forceCommand;
    if (forced != null) {
      // sshd: the forced command replaces exec, shell and subsystem alike; the request is kept for it to read.
      const original =
        req.type === 'exec'
          ? Buffer.from(req.command).toString('utf8')
          : req.type === 'subsystem'
            ? req.name
            : '';
      ctx.debug(`session: forced command ${JSON.stringify(forced)} instead of ${JSON.stringify(original)}`);
      return start('forced command', '/bin/sh', ['-c', forced], original || undefined);
    }
    switch (req.type) {
      case 'exec': {
        const command = Buffer.from(req.command).toString('utf8');
        ctx.debug(`session: exec ${JSON.stringify(command)}`);
        return start('command', '/bin/sh', ['-c', command]);
      }
      case 'shell':
        return pty ? start('shell', userInfo().shell || '/bin/sh', []) : start('shell', '/bin/sh', []);
      case 'subsystem':
        if (req.name !== 'sftp' || !existsSync(SFTP_SERVER)) return false;
        return start('sftp subsystem', SFTP_SERVER, []);
      default:
        return false;
    }
  };

  const onRequest = (msg: IncomingRequest) => {
    const req = msg.request;
    switch (req.type) {
      case 'pty-req':
        if (started || pty) return msg.reply(false);
        if (ctx.certificate && !ctx.certificate.permitPty) {
          ctx.log('session: pty refused: the certificate has no permit-pty');
          return msg.reply(false);
        }
        pty = req;
        return msg.reply(true);
      case 'env': {
        const value = Buffer.from(req.value).toString('utf8');
        const ok =
          !started &&
          ENV_NAME.test(req.name) &&
          !value.includes('\0') &&
          clientEnv.size < MAX_ENV_VARS &&
          envBytes + req.name.length + value.length <= MAX_ENV_BYTES;
        if (ok) {
          clientEnv.set(req.name, value);
          envBytes += req.name.length + value.length;
        }
        return msg.reply(ok);
      }
      case 'exec':
      case 'shell':
      case 'subsystem': {
        if (started) return msg.reply(false);
        // RFC 4254 §6.5: the reply must precede the program's output, so answer before starting it.
        started = true;
        msg.defer();
        const begin = (extra: Record<string, string>) => {
          if (channel.closed) return;
          sessionEnv = extra;
          const ok = startRequest(req);
          msg.reply(ok);
          if (!ok) started = false;
        };
        if (!ctx.sessionEnv) return begin({});
        ctx.sessionEnv().then(begin, () => begin({}));
        return;
      }
      case 'window-change':
        if (!pty) return msg.reply(false);
        pty = { ...pty, cols: req.cols, rows: req.rows, widthPx: req.widthPx, heightPx: req.heightPx };
        control?.write(`winsize ${req.rows} ${req.cols} ${req.widthPx} ${req.heightPx}\n`);
        return msg.reply(true);
      case 'auth-agent-req@openssh.com':
      case 'x11-req':
        return; // answered by agentForwarding() and allowX11() (examples/sshd.ts), which see them first
      case 'signal':
        if (!child || !SIGNALS.has(req.signal)) return msg.reply(false);
        ctx.debug(`session: signal ${req.signal} to pid ${child.pid}`);
        if (control) control.write(`signal ${req.signal}\n`);
        else child.kill(`SIG${req.signal}` as NodeJS.Signals);
        return msg.reply(true);
      default:
        return msg.reply(false);
    }
  };

  channel.subscribe({
    next: (msg) => {
      if (msg.type === 'request') onRequest(msg);
    },
    // The client closed the channel (or the connection ended) while the program runs: hang up on it.
    complete: () => {
      if (child) hangUp(child, pty !== undefined);
    },
    error: () => {
      if (child) hangUp(child, pty !== undefined);
    },
  });
}
