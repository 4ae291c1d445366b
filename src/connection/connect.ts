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
import { equalBytes } from '../crypto/bytes.js';
import { DisconnectReason } from '../errors.js';
import type { ByteIO } from '../io/byte-io.js';
import {
  type CertificateSignatureAlgorithm,
  DEFAULT_CERTIFICATE_ALGORITHMS,
  isCertificateSignatureAlgorithm,
  plainSignatureAlgorithm,
} from '../keys/certificate-types.js';
import type { SignatureAlgorithm } from '../keys/key-types.js';
import type { PrivateKey } from '../keys/private-key.js';
import type { PublicKey } from '../keys/public-key.js';
import { encodeIgnore } from '../wire/transport-messages.js';
import {
  authMethods,
  type CertifiedKey,
  certifiedKeys,
  type ExternalSigner,
  isPrivateKey,
  type UserCertificate,
} from './client-auth-methods.js';
import { ClientCore } from './client-core.js';
import { Connection } from './connection.js';
import { endConnection } from './connection-end.js';
import type { AuthPromptEvent, CoreEvent } from './core-events.js';
import { Driver } from './driver.js';
import { type HostKeyVerifier, runVerifier } from './host-key-verifier.js';
import { HOSTKEYS_NAME } from './host-keys-proof.js';
import { learnHostKeys } from './host-keys-update.js';
import { type CommonOptions, coreOptions } from './options.js';

export type { ExternalSigner, UserCertificate } from './client-auth-methods.js';

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
  /**
   * OpenSSH user certificates (`ssh-keygen -s`, `*-cert.pub`), each with the key it certifies (a private key or
   * an external signer such as an agent key). Tried before `privateKeys` and `signers`, as ssh(1) tries
   * CertificateFile before plain identities, under the `*-cert-v01@openssh.com` algorithm names
   * (PROTOCOL.certkeys); the signature is the certified key's plain one.
   */
  certificates?: readonly UserCertificate[];
  keyboardInteractive?: (challenge: KbdIntChallenge) => string[] | null | ObservableInput<string[] | null>;
  /** New password when the server demands a change (RFC 4252 §8). */
  newPassword?: (prompt: string) => ObservableInput<string | null>;
  /** Methods to try, in order (like OpenSSH's PreferredAuthentications). */
  authMethods?: readonly string[];
  onBanner?: (message: string) => void;
  /** Allow SHA-1 `ssh-rsa` user signatures (off by default; RFC 8332 deprecates them). */
  allowSshRsaSha1?: boolean;
  /**
   * Signature algorithms our keys may use (like OpenSSH's PubkeyAcceptedAlgorithms). Certificates use the
   * `*-cert-v01@openssh.com` names, so a list meant for them must contain those.
   */
  publicKeyAlgorithms?: readonly string[];
  /**
   * Offer the certificate host-key algorithms (DEFAULT_CERTIFICATE_ALGORITHMS) ahead of the plain ones, so a
   * server with a host certificate presents it; `verifyHostKey` then sees `info.certificate` (knownHostsVerifier
   * checks it against `@cert-authority` lines). Off by default: a verifier written for plain keys never meets a
   * certificate. Listing certificate names in `algorithms.hostKey` has the same effect.
   */
  acceptHostCertificates?: boolean;
  /** Host name for the verifier and messages. */
  host?: string;
  port?: number;
  /**
   * Learn the server's other host keys (OpenSSH PROTOCOL §2.5, like ssh's UpdateHostKeys): unknown ones are
   * proved at once and reported on `Connection.hostKeys$`. On by default; `isKnownHostKey` spares proofs.
   */
  updateHostKeys?: boolean;
  isKnownHostKey?: (key: PublicKey) => boolean;
}

export function connect(io: ByteIO | Observable<ByteIO>, options: ConnectOptions): Observable<Connection> {
  const io$ = isObservable(io) ? io : of(io);
  return io$.pipe(switchMap((byteIO) => connectOver(byteIO, options)));
}

function connectOver(io: ByteIO, options: ConnectOptions): Observable<Connection> {
  return new Observable<Connection>((subscriber) => {
    const base = coreOptions(options);
    let certified: CertifiedKey[];
    try {
      certified = certifiedKeys(options.certificates);
    } catch (e) {
      subscriber.error(e);
      return;
    }
    if (options.acceptHostCertificates) {
      const plain = base.algorithms.hostKey;
      const certs = DEFAULT_CERTIFICATE_ALGORITHMS.filter((a) => !plain.includes(a));
      base.algorithms = { ...base.algorithms, hostKey: [...certs, ...plain] };
    }
    const core = new ClientCore({
      ...base,
      username: options.username,
      authMethods: authMethods(options, certified),
    });
    const driver = new Driver(core, io, base.scheduler);
    const connection = new Connection(driver);
    const pending = new Subscription();
    if (options.updateHostKeys !== false) {
      const learn = { crypto: base.crypto, isKnown: options.isKnownHostKey };
      pending.add(learnHostKeys(connection, learn, (u) => connection.reportHostKeys(u)));
    }
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
          if (isCertificateSignatureAlgorithm(p.algorithm)) return signWithCertificate(p);
          const key = options.privateKeys?.find((k) => equalBytes(k.publicKey.blob, p.publicKeyBlob));
          if (key)
            return driver.run(() =>
              core.answerSignature(key.sign(base.crypto, p.data, p.algorithm as never)),
            );
          const signer = options.signers?.find((s) => equalBytes(s.publicKey.blob, p.publicKeyBlob));
          if (!signer) return driver.run(() => core.answerSignature(null));
          return answer(
            defer(() => signer.sign(p.data, p.algorithm as SignatureAlgorithm)),
            (sig) => core.answerSignature(sig),
          );
        }
      }
    };

    // PROTOCOL.certkeys: under a certificate algorithm the certified key makes its ordinary signature.
    const signWithCertificate = (p: Extract<AuthPromptEvent, { type: 'need-signature' }>) => {
      const entry = certified.find((c) => equalBytes(c.certificate.blob, p.publicKeyBlob));
      if (!entry) return driver.run(() => core.answerSignature(null));
      const algorithm = plainSignatureAlgorithm(p.algorithm as CertificateSignatureAlgorithm);
      const { key } = entry;
      if (isPrivateKey(key))
        return driver.run(() => core.answerSignature(key.sign(base.crypto, p.data, algorithm)));
      return answer(
        defer(() => key.sign(p.data, algorithm)),
        (sig) => core.answerSignature(sig),
      );
    };

    // A server that announces its host keys (hostkeys-00@openssh.com, PROTOCOL §2.5) does so unprompted right
    // after authentication; sshd also keeps Nagle on for sessions without a pty, so its reply to our
    // CHANNEL_OPEN would wait for our ACK of that announcement, which Linux delays up to 40 ms when we have
    // nothing to send. An IGNORE (RFC 4253 §11.2) carries the ACK at once. Keyed on the message, not on the
    // peer's version string: one small packet per connection, whoever announces.
    const nudge = () => driver.run((c) => c.transport.send(encodeIgnore(new Uint8Array(0))));

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
        case 'global-request':
          if (e.name === HOSTKEYS_NAME) nudge();
          return;
        case 'authenticated':
          connection.username = e.username;
          connection.authMethod = e.method;
          subscriber.next(connection);
          return;
        case 'closed': {
          pending.unsubscribe();
          endConnection(subscriber, e.info, core.authenticated);
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
