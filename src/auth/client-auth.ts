/**
 * The client side of SSH user authentication (RFC 4252, RFC 4256 keyboard-interactive, RFC 8332 §3 for the
 * RSA signature algorithm) as a sans-I/O state machine: payloads in through `receive()`, payloads to send and
 * questions for the application out through `poll()`, answers back through `answer*()`.
 *
 * House rules:
 * - One request at a time: the next USERAUTH_REQUEST goes out only after the server answered the last one,
 *   so every reply is read against the request it answers (a PK_OK must echo the key we asked about).
 * - Which server messages are legal in which phase is the ACCEPTS table below; anything else is a
 *   ProtocolError, and errors are sticky (CVE-2023-46446 class: no SUCCESS without a request of ours).
 * - Methods are tried in the application's order, each only while the server lists it as able to continue.
 * - Round trips are what a handshake costs: when the first method is publickey it is the opening request
 *   (RFC 4252 §5.2 makes the `none` probe optional: a refusal lists the methods just as well), and a key
 *   whose private half is at hand signs at once instead of asking first (§7 allows both). `none` is then
 *   tried last, once, so a server that lets anyone in still does.
 */
import { equalBytes } from '../crypto/bytes.js';
import { AuthError, ProtocolError, UsageError } from '../errors.js';
import * as am from '../wire/auth-messages.js';
import { MSG, messageNumber } from '../wire/message-numbers.js';
import { decodeServiceAccept, encodeServiceRequest } from '../wire/transport-messages.js';
import type { ClientAuthOptions, ClientAuthOutput } from './client-auth-types.js';
import { pickSignatureAlgorithm } from './signature-algorithm.js';

export type { ClientAuthMethod, ClientAuthOptions, ClientAuthOutput } from './client-auth-types.js';

type Phase = 'idle' | 'service' | 'waiting-server' | 'waiting-app' | 'done' | 'failed';

/** Server messages each phase accepts (RFC 4253 §10, RFC 4252 §5.1 and §5.4: banners only while authenticating). */
const ACCEPTS: Readonly<Record<Phase, readonly number[]>> = {
  idle: [],
  service: [MSG.SERVICE_ACCEPT],
  'waiting-server': [MSG.USERAUTH_FAILURE, MSG.USERAUTH_SUCCESS, MSG.USERAUTH_BANNER, MSG.USERAUTH_PK_OK],
  'waiting-app': [MSG.USERAUTH_BANNER],
  done: [],
  failed: [],
};

/** The request the server is answering. `entry` indexes options.methods (-1 for `none`). */
type InFlight = { entry: number; method: string; responded?: boolean } & (
  | { kind: 'none' | 'password' | 'publickey-signed' | 'kbdint' }
  | { kind: 'publickey-query'; algorithm: string; publicKeyBlob: Uint8Array }
);

/** The question the application is answering. */
type Asked =
  | { kind: 'password'; entry: number; change: boolean }
  | { kind: 'signature'; entry: number; algorithm: string; publicKeyBlob: Uint8Array }
  | { kind: 'kbdint'; entry: number; count: number };

export class ClientAuth {
  private phase: Phase = 'idle';
  private readonly out: ClientAuthOutput[] = [];
  private readonly service: string;
  private readonly maxAttempts: number;
  private readonly attempts: number[];
  private readonly exhausted: boolean[];
  private serverSigAlgs: string[] | undefined;
  /** The methods the server last listed; before its first answer, only publickey is assumed. */
  private canContinue: string[] = ['publickey'];
  private noneTried = false;
  private inFlight: InFlight | undefined;
  private asked: Asked | undefined;

  constructor(private readonly opts: ClientAuthOptions) {
    this.service = opts.service ?? 'ssh-connection';
    this.maxAttempts = opts.maxPromptAttempts ?? 3;
    this.serverSigAlgs = opts.serverSigAlgs;
    this.attempts = opts.methods.map(() => 0);
    this.exhausted = opts.methods.map((m) => m.type === 'none');
  }

  /** RFC 4253 §10: ask for the user-authentication service. */
  start(): void {
    if (this.phase !== 'idle') throw new UsageError('ClientAuth already started');
    this.phase = 'service';
    this.send(encodeServiceRequest('ssh-userauth'));
  }

  /** Server signature algorithms learned later, e.g. from an EXT_INFO sent during authentication. */
  setServerSigAlgs(algorithms: string[]): void {
    this.serverSigAlgs = algorithms;
  }

