/**
 * Typed errors. Every failure carries a disconnect reason code (RFC 4253 §11.1) and who is to blame,
 * so callers branch on `err.reason` / `instanceof`, never on message text.
 */

/** SSH_MSG_DISCONNECT reason codes, RFC 4253 §11.1. */
export const DisconnectReason = {
  HOST_NOT_ALLOWED_TO_CONNECT: 1,
  PROTOCOL_ERROR: 2,
  KEY_EXCHANGE_FAILED: 3,
  RESERVED: 4,
  MAC_ERROR: 5,
  COMPRESSION_ERROR: 6,
  SERVICE_NOT_AVAILABLE: 7,
  PROTOCOL_VERSION_NOT_SUPPORTED: 8,
  HOST_KEY_NOT_VERIFIABLE: 9,
  CONNECTION_LOST: 10,
  BY_APPLICATION: 11,
  TOO_MANY_CONNECTIONS: 12,
  AUTH_CANCELLED_BY_USER: 13,
  NO_MORE_AUTH_METHODS_AVAILABLE: 14,
  ILLEGAL_USER_NAME: 15,
} as const;
export type DisconnectReasonCode = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** Who caused the failure: the peer broke the protocol, our application misused the API, or a policy said no. */
export type Blame = 'peer' | 'local' | 'policy' | 'network';

export class SshError extends Error {
  override name = 'SshError';
  constructor(
    message: string,
    readonly reason: DisconnectReasonCode = DisconnectReason.PROTOCOL_ERROR,
    readonly blame: Blame = 'peer',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The peer sent something malformed, out of order or over a limit. */
export class ProtocolError extends SshError {
  override name = 'ProtocolError';
  constructor(message: string, reason: DisconnectReasonCode = DisconnectReason.PROTOCOL_ERROR) {
    super(message, reason, 'peer');
  }
}

/** A field could not be decoded: truncated, oversized, or not of the declared type. */
export class DecodeError extends ProtocolError {
  override name = 'DecodeError';
}

/** Packet integrity failed (bad MAC or AEAD tag). RFC 4253 §6.4. */
export class MacError extends ProtocolError {
  override name = 'MacError';
  constructor(message = 'message authentication code incorrect') {
    super(message, DisconnectReason.MAC_ERROR);
  }
}

/** Key exchange failed: no common algorithm, a bad public value, a bad signature. */
export class KexError extends SshError {
  override name = 'KexError';
  constructor(
    message: string,
    blame: Blame = 'peer',
    readonly detail?: Record<string, unknown>,
  ) {
    super(message, DisconnectReason.KEY_EXCHANGE_FAILED, blame);
  }
}

/** The server's host key was refused by the verification step, or changed. */
export class HostKeyError extends SshError {
  override name = 'HostKeyError';
  constructor(message: string) {
    super(message, DisconnectReason.HOST_KEY_NOT_VERIFIABLE, 'policy');
  }
}

/** Authentication ended without success. */
export class AuthError extends SshError {
  override name = 'AuthError';
  constructor(
    message: string,
    readonly methodsLeft: readonly string[] = [],
  ) {
    super(message, DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE, 'policy');
  }
}

/** A timer ran out: login grace, key-exchange deadline, keepalive. */
export class TimeoutError extends SshError {
  override name = 'TimeoutError';
  constructor(message: string, reason: DisconnectReasonCode = DisconnectReason.BY_APPLICATION) {
    super(message, reason, 'policy');
  }
}

/** The peer disconnected us (SSH_MSG_DISCONNECT received). */
export class PeerDisconnectError extends SshError {
  override name = 'PeerDisconnectError';
  constructor(
    reason: DisconnectReasonCode,
    readonly description: string,
  ) {
    super(`peer disconnected (reason ${reason}): ${description}`, reason, 'peer');
  }
}

/** The byte stream ended or the socket failed. */
export class ConnectionLostError extends SshError {
  override name = 'ConnectionLostError';
  constructor(message = 'connection lost', cause?: unknown) {
    super(message, DisconnectReason.CONNECTION_LOST, 'network', { cause });
  }
}

/** Our own application misused the API (bad option, send after close). */
export class UsageError extends SshError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, DisconnectReason.BY_APPLICATION, 'local');
  }
}

/** The peer refused to open a channel (RFC 4254 §5.1); `openReason` is the SSH_MSG_CHANNEL_OPEN_FAILURE code. */
export class ChannelOpenError extends SshError {
  override name = 'ChannelOpenError';
  constructor(
    readonly openReason: number,
    readonly description: string,
  ) {
    super(
      `channel open failed (reason ${openReason}): ${description}`,
      DisconnectReason.BY_APPLICATION,
      'policy',
    );
  }
}

/** A channel ended before the operation completed (closed by the peer, or the connection ended). */
export class ChannelClosedError extends SshError {
  override name = 'ChannelClosedError';
  constructor(message = 'channel closed') {
    super(message, DisconnectReason.BY_APPLICATION, 'peer');
  }
}

/**
 * A server refused a connection before any protocol work: too many unauthenticated connections (MaxStartups,
 * `why` 'full' or 'random-early-drop'), too many from one source ('per-source'), or the application's admission
 * hook said no ('hook').
 */
export class AdmissionError extends SshError {
  override name = 'AdmissionError';
  constructor(readonly why: 'full' | 'random-early-drop' | 'per-source' | 'hook') {
    super(
      `connection refused by admission control (${why})`,
      DisconnectReason.TOO_MANY_CONNECTIONS,
      'policy',
    );
  }
}
