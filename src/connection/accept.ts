/**
 * `accept()`: the server side of one connection as an Observable, and `serve()` for a stream of them.
 * Subscribing runs the handshake with the given host keys (and host certificates); authentication requests
 * flow through the `auth` policy; the Connection is emitted once the client is authenticated. Completes on a
 * clean end, errors with a typed SshError otherwise; unsubscribing disconnects.
 */
import {
  catchError,
  defer,
  EMPTY,
  finalize,
  mergeMap,
  Observable,
  Subject,
  type Subscription,
  tap,
} from 'rxjs';
import type { CryptoBackend } from '../crypto/backend.js';
import { equalBytes } from '../crypto/bytes.js';
import { systemRandom } from '../crypto/random.js';
import { AdmissionError, DisconnectReason, UsageError } from '../errors.js';
import type { ByteIO } from '../io/byte-io.js';
import { DEFAULT_SERVER_KEX } from '../kex/registry.js';
import { type Certificate, parseCertificate } from '../keys/certificate.js';
import {
  type CertificateSignatureAlgorithm,
  certificateSignatureAlgorithms,
  DEFAULT_CERTIFICATE_ALGORITHMS,
  plainSignatureAlgorithm,
} from '../keys/certificate-types.js';
import type { CertificateAuthorizations } from '../keys/certificate-verify.js';
import { type SignatureAlgorithm, signatureAlgorithmsFor } from '../keys/key-types.js';
import type { PrivateKey } from '../keys/private-key.js';
import type { ServerHostKey } from '../transport/transport-events.js';
import { type AuthPolicy, type AuthRequest, type AuthStep, REJECT } from './auth-policy.js';
import { Connection } from './connection.js';
import { endConnection } from './connection-end.js';
import { Driver } from './driver.js';
import { announceHostKeys } from './host-keys-announce.js';
import { type CommonOptions, coreOptions } from './options.js';
import { ServerCore } from './server-core.js';
import { type MaxStartups, StartupsGate } from './startups-gate.js';

