/**
 * The server side of SSH user authentication (RFC 4252, RFC 4256 keyboard-interactive) as a sans-I/O state
 * machine: client payloads in through `receive()`; payloads to send, questions for the application and the
 * outcome out through `poll()`; the application's answers back through `decide(id, decision)`.
 *
 * House rules:
 * - The machine verifies publickey signatures itself, over data it builds from this session, user, service,
 *   algorithm and key (RFC 4252 §7); the application is asked "authorised?" only about the key that signed
 *   (CVE-2024-45337: never about a key that was merely queried before).
 * - Which client messages are legal in which phase is the ACCEPTS table; server-only messages from a client
 *   are ProtocolErrors (CVE-2018-10933), as is USERAUTH_REQUEST before SERVICE_ACCEPT (CVE-2023-46446).
 * - Limits as in OpenSSH: `maxAttempts` failures (the first `none` and partial successes are free) end the
 *   connection, as do `maxTotalRequests` messages of any kind (auth2.c).
 */
import { utf8 } from '../crypto/bytes.js';
import { AuthError, DisconnectReason, ProtocolError, type SshError, UsageError } from '../errors.js';
import * as am from '../wire/auth-messages.js';
import { MSG, messageNumber } from '../wire/message-numbers.js';
import { decodeServiceRequest, encodeServiceAccept } from '../wire/transport-messages.js';
import { type AuthRequest, DECISIONS_FOR, type Decision, wireMethod } from './auth-request.js';

export type { AuthRequest, Decision } from './auth-request.js';

export interface ServerAuthOptions {
  sessionId: Uint8Array;
  /** Methods advertised in USERAUTH_FAILURE, e.g. ['publickey', 'password', 'keyboard-interactive']. */
  methods: string[];
  /** Failures before disconnecting (OpenSSH MaxAuthTries), 6 by default. */
  maxAttempts?: number;
  /** Authentication messages of any kind before disconnecting, 1024 by default (OpenSSH auth2.c). */
  maxTotalRequests?: number;
  /** Sent once, before the first reply (RFC 4252 §5.4). */
  banner?: string;
  /**
   * Verifies `signature` (RFC 4253 §6.6 blob) by `keyBlob` over `data`. It must also check that the
   * signature's own algorithm is `algorithm` and that `algorithm` fits the key. Only a literal `true` passes;
   * a throw counts as a failed signature.
   */
  verifySignature(algorithm: string, keyBlob: Uint8Array, signature: Uint8Array, data: Uint8Array): boolean;
  /** Publickey algorithms accepted at all; others fail without asking the application. Default: any. */
  acceptableAlgorithms?: string[];
  /** Longest keyboard-interactive answer, in bytes, passed to the application; longer ones fail. 1024. */
  maxResponseBytes?: number;
}

export type ServerAuthOutput =
  | { type: 'send'; payload: Uint8Array; isFailure?: boolean }
  | { type: 'decide'; id: number; request: AuthRequest }
  | {
      type: 'success';
      username: string;
      method: string;
      /** Every method that succeeded, partial successes first. */
      methods: string[];
      /** The keys whose signatures were verified and accepted on the way, in order. */
      publicKeys: { algorithm: string; publicKeyBlob: Uint8Array }[];
    }
  | { type: 'disconnect'; error: SshError };

type Phase = 'service' | 'auth' | 'deciding' | 'kbdint' | 'done' | 'closed';

/** Client messages each phase accepts (RFC 4253 §10, RFC 4252 §5, RFC 4256 §3.4). */
const ACCEPTS: Readonly<Record<Phase, readonly number[]>> = {
  service: [MSG.SERVICE_REQUEST],
  auth: [MSG.USERAUTH_REQUEST],
  // RFC 4252 §5: a new request abandons the one being decided.
  deciding: [MSG.USERAUTH_REQUEST],
  kbdint: [MSG.USERAUTH_REQUEST, MSG.USERAUTH_INFO_RESPONSE],
  done: [],
  closed: [],
};

type Key = { algorithm: string; publicKeyBlob: Uint8Array };

export class ServerAuth {
  private phase: Phase = 'service';
  private readonly out: ServerAuthOutput[] = [];
  private failures = 0;
  private requests = 0;
  private nextId = 1;
  private firstRequest = true;
  private bannerPending: boolean;
  private pending: { id: number; request: AuthRequest; free: boolean } | undefined;
  // Per user and service; reset when either changes (RFC 4252 §5 allows it).
  private user: { username: string; service: string } | undefined;
  private allowed: string[];
  private succeeded: string[] = [];
  private verifiedKeys: Key[] = [];
  private promptCount = 0;

