/**
 * Server side: accepts the client's `session` channels (RFC 4254 §6.1) on each connection and emits them, so
 * exec, shell, subsystem and pty requests can be handled with ordinary RxJS. Other channel types are left to
 * other operators (and refused if nobody takes them).
 *
 * Subscribe to `session.channel` once and handle every message there: requests (pty-req, env, exec, shell,
 * subsystem, window-change, signal...) and the data that follows them arrive in order on that one stream.
 *
 * @example
 * serve(listenTcp(addr), opts).pipe(acceptSessions()).subscribe(({ channel }) =>
 *   channel.subscribe((msg) => { if (msg.type === 'request' && msg.request.type === 'exec') msg.reply(true); }));
 */
import { filter, map, mergeMap, type OperatorFunction } from 'rxjs';
import type { Channel } from '../src/connection/channels/channel.js';
import type { Connection } from '../src/connection/connection.js';

export interface Session {
  readonly connection: Connection;
  readonly channel: Channel;
}

export interface AcceptSessionsOptions {
  /** Sessions per connection, like OpenSSH's MaxSessions (default 10); more are refused. */
  maxSessions?: number;
}

export function acceptSessions(opts: AcceptSessionsOptions = {}): OperatorFunction<Connection, Session> {
  const max = opts.maxSessions ?? 10;
  return mergeMap((connection) => {
    let open = 0;
    return connection.incomingChannels$.pipe(
      filter((inc) => inc.channelType === 'session'),
      filter((inc) => {
        // OpenSSH PROTOCOL §2.2: after no-more-sessions@openssh.com no session may be opened.
        if (connection.noMoreSessionsReceived) {
          inc.reject(1, 'no more sessions'); // RFC 4254 §5.1 SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
          return false;
        }
        if (open < max) return true;
        inc.reject(4, 'too many sessions'); // RFC 4254 §5.1 SSH_OPEN_RESOURCE_SHORTAGE
        return false;
      }),
      map((inc): Session => {
        const channel = inc.accept();
        open++;
        channel.onEnd(() => open--);
        return { connection, channel };
      }),
    );
  });
}
