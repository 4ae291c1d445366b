/**
 * Our server (`serve()`) in the test process on a loopback port, for real `ssh` clients: every `exec` is
 * answered with exit status 0 (or what `onExec` says), so `ssh host true` ends cleanly.
 */
import type { AddressInfo } from 'node:net';
import { Subject, type Subscription } from 'rxjs';
import { acceptSessions, type Session } from '../../operators/accept-sessions.js';
import { type AcceptOptions, serve } from '../../src/connection/accept.js';
import type { ChannelMsg } from '../../src/connection/channels/channel-msg.js';
import { listenTcp } from '../../src/io/node-net.js';

export interface LoopbackServer {
  port: number;
  /** Every session, for tests that do more with them (agent forwarding). */
  sessions: Subject<Session>;
  /** Errors of connections that failed (host key refused, authentication failed...). */
  errors: unknown[];
  stop(): void;
}

export function startLoopbackServer(
  options: AcceptOptions,
  onExec: (session: Session, command: string) => number | Promise<number> = () => 0,
): Promise<LoopbackServer> {
  return new Promise((resolve, reject) => {
    const sessions = new Subject<Session>();
    const errors: unknown[] = [];
    let sub: Subscription | undefined;
    const listening = (addr: AddressInfo) =>
      resolve({ port: addr.port, sessions, errors, stop: () => sub?.unsubscribe() });
    sub = serve(listenTcp({ host: '127.0.0.1', port: 0 }, listening), options, (err) => errors.push(err))
      .pipe(acceptSessions())
      .subscribe({
        next: (session) => {
          sessions.next(session);
          session.channel.subscribe({ next: onMessage, error: () => undefined });
          function onMessage(msg: ChannelMsg): void {
            if (msg.type !== 'request' || msg.request.type !== 'exec') return;
            msg.reply(true);
            const command = new TextDecoder().decode(msg.request.command);
            void Promise.resolve(onExec(session, command)).then(
              (status) => finish(session, status),
              () => finish(session, 1),
            );
          }
        },
        error: reject,
      });
  });
}

function finish(session: Session, status: number): void {
  const ch = session.channel;
  ch.request({ type: 'exit-status', status }, false).subscribe();
  ch.complete();
  ch.close();
}
