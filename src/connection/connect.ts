/**
 * `connect()`: the client side as one Observable. Subscribing runs identification, key exchange, host-key
 * verification and user authentication; the Connection is emitted once authenticated. The observable
 * completes when the connection ends cleanly and errors with a typed SshError otherwise; unsubscribing
 * disconnects.
 *
 * @example
 * connectTcp({ host: '127.0.0.1', port: 22 }).pipe(
 *   switchMap((io) => connect(io, { username: 'me', privateKeys: [key], verifyHostKey: acceptHostKey(fp) })),
 * ).subscribe((conn) => console.log('authenticated with', conn.authMethod));
 */
import {
  defer,
  from,
  isObservable,
  Observable,
  type ObservableInput,
  of,
  Subscription,
  switchMap,
} from 'rxjs';
import type { ClientAuthMethod } from '../auth/client-auth.js';
import { AuthError, DisconnectReason, PeerDisconnectError } from '../errors.js';
import type { ByteIO } from '../io/byte-io.js';
import { type SignatureAlgorithm, signatureAlgorithmsFor } from '../keys/key-types.js';
import type { PrivateKey } from '../keys/private-key.js';
import type { PublicKey } from '../keys/public-key.js';
import { ClientCore } from './client-core.js';
import { Connection } from './connection.js';
import type { AuthPromptEvent, CoreEvent } from './core-events.js';
import { Driver } from './driver.js';
import { type HostKeyVerifier, runVerifier } from './host-key-verifier.js';
import { type CommonOptions, coreOptions } from './options.js';

export interface KbdIntChallenge {
  name: string;
  instruction: string;
  prompts: { prompt: string; echo: boolean }[];
}

export interface ConnectOptions extends CommonOptions {
  username: string;
  /** Required: decides whether the server's host key is trusted. */
  verifyHostKey: HostKeyVerifier;
  password?: string | (() => ObservableInput<string | null>);
  privateKeys?: PrivateKey[];
  /**
   * Keys held elsewhere (an ssh-agent, a hardware token): tried after `privateKeys`, each signing only when the
   * server has accepted its public key (RFC 4252 §7).
   */
  signers?: readonly ExternalSigner[];
  keyboardInteractive?: (challenge: KbdIntChallenge) => string[] | null | ObservableInput<string[] | null>;
  /** New password when the server demands a change (RFC 4252 §8). */
  newPassword?: (prompt: string) => ObservableInput<string | null>;
  /** Methods to try, in order (like OpenSSH's PreferredAuthentications). */
  authMethods?: readonly string[];
  onBanner?: (message: string) => void;
  /** Allow SHA-1 `ssh-rsa` user signatures (off by default; RFC 8332 deprecates them). */
  allowSshRsaSha1?: boolean;
  /** Signature algorithms our keys may use (like OpenSSH's PubkeyAcceptedAlgorithms). */
  publicKeyAlgorithms?: readonly string[];
  /** Host name for the verifier and messages. */
  host?: string;
  port?: number;
}

/** A key whose private half is out of reach: it can only be asked to sign (see agentSigners in rxssh). */
export interface ExternalSigner {
  publicKey: PublicKey;
  sign(
    data: Uint8Array,
    algorithm: SignatureAlgorithm,
  ): PromiseLike<Uint8Array> | ObservableInput<Uint8Array>;
}

export const DEFAULT_CLIENT_AUTH_ORDER = ['publickey', 'keyboard-interactive', 'password'] as const;

function authMethods(o: ConnectOptions): ClientAuthMethod[] {
  const out: ClientAuthMethod[] = [];
  for (const m of o.authMethods ?? DEFAULT_CLIENT_AUTH_ORDER) {
    if (m === 'publickey') {
      for (const k of [
        ...(o.privateKeys ?? []).map((p) => p.publicKey),
        ...(o.signers ?? []).map((s) => s.publicKey),
      ]) {
        out.push({
          type: 'publickey',
          keyType: k.type,
          publicKeyBlob: k.blob,
          algorithms: signatureAlgorithmsFor(k.type).filter(
            (a) =>
              (o.allowSshRsaSha1 || a !== 'ssh-rsa') &&
              (!o.publicKeyAlgorithms || o.publicKeyAlgorithms.includes(a)),
          ),
        });
      }
    } else if (m === 'password' && o.password !== undefined) {
      out.push({ type: 'password' });
    } else if (m === 'keyboard-interactive' && (o.keyboardInteractive || o.password !== undefined)) {
      out.push({ type: 'keyboard-interactive' });
    } else if (m === 'none') {
      out.push({ type: 'none' });
    }
  }
  return out;
}