  poll(): ClientAuthOutput | undefined {
    return this.out.shift();
  }

  get finished(): boolean {
    return this.phase === 'done' || this.phase === 'failed';
  }

  receive(payload: Uint8Array): void {
    const n = messageNumber(payload);
    if (!ACCEPTS[this.phase].includes(n)) {
      const phase = this.phase;
      this.phase = 'failed';
      throw new ProtocolError(`unexpected message ${n} during user authentication (${phase})`);
    }
    try {
      this.dispatch(n, payload);
    } catch (e) {
      this.phase = 'failed';
      throw e;
    }
  }

  private dispatch(n: number, payload: Uint8Array): void {
    switch (n) {
      case MSG.SERVICE_ACCEPT: {
        const service = decodeServiceAccept(payload);
        if (service !== 'ssh-userauth')
          throw new ProtocolError(`server accepted service ${service}, not ssh-userauth`);
        if (this.opts.methods[0]?.type === 'publickey') return this.next();
        return this.requestNone();
      }
      case MSG.USERAUTH_BANNER: {
        const b = am.decodeUserauthBanner(payload);
        this.out.push({ type: 'banner', message: b.message, language: b.language });
        return;
      }
      case MSG.USERAUTH_SUCCESS:
        am.decodeUserauthSuccess(payload);
        this.phase = 'done';
        this.out.push({ type: 'success', method: this.inFlight!.method });
        this.inFlight = undefined;
        return;
      case MSG.USERAUTH_FAILURE:
        return this.onFailure(am.decodeUserauthFailure(payload));
      default:
        return this.onMethodMessage(payload);
    }
  }

  private onFailure(f: am.UserauthFailure): void {
    const done = this.inFlight!;
    this.inFlight = undefined;
    // A partial success means this method did its part (RFC 4252 §5.1); the next step needs another one.
    if (f.partialSuccess && done.entry >= 0) this.exhausted[done.entry] = true;
    // Refused before any prompt: the server will not do keyboard-interactive for us; retrying only costs round trips.
    if (done.kind === 'kbdint' && !done.responded && done.entry >= 0) this.exhausted[done.entry] = true;
    this.canContinue = f.methods;
    this.out.push({
      type: 'method-result',
      method: done.method,
      result: f.partialSuccess ? 'partial' : 'failure',
      methodsLeft: f.methods,
    });
    this.next();
  }

  /** Message 60: its meaning depends on the request in flight (RFC 4252 §7, §8; RFC 4256 §3.2). */
  private onMethodMessage(payload: Uint8Array): void {
    const f = this.inFlight!;
    if (f.kind === 'publickey-query') {
      const ok = am.decodeUserauthPkOk(payload);
      if (ok.algorithm !== f.algorithm || !equalBytes(ok.publicKeyBlob, f.publicKeyBlob)) {
        throw new ProtocolError('USERAUTH_PK_OK names a key or algorithm we did not ask about');
      }
      this.askSignature(f.entry, f.algorithm, f.publicKeyBlob);
    } else if (f.kind === 'password') {
      const req = am.decodeUserauthPasswdChangeReq(payload);
      this.ask({ kind: 'password', entry: f.entry, change: true });
      this.out.push({ type: 'need-password', prompt: req.prompt, changeRequest: true });
    } else if (f.kind === 'kbdint') {
      const req = am.decodeUserauthInfoRequest(payload);
      this.ask({ kind: 'kbdint', entry: f.entry, count: req.prompts.length });
      this.out.push({
        type: 'need-kbdint',
        name: req.name,
        instruction: req.instruction,
        prompts: req.prompts,
      });
    } else {
      throw new ProtocolError(`message 60 does not answer a ${f.kind} request`);
    }
  }

  /** The password, or null to skip password authentication. After PASSWD_CHANGEREQ: old and new password. */
  answerPassword(password: string | null, newPassword?: string): void {
    const a = this.takeAnswer('password');
    if (password === null) return this.giveUp(a.entry);
    if (a.change && newPassword === undefined) throw new UsageError('the server asked for a new password');
    this.count(a.entry);
    this.request(
      { method: 'password', password, newPassword },
      { entry: a.entry, method: 'password', kind: 'password' },
    );
  }

