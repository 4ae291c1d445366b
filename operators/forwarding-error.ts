/**
 * Failures of port forwarding (RFC 4254 §7) that are nobody's protocol error: a local port that cannot be
 * bound, a server that refuses `tcpip-forward`, a target that cannot be reached.
 */
import { type Blame, DisconnectReason, SshError } from '../src/errors.js';

export class ForwardingError extends SshError {
  override name = 'ForwardingError';
  constructor(message: string, blame: Blame = 'network', cause?: unknown) {
    super(message, DisconnectReason.BY_APPLICATION, blame, { cause });
  }
}

/** A host and port, as in `-L`/`-R` specifications. */
export interface HostPort {
  host: string;
  port: number;
}

/** What forwarding operators report about single forwarded connections, which never fail the operator. */
export type ForwardingLog = (err: Error) => void;

/** Wraps an I/O failure (a Node system error) in a ForwardingError with `what` in front of its message. */
export function forwardingError(what: string, err: unknown, blame: Blame = 'network'): ForwardingError {
  if (err instanceof ForwardingError) return err;
  return new ForwardingError(`${what}: ${(err as Error)?.message ?? err}`, blame, err);
}
