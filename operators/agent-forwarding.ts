/**
 * ssh-agent forwarding (OpenSSH PROTOCOL.agent). The client asks on a session channel with
 * `auth-agent-req@openssh.com`; the server may then open `auth-agent@openssh.com` channels back to the client,
 * each carrying the agent protocol (draft-miller-ssh-agent) to the client's own agent.
 *
 * Client side: `forwardAgent()` serves those channels on every connection passing through it, each piped to a
 * fresh connection to the local agent socket; `requestAgentForwarding(channel)` (or `withAgentForwarding()` on
 * a stream of session channels) asks the server for it. Forwarding lends the server the power to sign with
 * every key in the agent for as long as the connection lasts: enable it only for servers you trust (ssh(1)'s
 * ForwardAgent is off by default for this reason).
 *
 * Server side: `agentForwarding()` answers the request on each session and gives the application
 * `session.agent.open()`, an AgentClient over a new channel to the client's agent (to list keys, sign, or
 * authenticate to a further host with `agentSigners`).
 *
 * @example
 * // client
 * connect(io, opts).pipe(
 *   forwardAgent(),
 *   switchMap((conn) => conn.session()),
 *   withAgentForwarding(),
 *   switchMap((ch) => runExec(ch, 'ssh next-hop')),
 * );
 * // server
 * serve(listenTcp(addr), opts).pipe(acceptSessions(), agentForwarding()).subscribe((session) =>
 *   session.agent.requested$.pipe(switchMap(() => session.agent.open())).subscribe(async (agent) =>
 *     console.log(await agent.identities())));
 */
import type * as net from 'node:net';
import {
  catchError,
  concatMap,
  defer,
  EMPTY,
  filter,
  finalize,
  type MonoTypeOperatorFunction,
  map,
  merge,
  mergeMap,
  Observable,
  type OperatorFunction,
  of,
  ReplaySubject,
  switchMap,
  throwError,
} from 'rxjs';
import { AgentClient } from '../src/agent/agent-client.js';
import { acceptedUserCertificate } from '../src/connection/accept.js';
import type { Channel } from '../src/connection/channels/channel.js';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import type { Connection } from '../src/connection/connection.js';
import { UsageError } from '../src/errors.js';
import { channelByteIO } from '../src/io/channel-byte-io.js';
import { ChannelOpenFailure } from '../src/wire/connection-messages.js';
import type { Session } from './accept-sessions.js';
import { connectStreamlocal } from './streamlocal-sockets.js';

const AGENT_CHANNEL = 'auth-agent@openssh.com';
const AGENT_REQUEST = 'auth-agent-req@openssh.com';

// ---- client ---------------------------------------------------------------------------------------------

/** Asks the server to forward agent connections to us (PROTOCOL.agent); emits whether it agreed. */
export function requestAgentForwarding(channel: Channel): Observable<boolean> {
  return channel.request({ type: AGENT_REQUEST });
}

/**
 * Sends `auth-agent-req@openssh.com` on each session channel and emits the channel once the server has
 * answered (a refusal is not an error: ssh(1) goes on without forwarding too). Use before exec or shell.
 */
export function withAgentForwarding(
  onRefused?: (channel: Channel) => void,
): MonoTypeOperatorFunction<Channel> {
  return concatMap((channel) =>
    requestAgentForwarding(channel).pipe(
      map((ok) => {
        if (!ok) onRefused?.(channel);
        return channel;
      }),
    ),
  );
}

/**
 * Serves `auth-agent@openssh.com` channels the server opens on each connection that passes through, until that
 * connection ends or the result is unsubscribed: each is accepted once a fresh connection to the agent at
 * `agentPath` (default `$SSH_AUTH_SOCK`) is up, and refused with SSH_OPEN_CONNECT_FAILED when the agent cannot
 * be reached. Without this operator such channels are refused (unanswered opens are). Completes when the
 * source has completed and every connection from it has ended.
 * @throws UsageError (as an error notification) when there is no agent path
 */
export function forwardAgent(
  agentPath: string | undefined = process.env.SSH_AUTH_SOCK,
): MonoTypeOperatorFunction<Connection> {
  return (source) => {
    if (!agentPath || agentPath.includes('\0'))
      return throwError(() => new UsageError('agent forwarding: no agent socket (SSH_AUTH_SOCK is not set)'));
    return source.pipe(
      mergeMap((conn) =>
        // Listen before handing the connection on, so no open can come before we do.
        merge(
          conn.incomingChannels$.pipe(
            filter((inc) => inc.channelType === AGENT_CHANNEL),
            mergeMap((inc) => pipeToAgent(inc, agentPath)),
          ),
          of(conn),
        ),
      ),
    );
  };
}

