/**
 * The server side of a connection as a sans-I/O core. Authentication decisions are asked of the application
 * (`auth-decide` events answered with `decide`); the core enforces what must not depend on the application:
 * login grace time (OpenSSH LoginGraceTime, default 120 s), the attempt limit (MaxAuthTries, in ServerAuth),
 * a delay before each failure reply, and that nothing of the connection layer runs before success.
 */
import { type Decision as AuthDecision, ServerAuth } from '../auth/server-auth.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { DisconnectReason, TimeoutError } from '../errors.js';
import { verifyKeyOrCertificateSignature } from '../keys/certificate-auth.js';
import { CoreBase, type CoreOptions } from './core-base.js';

export interface ServerCoreOptions extends CoreOptions {
  /** Methods offered in "authentications that can continue". */
  authMethods: string[];
  banner?: string;
  maxAuthTries?: number;
  loginGraceTimeMs?: number;
  /** Delay before a failure reply, which slows password guessing (RFC 4252 §4 allows it). */
  authFailureDelayMs?: number;
  /** Public-key signature algorithms accepted from clients (defaults exclude SHA-1 `ssh-rsa`, RFC 8332). */
  acceptedPublicKeyAlgorithms?: string[];
}

export function verifyWith(crypto: CryptoBackend) {
  return (alg: string, blob: Uint8Array, signature: Uint8Array, data: Uint8Array): boolean => {
    return verifyKeyOrCertificateSignature(crypto, alg, blob, signature, data);
  };
}

export class ServerCore extends CoreBase {
  private auth?: ServerAuth;
  private readonly startedAt: number;
  private readonly delayed: { at: number; payload?: Uint8Array; after?: () => void }[] = [];

  constructor(private readonly serverOptions: ServerCoreOptions) {
    super('server', serverOptions);
    this.startedAt = serverOptions.clock();
  }

  decide(id: number, decision: AuthDecision): void {
    if (this.closed || !this.auth) return;
    try {
      this.auth.decide(id, decision);
    } catch (e) {
      this.transport.fail(e);
    }
    this.drainAuth();
  }

  protected onKexComplete(initial: boolean): void {
    if (!initial || this.auth) return;
    this.auth = new ServerAuth({
      sessionId: this.transport.sessionId!,
      methods: this.serverOptions.authMethods,
      maxAttempts: this.serverOptions.maxAuthTries ?? 6,
      banner: this.serverOptions.banner,
      verifySignature: verifyWith(this.options.crypto),
      acceptableAlgorithms: this.serverOptions.acceptedPublicKeyAlgorithms,
    });
  }

  protected onUserauthMessage(payload: Uint8Array): void {
    if (this.authenticated) return; // RFC 4252 §5.1: ignore authentication messages after success
    if (!this.auth) throw new Error('unreachable: authentication message before key exchange');
    this.auth.receive(payload);
    this.drainAuth();
  }

  protected override roleTimeout(): number | undefined {
    const grace = this.authenticated
      ? undefined
      : this.startedAt + (this.serverOptions.loginGraceTimeMs ?? 120_000);
    const delayed = this.delayed[0]?.at;
    if (grace === undefined) return delayed;
    return delayed === undefined ? grace : Math.min(grace, delayed);
  }

  protected override onTimeout(now: number): void {
    if (!this.authenticated && now >= this.startedAt + (this.serverOptions.loginGraceTimeMs ?? 120_000)) {
      this.transport.fail(new TimeoutError('login grace time exceeded', DisconnectReason.BY_APPLICATION));
      return;
    }
    while (this.delayed.length && this.delayed[0].at <= now) {
      const item = this.delayed.shift()!;
      if (item.payload) this.transport.send(item.payload);
      item.after?.();
    }
  }

  private drainAuth(): void {
    const auth = this.auth;
    if (!auth) return this.process();
    const delayMs = this.serverOptions.authFailureDelayMs ?? 0;
    for (let out = auth.poll(); out && !this.closed; out = auth.poll()) {
      switch (out.type) {
        case 'send':
          // Keep order: once a reply is held back, everything after it waits behind it.
          if ((out.isFailure && delayMs > 0) || this.delayed.length) {
            const at = out.isFailure ? this.options.clock() + delayMs : (this.delayed.at(-1)?.at ?? 0);
            this.delayed.push({ at, payload: out.payload });
          } else {
            this.transport.send(out.payload);
          }
          break;
        case 'decide':
          this.events.push({ type: 'auth-decide', id: out.id, request: out.request });
          break;
        case 'success': {
          const succeed = () => {
            this.authenticated = true;
            // After USERAUTH_SUCCESS went out: delayed compression starts here (OpenSSH PROTOCOL §1.2).
            this.transport.setAuthenticated();
            this.events.push({
              type: 'authenticated',
              username: out.username,
              method: out.method,
              methods: out.methods,
            });
          };
          // If replies are held back, success must wait behind them, or compression would start too early.
          if (this.delayed.length) this.delayed.push({ at: this.delayed.at(-1)!.at, after: succeed });
          else succeed();
          break;
        }
        case 'disconnect':
          this.transport.fail(out.error);
          break;
      }
    }
    this.process();
  }
}
