/**
 * The skeleton of the server's direct-* operators (`direct-tcpip`, RFC 4254 §7.2;
 * `direct-streamlocal@openssh.com`, OpenSSH PROTOCOL §2.4): on each connection, the client's opens of one
 * channel type are decoded into a request, checked against the policy and connected. Malformed open data is
 * refused with SSH_OPEN_CONNECT_FAILED, a request the policy does not allow with
 * SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1); a throwing policy fails closed. Emits each request
 * once its connection is established.
 */
import { filter, map, mergeMap, type Observable, type OperatorFunction, takeUntil } from 'rxjs';
import { type ChannelOpenPayload, decodeChannelOpenPayload } from '../src/channel/open-payloads.js';
import type { IncomingChannel } from '../src/connection/channels/channel-table.js';
import type { Connection } from '../src/connection/connection.js';
import { ChannelOpenFailure } from '../src/wire/connection-messages.js';

export interface DirectOpenHandler<R> {
  /** The request an open's decoded data describes; undefined for data of another channel type. */
  request(connection: Connection, payload: ChannelOpenPayload): R | undefined;
  /** Only `true` allows the request. */
  allowed(request: R): boolean;
  /** Connects the target and joins it to the channel; emits once established. */
  connect(incoming: IncomingChannel, request: R): Observable<void>;
}

export function serveDirectOpens<R>(
  channelType: string,
  handler: DirectOpenHandler<R>,
): OperatorFunction<Connection, R> {
  return mergeMap((connection) =>
    connection.incomingChannels$.pipe(
      filter((inc) => inc.channelType === channelType),
      mergeMap((inc) => {
        let request: R | undefined;
        try {
          request = handler.request(connection, decodeChannelOpenPayload(inc.channelType, inc.data));
        } catch {
          inc.reject(ChannelOpenFailure.CONNECT_FAILED, `malformed ${channelType} data`);
          return [];
        }
        if (request === undefined) return [];
        let allowed = false;
        try {
          allowed = handler.allowed(request) === true;
        } catch {
          // A throwing policy fails closed.
        }
        if (!allowed) {
          inc.reject(
            ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED,
            'administratively prohibited: open failed',
          );
          return [];
        }
        const established = request;
        return handler.connect(inc, established).pipe(map(() => established));
      }),
      takeUntil(connection.disconnect$),
    ),
  );
}
