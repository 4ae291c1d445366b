/**
 * The session of examples/ssh.ts (RFC 4254 §6): a remote command or an interactive shell, optionally on a
 * pty, with this process's stdio joined to the channel (stdin through channelDuplex and stream.pipeline, so
 * its EOF becomes the channel's EOF; stdout and stderr kept apart). Ends with the remote exit status, or 255
 * when the command was killed by a signal or ended without a status, as ssh(1) does.
 */
import { pipeline } from 'node:stream';
import { concat, defer, ignoreElements, type Observable, of, switchMap } from 'rxjs';
import { requestAgentForwarding, requestPty, windowChange } from '../../operators/index.js';
import { execRequest } from '../../src/channel/channel-requests.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { Connection } from '../../src/connection/connection.js';
import { channelDuplex } from '../../src/io/channel-duplex.js';
import type { SshCliConfig } from './ssh-config.js';

export interface SessionPlan {
  /** The remote command (arguments joined by spaces, as ssh does); undefined for a shell. */
  command?: string;
  pty: boolean;
  stdinNull: boolean;
  /** -A: ask for agent forwarding (auth-agent-req@openssh.com) first; a refusal is not an error. */
  forwardAgent?: boolean;
  /** -X/-Y: sends x11-req first (examples/lib/ssh-x11.ts); a refusal is not an error. */
  x11?: (channel: Channel) => Observable<unknown>;
}

/**
 * ssh(1)'s rule: a pty for a shell or with -t, but only when stdin is a terminal unless -tt; never with -T.
 * Returns the plan and, when a requested pty is dropped, ssh's warning.
 */
export function planSession(cfg: SshCliConfig, stdinIsTty: boolean): { plan: SessionPlan; warning?: string } {
  const command = cfg.command.length > 0 ? cfg.command.join(' ') : undefined;
  let pty = !cfg.noTty && (cfg.tty > 0 || command === undefined);
  let warning: string | undefined;
  if (pty && !stdinIsTty && cfg.tty < 2) {
    pty = false;
    warning = 'Pseudo-terminal will not be allocated because stdin is not a terminal.';
  }
  return { plan: { command, pty, stdinNull: cfg.stdinNull }, warning };
}

export interface SessionEnd {
  code: number;
  /** A line for stderr when the status says nothing by itself (a signal, no status at all). */
  message?: string;
}

/** Runs the session; `done` is called once, after the channel closed and its output was written out. */
export function runSession(conn: Connection, plan: SessionPlan, done: (end: SessionEnd) => void): void {
  let status: { code: number | null; signal: string | null } | undefined;
  let started = false;
  conn
    .session()
    .pipe(
      switchMap((ch) => {
        // Subscribed before any request, so nothing the server sends is missed.
        const duplex = channelDuplex(ch);
        duplex.on('exit', (code: number | null, signal: string | null) => {
          status = { code, signal };
        });
        return concat(start(ch, plan), of(duplex));
      }),
    )
    .subscribe({
      next: (duplex) => {
        started = true;
        attachStdio(duplex, plan, duplex.channel);
        const whenDrained = (s: NodeJS.ReadableStream & { readableEnded: boolean }) =>
          new Promise<void>((resolve) => (s.readableEnded ? resolve() : s.once('end', () => resolve())));
        duplex.channel.onEnd(() => {
          Promise.all([whenDrained(duplex), whenDrained(duplex.stderr)])
            .then(() => new Promise<void>((resolve) => process.stdout.write('', () => resolve())))
            .then(() => done(endOf(status)));
        });
      },
      error: (e: Error) => done({ code: 255, message: started ? e.message : `channel 0: ${e.message}` }),
    });
}

function endOf(status: { code: number | null; signal: string | null } | undefined): SessionEnd {
  if (status?.code !== undefined && status.code !== null) return { code: status.code };
  if (status?.signal) return { code: 255, message: `Remote command killed by signal ${status.signal}.` };
  return { code: 255, message: 'Remote session ended without an exit status.' };
}

/**
 * x11-req, auth-agent-req and pty-req (when planned; ssh's order), then exec or shell; errors when the server
 * refuses either of the last.
 */
function start(ch: Channel, plan: SessionPlan): Observable<never> {
  const refuse = (what: string) => new Error(`${what} request failed on channel 0`);
  // OpenSSH PROTOCOL.agent: asked on the session before the command starts, so the command finds the agent.
  const agent = plan.forwardAgent ? requestAgentForwarding(ch) : of(true);
  const x11 = plan.x11 ? plan.x11(ch) : of(true);
  const size = terminalSize();
  const pty = plan.pty
    ? requestPty(ch, { term: process.env.TERM || 'xterm-256color', ...size }).pipe(
        switchMap((ok) => (ok ? of(ok) : Promise.reject(refuse('PTY allocation')))),
      )
    : of(true);
  const run = defer(() =>
    ch.request(plan.command === undefined ? { type: 'shell' } : execRequest(plan.command)),
  ).pipe(
    switchMap((ok) => (ok ? of(ok) : Promise.reject(refuse(plan.command === undefined ? 'shell' : 'exec')))),
  );
  return concat(x11, agent, pty, run).pipe(ignoreElements());
}

function terminalSize(): { cols: number; rows: number } {
  const out = process.stdout;
  return { cols: (out.isTTY && out.columns) || 80, rows: (out.isTTY && out.rows) || 24 };
}

function attachStdio(duplex: ReturnType<typeof channelDuplex>, plan: SessionPlan, ch: Channel): void {
  duplex.pipe(process.stdout, { end: false });
  duplex.stderr.pipe(process.stderr, { end: false });
  if (plan.stdinNull) {
    duplex.end();
    return;
  }
  const stdin = process.stdin;
  if (plan.pty && stdin.isTTY) {
    // Raw mode: keystrokes (Ctrl-C included) go to the remote terminal, which does the line editing.
    stdin.setRawMode(true);
    process.once('exit', () => stdin.setRawMode(false));
  }
  if (plan.pty) {
    // RFC 4254 §6.7: tell the server when our terminal is resized.
    process.on('SIGWINCH', () => {
      const { cols, rows } = terminalSize();
      if (!ch.closed) windowChange(ch, cols, rows);
    });
  }
  // stdin's end becomes the channel's EOF (RFC 4254 §5.3); the remote side may still answer after it.
  pipeline(stdin, duplex, () => undefined);
}