  constructor(private readonly opts: ServerAuthOptions) {
    this.allowed = opts.methods;
    this.bannerPending = opts.banner !== undefined;
  }

  poll(): ServerAuthOutput | undefined {
    return this.out.shift();
  }

  get authenticated(): boolean {
    return this.phase === 'done';
  }

  receive(payload: Uint8Array): void {
    if (this.phase === 'closed') return;
    const n = messageNumber(payload);
    // RFC 4252 §5.1: authentication requests after success SHOULD be ignored.
    if (this.phase === 'done' && n >= 50 && n <= 79) return;
    if (!ACCEPTS[this.phase].includes(n)) {
      const phase = this.phase;
      this.phase = 'closed';
      throw new ProtocolError(
        `unexpected message ${n} from the client during user authentication (${phase})`,
      );
    }
    if (++this.requests > (this.opts.maxTotalRequests ?? 1024)) {
      return this.disconnect(new AuthError('too many authentication requests'));
    }
    try {
      if (n === MSG.SERVICE_REQUEST) this.onServiceRequest(decodeServiceRequest(payload));
      else if (n === MSG.USERAUTH_REQUEST) this.onRequest(am.decodeUserauthRequest(payload));
      else this.onInfoResponse(am.decodeUserauthInfoResponse(payload));
    } catch (e) {
      this.phase = 'closed';
      throw e;
    }
  }

  /** The application's answer to `decide` request `id`. Returns false (and does nothing) for a stale id. */
  decide(id: number, decision: Decision): boolean {
    const p = this.pending;
    if (this.phase !== 'deciding' || p?.id !== id) return false;
    const { request } = p;
    if (!DECISIONS_FOR[request.method].includes(decision.result)) {
      throw new UsageError(`decision ${decision.result} does not answer a ${request.method} request`);
    }
    this.pending = undefined;
    const method = wireMethod(request.method);
    switch (decision.result) {
      case 'accept':
        if (request.method === 'publickey-query') {
          this.phase = 'auth';
          this.reply(am.encodeUserauthPkOk(request.algorithm, request.publicKeyBlob));
        } else {
          this.succeed(method, request);
        }
        break;
      case 'reject':
        // OpenSSH (auth2.c) does not delay the answer to `none`: it only asks which methods exist.
        this.fail(p.free, request.method !== 'none');
        break;
      case 'partial':
        if (decision.nextMethods.length === 0)
          throw new UsageError('a partial success needs the methods that follow');
        this.succeeded.push(method);
        if (request.method === 'publickey') this.verifiedKeys.push(keyOf(request));
        this.allowed = decision.nextMethods;
        this.phase = 'auth';
        this.reply(am.encodeUserauthFailure(this.allowed, true));
        break;
      case 'change-password':
        this.phase = 'auth';
        this.reply(am.encodeUserauthPasswdChangeReq(decision.prompt));
        break;
      case 'prompts':
        if (decision.prompts.length > am.AuthLimits.maxPrompts)
          throw new UsageError('at most 64 prompts per round');
        this.promptCount = decision.prompts.length;
        this.phase = 'kbdint';
        this.reply(
          am.encodeUserauthInfoRequest({
            name: decision.name ?? '',
            instruction: decision.instruction ?? '',
            language: '',
            prompts: decision.prompts,
          }),
        );
        break;
    }
    return true;
  }

  private onServiceRequest(service: string): void {
    if (service !== 'ssh-userauth') {
      return this.disconnect(
        new ProtocolError(`service ${service} not available`, DisconnectReason.SERVICE_NOT_AVAILABLE),
      );
    }
    this.phase = 'auth';
    this.send(encodeServiceAccept(service));
  }