export function connect(io: ByteIO | Observable<ByteIO>, options: ConnectOptions): Observable<Connection> {
  const io$ = isObservable(io) ? io : of(io);
  return io$.pipe(switchMap((byteIO) => connectOver(byteIO, options)));
}

function connectOver(io: ByteIO, options: ConnectOptions): Observable<Connection> {
  return new Observable<Connection>((subscriber) => {
    const base = coreOptions(options);
    const core = new ClientCore({ ...base, username: options.username, authMethods: authMethods(options) });
    const driver = new Driver(core, io, base.scheduler);
    const connection = new Connection(driver);
    const pending = new Subscription();
    // A fixed password is offered once per method: repeating a refused one only adds failures (and lockouts).
    const staticPasswordUsed = new Set<string>();
    const staticPassword = (method: string): string | null => {
      if (typeof options.password !== 'string' || staticPasswordUsed.has(method)) return null;
      staticPasswordUsed.add(method);
      return options.password;
    };
    const answer = <T>(source: ObservableInput<T>, apply: (v: T | null) => void) =>
      pending.add(
        from(source).subscribe({
          next: (v) => driver.run(() => apply(v)),
          error: () => driver.run(() => apply(null)),
        }),
      );

    const onPrompt = (p: AuthPromptEvent) => {
      switch (p.type) {
        case 'need-password': {
          if (p.changeRequest) {
            const next = options.newPassword?.(p.prompt ?? '') ?? of(null);
            const current = typeof options.password === 'string' ? options.password : null;
            return answer(next, (pw) => core.answerPassword(pw === null ? null : current, pw ?? undefined));
          }
          const pw = options.password;
          if (typeof pw === 'function') return answer(pw(), (v) => core.answerPassword(v ?? null));
          return driver.run(() => core.answerPassword(staticPassword('password')));
        }
        case 'need-kbdint': {
          if (options.keyboardInteractive) {
            const r = options.keyboardInteractive(p);
            return answer(
              r === null || Array.isArray(r) ? of(r) : (r as ObservableInput<string[] | null>),
              (v) => core.answerKbdInt(v ?? null),
            );
          }
          // Servers using PAM ask for the password through keyboard-interactive with one hidden prompt.
          const pw = options.password;
          if (p.prompts.length === 0) return driver.run(() => core.answerKbdInt([]));
          if (p.prompts.length === 1 && !p.prompts[0].echo && typeof pw === 'function') {
            return answer(pw(), (v) => core.answerKbdInt(v === null ? null : [v]));
          }
          if (p.prompts.length === 1 && !p.prompts[0].echo && typeof pw === 'string') {
            const v = staticPassword('keyboard-interactive');
            return driver.run(() => core.answerKbdInt(v === null ? null : [v]));
          }
          return driver.run(() => core.answerKbdInt(null));
        }
        case 'need-signature': {
          const key = options.privateKeys?.find((k) => sameBytes(k.publicKey.blob, p.publicKeyBlob));
          if (key)
            return driver.run(() =>
              core.answerSignature(key.sign(base.crypto, p.data, p.algorithm as never)),
            );
          const signer = options.signers?.find((s) => sameBytes(s.publicKey.blob, p.publicKeyBlob));
          if (!signer) return driver.run(() => core.answerSignature(null));
          return answer(
            defer(() => signer.sign(p.data, p.algorithm as SignatureAlgorithm)),
            (sig) => core.answerSignature(sig),
          );
        }
      }
    };

    const onEvent = (e: CoreEvent) => {
      switch (e.type) {
        case 'host-key':
          return answer(
            runVerifier(
              options.verifyHostKey,
              { algorithm: e.algorithm, blob: e.blob, host: options.host, port: options.port },
              base.scheduler,
            ),
            (ok) => core.answerHostKey(ok === true, 'host key verification failed'),
          );
        case 'auth-prompt':
          return onPrompt(e.prompt);
        case 'banner':
          options.onBanner?.(e.message);
          return;
        case 'authenticated':
          connection.username = e.username;
          connection.authMethod = e.method;
          subscriber.next(connection);
          return;
        case 'closed': {
          pending.unsubscribe();
          const err = e.info.error;
          const clean =
            !err ||
            (core.authenticated &&
              err instanceof PeerDisconnectError &&
              e.info.reason === DisconnectReason.BY_APPLICATION);
          if (clean) subscriber.complete();
          else subscriber.error(err ?? new AuthError('connection closed before authentication'));
          return;
        }
      }
    };

    const sub = driver.events.subscribe(onEvent);
    driver.start();
    return () => {
      sub.unsubscribe();
      pending.unsubscribe();
      if (!core.closed)
        driver.run((c) => c.disconnect(DisconnectReason.BY_APPLICATION, 'disconnected by user'));
    };
  });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
