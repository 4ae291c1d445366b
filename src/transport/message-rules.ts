/**
 * Which transport-level message numbers may arrive when, as data (RFC 4253 §7.1 and OpenSSH PROTOCOL §1.9).
 * The transport consults this table before dispatching, so a reviewer reads the rules here, not in branches.
 */
export type KexPhase =
  /** No key exchange running (or ours started but the peer's KEXINIT has not arrived). */
  | 'idle'
  /** Between the peer's KEXINIT and the peer's NEWKEYS. */
  | 'exchanging';

export type Verdict = 'handle' | 'pass-up' | 'unexpected' | 'unimplemented';

const isKexMethod = (n: number) => n >= 30 && n <= 49;

/**
 * RFC 4253 §7.1: once KEXINIT is exchanged only generic transport messages (1-19, but not SERVICE_REQUEST or
 * SERVICE_ACCEPT), NEWKEYS and method messages (30-49) may be sent. Strict kex (PROTOCOL §1.9) narrows the
 * initial exchange further: anything but KEXINIT, method messages, NEWKEYS (and DISCONNECT, which ends it
 * anyway) is fatal, IGNORE and DEBUG included.
 */
export function classifyIncoming(type: number, phase: KexPhase, strictInitial: boolean): Verdict {
  if (type === 1) return 'handle'; // DISCONNECT is always honoured
  if (phase === 'exchanging') {
    if (type === 21 || isKexMethod(type)) return 'handle';
    if (strictInitial) return 'unexpected';
    if (type === 2 || type === 3 || type === 4) return 'handle';
    return 'unexpected';
  }
  if (strictInitial && type !== 20) return 'unexpected';
  switch (type) {
    case 2: // IGNORE
    case 3: // UNIMPLEMENTED
    case 4: // DEBUG
    case 7: // EXT_INFO (position checked by the transport)
    case 20: // KEXINIT
    case 192: // PING (ping@openssh.com)
    case 193: // PONG
      return 'handle';
    case 21:
      return 'unexpected';
    default:
      if (isKexMethod(type)) return 'unexpected';
      if (type === 5 || type === 6 || type >= 50) return 'pass-up';
      return 'unimplemented';
  }
}

/** Messages we may send while our own key exchange is running (others are queued until our NEWKEYS). */
export function sendableDuringKex(type: number): boolean {
  return (
    type === 1 || type === 2 || type === 4 || type === 3 || type === 20 || type === 21 || isKexMethod(type)
  );
}
