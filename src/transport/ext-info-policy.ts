/**
 * Where EXT_INFO may arrive (RFC 8308 §2.4) and what the server sends in its own. We always announce
 * ext-info-c / ext-info-s in the first KEXINIT, so the peer may send EXT_INFO as the first packet after its first
 * NEWKEYS; a server may send one more during authentication (at most two from a server, one from a client).
 */
import { utf8 } from '../crypto/bytes.js';
import { ProtocolError } from '../errors.js';
import * as tm from '../wire/transport-messages.js';

export class ExtInfoPolicy {
  /** The peer asked for our EXT_INFO (its first KEXINIT named ext-info-c or ext-info-s). */
  peerWantsIt = false;
  private received = 0;
  private window = false;

  constructor(private readonly role: 'client' | 'server') {}

  /** The peer's first NEWKEYS arrived: the next packet may be EXT_INFO. */
  open(): void {
    this.window = true;
  }

  /** Call for every packet; says whether this one came right where EXT_INFO may (the window then closes). */
  next(): boolean {
    const was = this.window;
    this.window = false;
    return was;
  }

  /** Authentication is over: no further EXT_INFO is expected. */
  close(): void {
    this.window = false;
  }

  /** Checks an EXT_INFO's position and count; throws ProtocolError when it is out of place. */
  accept(inWindow: boolean, authenticated: boolean): void {
    const allowed = inWindow || (this.role === 'client' && !authenticated && this.received === 1);
    const cap = this.role === 'client' ? 2 : 1;
    if (!allowed || this.received >= cap) throw new ProtocolError('EXT_INFO out of place');
    this.received++;
  }
}

/** The server's EXT_INFO: server-sig-algs (RFC 8308 §3.1) and OpenSSH's ping extension. */
export function serverExtInfo(serverSigAlgs: readonly string[] | undefined): Uint8Array {
  const ext = new Map<string, Uint8Array>();
  if (serverSigAlgs?.length) ext.set('server-sig-algs', utf8(serverSigAlgs.join(',')));
  ext.set('ping@openssh.com', utf8('0'));
  return tm.encodeExtInfo(ext);
}