/** Defers the open (call while it is delivered), connects to the agent, then accepts and pipes. */
function pipeToAgent(incoming: IncomingChannel, agentPath: string): Observable<never> {
  incoming.defer();
  return connectStreamlocal(agentPath).pipe(
    switchMap((socket) => pipeAgentSocket(socket, incoming.accept())),
    catchError((err: Error) => {
      incoming.reject(ChannelOpenFailure.CONNECT_FAILED, `cannot reach the agent: ${err.message}`);
      return EMPTY;
    }),
    // Refusing after an accept does nothing; this answers an open still waiting when we stop.
    finalize(() => incoming.reject(ChannelOpenFailure.CONNECT_FAILED, 'agent forwarding stopped')),
  );
}

/** Agent traffic is request and reply; this much the agent has not read means it, or the server, misbehaves. */
const MAX_UNREAD_BY_AGENT = 1 << 20;

/**
 * Joins the agent socket and the channel until either ends (the server's EOF or CLOSE ends the socket, the
 * agent's end closes the channel). Bytes from the agent wait while the channel's queue is full; bytes for the
 * agent are bounded by MAX_UNREAD_BY_AGENT, past which both are closed.
 */
function pipeAgentSocket(socket: net.Socket, channel: Channel): Observable<never> {
  return new Observable<never>((subscriber) => {
    const io = channelByteIO(channel);
    const done = () => {
      socket.destroy();
      io.end();
      subscriber.complete();
    };
    const input = io.input.subscribe({
      next: (bytes) => {
        socket.write(bytes);
        if (socket.writableLength > MAX_UNREAD_BY_AGENT) done();
      },
      complete: () => socket.end(),
      error: done,
    });
    const drained = io.drained?.subscribe(() => socket.resume());
    socket.on('data', (chunk: Buffer) => {
      const room = io.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if (room === false) socket.pause();
    });
    socket.on('end', done);
    socket.on('close', done);
    // The socket comes paused from the connect; a 'data' listener alone does not restart it.
    socket.resume();
    return () => {
      input.unsubscribe();
      drained?.unsubscribe();
      socket.destroy();
      io.end();
    };
  });
}

// ---- server ---------------------------------------------------------------------------------------------

/** The client's agent as this session sees it. */
export interface ForwardedAgent {
  /** True once the client asked for forwarding on this session (and it was allowed). */
  readonly requested: boolean;
  /** Emits once, when the client asks (at once for a late subscriber), and completes. */
  readonly requested$: Observable<void>;
  /**
   * Opens an `auth-agent@openssh.com` channel to the client and emits an AgentClient over it; unsubscribing
   * closes the channel, which ending completes the observable. Errors with UsageError before `requested`,
   * and with ChannelOpenError if the client refuses.
   */
  open(): Observable<AgentClient>;
}

export interface AgentForwardingSession extends Session {
  readonly agent: ForwardedAgent;
}

export interface AgentForwardingOptions {
  /**
   * Whether this session may forward its agent (default: yes). A client that logged in with a user certificate
   * lacking `permit-agent-forwarding` is refused either way, as sshd refuses it.
   */
  allow?: (session: Session) => boolean;
}

/**
 * Answers `auth-agent-req@openssh.com` on each session (the application still subscribes to `session.channel`
 * as usual and may ignore that request) and adds `agent` to it.
 */
export function agentForwarding(
  opts: AgentForwardingOptions = {},
): OperatorFunction<Session, AgentForwardingSession> {
  return map((session) => {
    const { connection, channel } = session;
    const requested = new ReplaySubject<void>(1);
    let granted = false;
    const permitted = () =>
      (opts.allow?.(session) ?? true) &&
      (acceptedUserCertificate(connection)?.authorizations.permitAgentForwarding ?? true);
    // connection.messages$ sees each message before the channel's own subscribers, so this answers first.
    const watch = connection.messages$.subscribe(({ channel: ch, msg }) => {
      if (ch !== channel || msg.type !== 'request' || msg.request.type !== AGENT_REQUEST) return;
      const ok = granted || permitted();
      msg.reply(ok);
      if (ok && !granted) {
        granted = true;
        requested.next();
        requested.complete();
      }
    });
    channel.onEnd(() => {
      watch.unsubscribe();
      requested.complete();
    });
    const agent: ForwardedAgent = {
      get requested() {
        return granted;
      },
      requested$: requested.asObservable(),
      open: () =>
        defer(() => {
          if (!granted) throw new UsageError('the client has not asked for agent forwarding');
          return connection.openChannel(AGENT_CHANNEL);
        }).pipe(switchMap((ch) => agentOver(ch))),
    };
    return { ...session, agent };
  });
}

function agentOver(ch: Channel): Observable<AgentClient> {
  return new Observable<AgentClient>((subscriber) => {
    const client = new AgentClient(channelByteIO(ch));
    subscriber.next(client);
    ch.onEnd(() => subscriber.complete());
    return () => client.close();
  });
}
