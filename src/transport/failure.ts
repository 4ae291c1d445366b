/**
 * How a failure ends the transport (RFC 4253 §11.1): the typed error it becomes, whether we still owe the peer
 * a DISCONNECT, and what the `closed` event says.
 */
import { ConnectionLostError, DisconnectReason, PeerDisconnectError, SshError } from '../errors.js';
import type { TransportEvent } from './transport-events.js';

/** Anything thrown below the transport, as an SshError; a non-SSH throw is our own bug (blame: local). */
export function asSshError(e: unknown): SshError {
  return e instanceof SshError
    ? e
    : new SshError(
        `internal error: ${(e as Error)?.message ?? e}`,
        DisconnectReason.PROTOCOL_ERROR,
        'local',
        { cause: e },
      );
}

/** A peer that disconnected, or a connection already gone, gets no DISCONNECT back. */
export function owesDisconnect(err: SshError): boolean {
  return !(err instanceof PeerDisconnectError) && !(err instanceof ConnectionLostError);
}

export function closedEvent(err: SshError): TransportEvent {
  return {
    type: 'closed',
    reason: err.reason,
    description: err instanceof PeerDisconnectError ? err.description : err.message,
    byPeer: err instanceof PeerDisconnectError,
    error: err,
  };
}