  private onRequest(req: am.UserauthRequest): void {
    if (req.service !== 'ssh-connection') {
      return this.disconnect(
        new ProtocolError(`service ${req.service} not available`, DisconnectReason.SERVICE_NOT_AVAILABLE),
      );
    }
    if (this.user && (this.user.username !== req.user || this.user.service !== req.service)) this.resetUser();
    this.user = { username: req.user, service: req.service };
    this.pending = undefined;
    this.phase = 'auth';
    const free = req.method === 'none' && this.firstRequest; // OpenSSH auth2.c: only an opening `none` is free
    this.firstRequest = false;
    const name = req.method === 'unsupported' ? req.name : req.method;
    if (name !== 'none' && !this.allowed.includes(name)) return this.fail(false);
    const base = { username: req.user, service: req.service };
    switch (req.method) {
      case 'none':
        return this.ask({ ...base, method: 'none' }, free);
      case 'password': {
        const { password, newPassword } = req;
        const fields = newPassword === undefined ? { password } : { password, newPassword };
        return this.ask({ ...base, method: 'password', ...fields });
      }
      case 'keyboard-interactive':
        return this.ask({ ...base, method: 'keyboard-interactive', submethods: req.submethods });
      case 'publickey': {
        const key = keyOf(req);
        if (this.opts.acceptableAlgorithms && !this.opts.acceptableAlgorithms.includes(key.algorithm))
          return this.fail(false);
        if (req.signature === undefined) return this.ask({ ...base, method: 'publickey-query', ...key });
        const data = am.publickeySignedData(
          this.opts.sessionId,
          req.user,
          req.service,
          key.algorithm,
          key.publicKeyBlob,
        );
        if (!this.verified(key, req.signature, data)) return this.fail(false);
        return this.ask({ ...base, method: 'publickey', ...key });
      }
      case 'unsupported':
        return this.fail(false);
    }
  }

  private onInfoResponse(responses: string[]): void {
    if (responses.length !== this.promptCount) {
      throw new ProtocolError(
        `${responses.length} keyboard-interactive responses to ${this.promptCount} prompts`,
      );
    }
    const limit = this.opts.maxResponseBytes ?? 1024;
    if (responses.some((r) => utf8(r).length > limit)) return this.fail(false);
    const { username, service } = this.user!;
    this.ask({ username, service, method: 'keyboard-interactive-response', responses });
  }

  private verified(key: Key, signature: Uint8Array, data: Uint8Array): boolean {
    try {
      return this.opts.verifySignature(key.algorithm, key.publicKeyBlob, signature, data) === true;
    } catch {
      return false;
    }
  }

  private ask(request: AuthRequest, free = false): void {
    const id = this.nextId++;
    this.pending = { id, request, free };
    this.phase = 'deciding';
    this.out.push({ type: 'decide', id, request });
  }

  private succeed(method: string, request: AuthRequest): void {
    if (request.method === 'publickey') this.verifiedKeys.push(keyOf(request));
    this.phase = 'done';
    this.reply(am.encodeUserauthSuccess());
    this.out.push({
      type: 'success',
      username: request.username,
      method,
      methods: [...this.succeeded, method],
      publicKeys: [...this.verifiedKeys],
    });
  }

  /** OpenSSH auth2.c: the failure that reaches the limit disconnects instead of sending FAILURE. */
  private fail(free: boolean, delayed = true): void {
    if (!free) this.failures++;
    if (this.failures >= (this.opts.maxAttempts ?? 6)) {
      // OpenSSH sends PROTOCOL_ERROR here; RFC 4253 §11.1 has the reason that says what happened.
      return this.disconnect(new AuthError('too many authentication failures'));
    }
    this.phase = 'auth';
    this.reply(am.encodeUserauthFailure(this.allowed, false), delayed);
  }

  private resetUser(): void {
    this.allowed = this.opts.methods;
    this.succeeded = [];
    this.verifiedKeys = [];
    this.promptCount = 0;
  }

  private disconnect(error: SshError): void {
    this.phase = 'closed';
    this.pending = undefined;
    this.out.push({ type: 'disconnect', error });
  }

  /** Every reply goes through here so the banner precedes the first one (RFC 4252 §5.4). */
  private reply(payload: Uint8Array, isFailure = false): void {
    if (this.bannerPending) {
      this.bannerPending = false;
      this.send(am.encodeUserauthBanner(this.opts.banner!));
    }
    this.out.push(isFailure ? { type: 'send', payload, isFailure } : { type: 'send', payload });
  }

  private send(payload: Uint8Array): void {
    this.out.push({ type: 'send', payload });
  }
}

function keyOf(k: Key): Key {
  return { algorithm: k.algorithm, publicKeyBlob: k.publicKeyBlob };
}
