/**
 * `accept()`: the server side of one connection as an Observable, and `serve()` for a stream of them.
 * Subscribing runs the handshake with the given host keys; authentication requests flow through the `auth`
 * policy; the Connection is emitted once the client is authenticated. Completes on a clean end, errors with a
 * typed SshError otherwise; unsubscribing disconnects.
 */
import { catchError, EMPTY, mergeMap, Observable, Subject, type Subscription } from 'rxjs';
import type { CryptoBackend } from '../crypto/backend.js';
import { AuthError, DisconnectReason, PeerDisconnectError } from '../errors.js';
import type { ByteIO } from '../io/byte-io.js';
import { type SignatureAlgorithm, signatureAlgorithmsFor } from '../keys/key-types.js';
import type { PrivateKey } from '../keys/private-key.js';
import type { ServerHostKey } from '../transport/transport-events.js';
import { type AuthPolicy, type AuthRequest, type AuthStep, REJECT } from './auth-policy.js';
import { Connection } from './connection.js';
import { Driver } from './driver.js';
import { type CommonOptions, coreOptions } from './options.js';
import { ServerCore } from './server-core.js';

export interface AcceptOptions extends CommonOptions {
  hostKeys: readonly PrivateKey[];
  /** The authentication policy: operators that decide each request (see rxssh/operators). */
  auth: AuthPolicy;
  /** Methods advertised to clients. */
  authMethods?: string[];
  banner?: string;
  maxAuthTries?: number;
  loginGraceTimeMs?: number;
  authFailureDelayMs?: number;
  /** Also offer and accept SHA-1 `ssh-rsa` signatures (off by default; RFC 8332 deprecates them). */
  allowSshRsaSha1?: boolean;
}

export const DEFAULT_SERVER_AUTH_METHODS = ['publickey', 'password', 'keyboard-interactive'];

export function hostKeySigner(key: PrivateKey, crypto: CryptoBackend, allowSha1 = false): ServerHostKey {
  return {
    algorithms: signatureAlgorithmsFor(key.type).filter((a) => allowSha1 || a !== 'ssh-rsa'),
    blob: key.publicKey.blob,
    sign: (data, algorithm) => key.sign(crypto, data, algorithm as SignatureAlgorithm),
  };
}

export function accept(io: ByteIO, options: AcceptOptions): Observable<Connection> {
  return new Observable<Connection>((subscriber) => {
    const base = coreOptions(options);
    const hostKeys = options.hostKeys.map((k) => hostKeySigner(k, base.crypto, options.allowSshRsaSha1));
    const core = new ServerCore({
      ...base,
      hostKeys,
      serverSigAlgs: [
        ...new Set(hostKeys.flatMap((k) => k.algorithms)),
        ...defaultSigAlgs(options.allowSshRsaSha1),
      ].filter((a, i, all) => all.indexOf(a) === i),
      authMethods: options.authMethods ?? DEFAULT_SERVER_AUTH_METHODS,
      banner: options.banner,
      maxAuthTries: options.maxAuthTries,
      loginGraceTimeMs: options.loginGraceTimeMs,
      authFailureDelayMs: options.authFailureDelayMs ?? 250,
      acceptedPublicKeyAlgorithms: defaultSigAlgs(options.allowSshRsaSha1),
    });
    const driver = new Driver(core, io, base.scheduler);
    const connection = new Connection(driver);
    const requests = new Subject<AuthStep>();
    let policySub: Subscription | undefined = requests.pipe(options.auth).subscribe({
      next: (step) => driver.run(() => core.decide(step.id, step.decision ?? REJECT)),
      error: () =>
        driver.run(() => core.disconnect(DisconnectReason.BY_APPLICATION, 'authentication policy failed')),
    });

    const sub = driver.events.subscribe((e) => {
      switch (e.type) {
        case 'auth-decide':
          requests.next({ id: e.id, request: e.request as AuthRequest });
          return;
        case 'authenticated':
          connection.username = e.username;
          connection.authMethod = e.method;
          policySub?.unsubscribe();
          policySub = undefined;
          subscriber.next(connection);
          return;
        case 'closed': {
          policySub?.unsubscribe();
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
    });
    driver.start();
    return () => {
      sub.unsubscribe();
      policySub?.unsubscribe();
      if (!core.closed) driver.run((c) => c.disconnect(DisconnectReason.BY_APPLICATION, 'server closing'));
    };
  });
}

/** Serves every incoming ByteIO; a failed connection is reported to `onError` and never stops the others. */
export function serve(
  incoming: Observable<ByteIO>,
  options: AcceptOptions,
  onError?: (err: unknown, io: ByteIO) => void,
): Observable<Connection> {
  return incoming.pipe(
    mergeMap((io) =>
      accept(io, options).pipe(
        catchError((err) => {
          onError?.(err, io);
          return EMPTY;
        }),
      ),
    ),
  );
}

function defaultSigAlgs(allowSha1 = false): string[] {
  const algs = [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
  ];
  return allowSha1 ? [...algs, 'ssh-rsa'] : algs;
}
