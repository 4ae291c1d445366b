/**
 * Global requests (RFC 4254 §4) in both directions. Replies travel in request order on each side, so both
 * queues are FIFOs: ours match the peer's REQUEST_SUCCESS/FAILURE to what we asked; theirs hold our answers
 * back until every earlier request of theirs has been answered, whatever order the application answers in.
 */
import { ProtocolError } from '../errors.js';
import {
  encodeRequestFailure,
  encodeRequestSuccess,
  type GlobalRequest,
} from '../wire/connection-messages.js';

type Ours = { kind: 'keepalive' } | { kind: 'app'; resolve(ok: boolean, data: Uint8Array): void };
interface Theirs {
  answer?: Uint8Array;
}

/** Requests the core answers itself, never bothering the application (OpenSSH sends these). */
const ANSWERED_BY_CORE = new Set(['keepalive@openssh.com']);

/** Cap on peer requests waiting for the application's answer; more is a flood. */
const MAX_PENDING_PEER_REQUESTS = 1024;

export class GlobalRequests {
  private readonly ours: Ours[] = [];
  private readonly theirs: Theirs[] = [];

  constructor(private readonly send: (payload: Uint8Array) => void) {}

  /** Records a request of ours that wants a reply. */
  expect(entry: Ours): void {
    this.ours.push(entry);
  }

  /** A REQUEST_SUCCESS (81) or REQUEST_FAILURE (82) from the peer. */
  onReply(payload: Uint8Array): void {
    const pending = this.ours.shift();
    if (!pending) throw new ProtocolError('global request reply without a request');
    if (pending.kind === 'app') pending.resolve(payload[0] === 81, payload.subarray(1));
  }

  /**
   * A request from the peer. Returns a reply function for the application when it must decide, or undefined
   * when the request was answered here (or needs no answer and is not for the application).
   */
  onRequest(req: GlobalRequest): ((ok: boolean, data?: Uint8Array) => void) | undefined {
    if (!req.wantReply) return () => undefined;
    if (this.theirs.length >= MAX_PENDING_PEER_REQUESTS)
      throw new ProtocolError('too many unanswered global requests');
    const slot: Theirs = {};
    this.theirs.push(slot);
    const reply = (ok: boolean, data?: Uint8Array) => {
      if (slot.answer) return;
      slot.answer = ok ? encodeRequestSuccess(data) : encodeRequestFailure();
      this.flush();
    };
    if (ANSWERED_BY_CORE.has(req.name)) {
      reply(false);
      return undefined;
    }
    return reply;
  }

  private flush(): void {
    while (this.theirs.length && this.theirs[0].answer) this.send(this.theirs.shift()!.answer!);
  }
}