  /** One response per prompt, or null to abandon keyboard-interactive (RFC 4252 §5: a new request abandons it). */
  answerKbdInt(responses: string[] | null): void {
    const a = this.takeAnswer('kbdint');
    if (responses === null) return this.giveUp(a.entry);
    if (responses.length !== a.count)
      throw new UsageError(`expected ${a.count} responses, got ${responses.length}`);
    this.inFlight = { entry: a.entry, method: 'keyboard-interactive', kind: 'kbdint', responded: true };
    this.phase = 'waiting-server';
    this.send(am.encodeUserauthInfoResponse(responses));
  }

  /** The signature blob (RFC 4253 §6.6 `string format ‖ string blob`) over `data`, or null to skip this key. */
  answerSignature(signature: Uint8Array | null): void {
    const a = this.takeAnswer('signature');
    if (signature === null) return this.giveUp(a.entry);
    this.request(
      { method: 'publickey', algorithm: a.algorithm, publicKeyBlob: a.publicKeyBlob, signature },
      { entry: a.entry, method: 'publickey', kind: 'publickey-signed' },
    );
  }

  /** Starts the first configured method the server still lists, or ends with `failed`. */
  private next(): void {
    const i = this.opts.methods.findIndex((m, i) => !this.exhausted[i] && this.canContinue.includes(m.type));
    // Opened with publickey and nothing more to offer: `none` learns the methods or lets us in (RFC 4252 §5.2).
    if (i < 0 && !this.noneTried) return this.requestNone();
    if (i < 0) {
      this.phase = 'failed';
      this.out.push({
        type: 'failed',
        error: new AuthError('no authentication method left', this.canContinue),
      });
      return;
    }
    const m = this.opts.methods[i];
    switch (m.type) {
      case 'password':
        this.ask({ kind: 'password', entry: i, change: false });
        this.out.push({ type: 'need-password', changeRequest: false });
        return;
      case 'keyboard-interactive':
        this.count(i);
        this.request(
          { method: 'keyboard-interactive', submethods: m.submethods ?? '' },
          { entry: i, method: m.type, kind: 'kbdint' },
        );
        return;
      case 'publickey': {
        this.exhausted[i] = true; // one query, at most one signature, per key
        const algorithm = pickSignatureAlgorithm(m.algorithms, this.serverSigAlgs);
        if (algorithm === undefined) return this.next();
        if (m.signAtOnce) return this.askSignature(i, algorithm, m.publicKeyBlob);
        // RFC 4252 §7: ask first whether the key would do, so a refused key costs no signature.
        this.request(
          { method: 'publickey', algorithm, publicKeyBlob: m.publicKeyBlob },
          { entry: i, method: m.type, kind: 'publickey-query', algorithm, publicKeyBlob: m.publicKeyBlob },
        );
        return;
      }
      default:
        throw new UsageError(`method ${m.type} cannot be started`); // unreachable: 'none' entries start exhausted
    }
  }

  /** Asks the application to sign this session's request for the key (RFC 4252 §7). */
  private askSignature(entry: number, algorithm: string, publicKeyBlob: Uint8Array): void {
    const data = am.publickeySignedData(
      this.opts.sessionId,
      this.opts.username,
      this.service,
      algorithm,
      publicKeyBlob,
    );
    this.ask({ kind: 'signature', entry, algorithm, publicKeyBlob });
    this.out.push({ type: 'need-signature', algorithm, publicKeyBlob, data });
  }

  private requestNone(): void {
    this.noneTried = true;
    this.request({ method: 'none' }, { entry: -1, method: 'none', kind: 'none' });
  }

  private request(fields: am.UserauthMethodFields, inFlight: InFlight): void {
    this.inFlight = inFlight;
    this.phase = 'waiting-server';
    this.send(am.encodeUserauthRequest({ user: this.opts.username, service: this.service, ...fields }));
  }

  private ask(asked: Asked): void {
    this.inFlight = undefined;
    this.asked = asked;
    this.phase = 'waiting-app';
  }

  private takeAnswer<K extends Asked['kind']>(kind: K): Extract<Asked, { kind: K }> {
    const a = this.asked;
    if (this.phase !== 'waiting-app' || a?.kind !== kind) throw new UsageError(`no ${kind} was asked for`);
    this.asked = undefined;
    return a as Extract<Asked, { kind: K }>;
  }

  /** Counts one try of a prompting method; the last allowed try exhausts it. */
  private count(entry: number): void {
    if (++this.attempts[entry] >= this.maxAttempts) this.exhausted[entry] = true;
  }

  private giveUp(entry: number): void {
    this.exhausted[entry] = true;
    this.next();
  }

  private send(payload: Uint8Array): void {
    this.out.push({ type: 'send', payload });
  }
}