export interface AcceptOptions extends CommonOptions {
  hostKeys: readonly PrivateKey[];
  /**
   * Host certificates (`ssh-keygen -s ca -h`, sshd's HostCertificate), each with the private key it certifies.
   * Offered under the `*-cert-v01@openssh.com` names ahead of the plain host keys (unless `algorithms.hostKey`
   * is given, which then decides alone); a client gets one only if it asks for certificates.
   */
  hostCertificates?: readonly { certificate: Uint8Array; key: PrivateKey }[];
  /** The authentication policy: operators that decide each request (see rxssh/operators). */
  auth: AuthPolicy;
  /** Methods advertised to clients. */
  authMethods?: string[];
  banner?: string;
  maxAuthTries?: number;
  loginGraceTimeMs?: number;
  authFailureDelayMs?: number;
  /**
   * Announce every host key after authentication and prove them on request (OpenSSH PROTOCOL §2.5, what ssh's
   * UpdateHostKeys listens for). On by default.
   */
  announceHostKeys?: boolean;
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

/**
 * A host certificate as a host key: its blob travels in KEX and the certified key signs the exchange hash with
 * the plain algorithm behind the certificate name (PROTOCOL.certkeys).
 * @throws UsageError when the blob is not a host certificate for `key`
 */
export function hostCertificateSigner(
  certificate: Uint8Array,
  key: PrivateKey,
  crypto: CryptoBackend,
  allowSha1 = false,
): ServerHostKey {
  let cert: Certificate;
  try {
    cert = parseCertificate(certificate);
  } catch (e) {
    throw new UsageError(`host certificate: ${(e as Error).message}`);
  }
  if (cert.certType !== 'host') throw new UsageError('host certificate: it is a user certificate');
  if (!equalBytes(cert.publicKey.blob, key.publicKey.blob))
    throw new UsageError('host certificate: the key does not match the certified key');
  return {
    algorithms: certificateSignatureAlgorithms(cert.type).filter(
      (a) => allowSha1 || a !== 'ssh-rsa-cert-v01@openssh.com',
    ),
    blob: cert.blob,
    sign: (data, algorithm) =>
      key.sign(crypto, data, plainSignatureAlgorithm(algorithm as CertificateSignatureAlgorithm)),
  };
}

/** What accept() adds to each AuthStep, and what a policy may add to a step it decides. */
export interface ServerAuthStep extends AuthStep {
  /** The client's address when the carrier knows it (for certificates restricted by source-address). */
  readonly remoteAddress?: string;
  /** Set by allowCertificate on a publickey step it decided: the certificate and what it grants. */
  readonly userCertificate?: UserCertificateGrant;
}

/** An accepted user certificate and its options (force-command, source-address, permit-*). */
export interface UserCertificateGrant {
  readonly certificate: Certificate;
  readonly authorizations: CertificateAuthorizations;
}

const grants = new WeakMap<Connection, UserCertificateGrant>();

/**
 * The user certificate the client authenticated with, when one was accepted (by allowCertificate): the
 * application enforces what it imposes, e.g. run `authorizations.forceCommand` instead of the client's command
 * and refuse a pty without `permitPty` (sshd does both).
 * @example
 * const grant = acceptedUserCertificate(session.connection);
 * if (grant?.authorizations.forceCommand) command = grant.authorizations.forceCommand;
 */
export function acceptedUserCertificate(connection: Connection): UserCertificateGrant | undefined {
  return grants.get(connection);
}

export function accept(io: ByteIO, options: AcceptOptions): Observable<Connection> {
  return new Observable<Connection>((subscriber) => {
    const base = coreOptions(options);
    const plainKeys = options.hostKeys.map((k) => hostKeySigner(k, base.crypto, options.allowSshRsaSha1));
    let certKeys: ServerHostKey[];
    try {
      certKeys = (options.hostCertificates ?? []).map((c) =>
        hostCertificateSigner(c.certificate, c.key, base.crypto, options.allowSshRsaSha1),
      );
    } catch (e) {
      subscriber.error(e);
      return;
    }
    if (!options.algorithms?.kex) base.algorithms = { ...base.algorithms, kex: DEFAULT_SERVER_KEX };
    if (!options.algorithms?.hostKey) {
      // Certificates first, as sshd lists them; only names we hold a key or certificate for are offered.
      base.algorithms = {
        ...base.algorithms,
        hostKey: [...DEFAULT_CERTIFICATE_ALGORITHMS, ...base.algorithms.hostKey],
      };
    }
    const hostKeys = [...certKeys, ...plainKeys];
    const core = new ServerCore({
      ...base,
      hostKeys,
      // Plain names only, as OpenSSH's server-sig-algs (a certificate's name follows from its key's).
      serverSigAlgs: [
        ...new Set(plainKeys.flatMap((k) => k.algorithms)),
        ...defaultSigAlgs(options.allowSshRsaSha1),
      ].filter((a, i, all) => all.indexOf(a) === i),
      authMethods: options.authMethods ?? DEFAULT_SERVER_AUTH_METHODS,
      banner: options.banner,
      maxAuthTries: options.maxAuthTries,
      loginGraceTimeMs: options.loginGraceTimeMs,
      authFailureDelayMs: options.authFailureDelayMs ?? 250,
      // Certificate names are accepted as algorithms; whether a certificate is trusted is the policy's question
      // (allowCertificate), so none gets in without an operator saying yes.
      acceptedPublicKeyAlgorithms: [
        ...defaultSigAlgs(options.allowSshRsaSha1),
        ...DEFAULT_CERTIFICATE_ALGORITHMS,
        ...(options.allowSshRsaSha1 ? ['ssh-rsa-cert-v01@openssh.com'] : []),
      ],
    });
    const driver = new Driver(core, io, base.scheduler);
    const connection = new Connection(driver);
    const requests = new Subject<ServerAuthStep>();
    // The certificate behind an accepted publickey step, for the user being authenticated (reset on a new name).
    let grant: { username: string; value?: UserCertificateGrant } | undefined;
    const noteGrant = (step: ServerAuthStep) => {
      const { request, decision, userCertificate } = step;
      if (grant?.username !== request.username) grant = { username: request.username };
      const granted = decision?.result === 'accept' || decision?.result === 'partial';
      if (granted && request.method === 'publickey' && userCertificate) grant.value = userCertificate;
    };
    let policySub: Subscription | undefined = requests.pipe(options.auth).subscribe({
      next: (step) => {
        noteGrant(step);
        driver.run(() => core.decide(step.id, step.decision ?? REJECT));
      },
      error: () =>
        driver.run(() => core.disconnect(DisconnectReason.BY_APPLICATION, 'authentication policy failed')),
    });

    const sub = driver.events.subscribe((e) => {
      switch (e.type) {
        case 'auth-decide':
          requests.next({
            id: e.id,
            request: e.request as AuthRequest,
            ...(io.remote ? { remoteAddress: io.remote.address } : {}),
          });
          return;
        case 'authenticated':
          connection.username = e.username;
          connection.authMethod = e.method;
          if (grant?.value && grant.username === e.username) grants.set(connection, grant.value);
          policySub?.unsubscribe();
          policySub = undefined;
          if (options.announceHostKeys !== false && options.hostKeys.length > 0)
            announceHostKeys(connection, options.hostKeys, base.crypto); // ends with the connection
          subscriber.next(connection);
          return;
        case 'closed': {
          policySub?.unsubscribe();
          endConnection(subscriber, e.info, core.authenticated);
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

export interface ServeOptions extends AcceptOptions {
  /**
   * Unauthenticated connections allowed at once, sshd's `MaxStartups start:rate:full` (default 10:30:100;
   * `false` turns the limit off). A refused connection gets sshd's one-line notice and is closed before any
   * key exchange, so a flood of half-open logins costs little and cannot starve real clients.
   */
  maxStartups?: MaxStartups | false;
  /** Unauthenticated connections one source address may hold at once (sshd's PerSourceMaxStartups; off). */
  perSourceMaxStartups?: number;
  /**
   * A hook for source penalties (what sshd's PerSourcePenalties decides built in): return false to refuse a
   * connection before any protocol work, e.g. for an address that recently failed authentication.
   */
  admit?: (remote: { address: string; port: number } | undefined) => boolean;
}

/** What a refused connection reads before the close (the line sshd sends when MaxStartups drops one). */
const REFUSED_NOTICE = new TextEncoder().encode('Not allowed at this time\r\n');

/**
 * Serves every incoming ByteIO; a failed or refused connection is reported to `onError` and never stops the
 * others. Admission (MaxStartups, the `admit` hook) is decided as each one arrives.
 */
export function serve(
  incoming: Observable<ByteIO>,
  options: ServeOptions,
  onError?: (err: unknown, io: ByteIO) => void,
): Observable<Connection> {
  return defer(() => {
    const gate =
      options.maxStartups === false
        ? undefined
        : new StartupsGate({
            maxStartups: options.maxStartups,
            perSource: options.perSourceMaxStartups,
            random: options.random ?? systemRandom,
          });
    return incoming.pipe(
      mergeMap((io) => {
        const ticket = options.admit?.(io.remote) === false ? 'hook' : gate?.admit(io.remote?.address);
        if (typeof ticket === 'string') {
          refuse(io);
          onError?.(new AdmissionError(ticket), io);
          return EMPTY;
        }
        // Counts as unauthenticated until accept() emits (auth succeeded) or the connection ends.
        return accept(io, options).pipe(
          tap(() => ticket?.release()),
          finalize(() => ticket?.release()),
          catchError((err) => {
            onError?.(err, io);
            return EMPTY;
          }),
        );
      }),
    );
  });
}

function refuse(io: ByteIO): void {
  try {
    io.write(REFUSED_NOTICE);
  } finally {
    io.end();
  }
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
