/**
 * Decides `publickey` requests made with an OpenSSH user certificate (PROTOCOL.certkeys), as sshd does with
 * `TrustedUserCAKeys`: the certificate must be a user certificate signed by a trusted CA, valid now, not
 * revoked, and list one of the user's principals (by default the user name itself; sshd's
 * AuthorizedPrincipalsFile is the `principals` callback). The query and the signed request get the same
 * check; the signed one reaches the policy only after the certified key's signature was verified.
 *
 * Only requests under a `*-cert-v01@openssh.com` algorithm are taken, so put this operator BEFORE
 * allowPublicKey (which refuses certificate blobs it cannot parse as plain keys).
 *
 * What the certificate imposes (force-command, source-address) or permits (permit-pty, permit-agent-forwarding,
 * permit-port-forwarding...) is the application's to enforce: after authentication,
 * `acceptedUserCertificate(connection)` returns the certificate and its authorizations. source-address is
 * enforced here, against the client address accept() knows.
 *
 * @example
 * accept(io, { hostKeys, auth: (steps) => steps.pipe(
 *   allowCertificate({ trustedCas: (ca) => equalBytes(ca.blob, userCa.blob) }),
 *   allowAuthorizedKeys(keysOf),
 * ) });
 */
import { catchError, concatMap, defaultIfEmpty, from, map, type ObservableInput, of, take } from 'rxjs';
import type { ServerAuthStep, UserCertificateGrant } from '../src/connection/accept.js';
import type { AuthPolicy, AuthRequest, AuthStep } from '../src/connection/auth-policy.js';
import type { CryptoBackend } from '../src/crypto/backend.js';
import { defaultCrypto } from '../src/crypto/index.js';
import { type Certificate, parseCertificate } from '../src/keys/certificate.js';
import {
  certificateKeyTypeOfAlgorithm,
  isCertificateSignatureAlgorithm,
} from '../src/keys/certificate-types.js';
import { type VerifyCertificateOptions, verifyCertificate } from '../src/keys/certificate-verify.js';
import type { PublicKey } from '../src/keys/public-key.js';
import { ACCEPT, type Answer, REJECT, toObservableInput } from './decide.js';

type PublicKeyRequest = Extract<AuthRequest, { method: 'publickey' | 'publickey-query' }>;

export interface AllowCertificateOptions {
  /** Whether this CA key may sign user certificates (sshd's TrustedUserCAKeys). */
  trustedCas: (ca: PublicKey) => boolean;
  /**
   * The principals that may log in as `username` (sshd's AuthorizedPrincipalsFile); the certificate must list
   * at least one. Default: the user name itself, as sshd without that file.
   */
  principals?: (username: string) => Answer<readonly string[]>;
  /** Called with the CA key, then the certified key; true refuses (sshd's RevokedKeys). */
  revoked?: (key: PublicKey, cert: Certificate) => boolean;
  /** The time certificates are judged at, in milliseconds since 1970 (default Date.now). */
  now?: () => number;
  crypto?: CryptoBackend;
  /** CA signature algorithms allowed (default: no SHA-1), as sshd's CASignatureAlgorithms. */
  caSignatureAlgorithms?: VerifyCertificateOptions['caSignatureAlgorithms'];
  /** Receives why a certificate was refused, for logs (sshd logs the same reasons). */
  onReject?: (reason: string, request: PublicKeyRequest) => void;
}

function isCertificateRequest(r: AuthRequest): r is PublicKeyRequest {
  return (
    (r.method === 'publickey' || r.method === 'publickey-query') &&
    isCertificateSignatureAlgorithm(r.algorithm)
  );
}

export function allowCertificate(opts: AllowCertificateOptions): AuthPolicy {
  const crypto = opts.crypto ?? defaultCrypto();
  const principalsFor = (user: string): ObservableInput<readonly string[]> =>
    opts.principals ? toObservableInput(opts.principals(user)) : of([user]);

  /** The grant, or the reason for refusing. */
  const judge = (r: PublicKeyRequest, allowed: readonly string[], remoteAddress?: string) => {
    let cert: Certificate;
    try {
      cert = parseCertificate(r.publicKeyBlob);
    } catch (e) {
      return `malformed certificate: ${(e as Error).message}`;
    }
    // The algorithm name must be one for this certificate's type (rsa-sha2-512-cert-v01 ↔ ssh-rsa-cert-v01).
    if (
      !isCertificateSignatureAlgorithm(r.algorithm) ||
      certificateKeyTypeOfAlgorithm(r.algorithm) !== cert.type
    )
      return `algorithm ${r.algorithm} does not fit a ${cert.type} certificate`;
    const verdict = verifyCertificate(crypto, cert, {
      now: (opts.now ?? Date.now)() / 1000,
      type: 'user',
      trustedCas: opts.trustedCas,
      revoked: opts.revoked,
      sourceAddress: remoteAddress,
      caSignatureAlgorithms: opts.caSignatureAlgorithms,
    });
    if (!verdict.ok) return verdict.reason;
    if (!cert.principals.some((p) => allowed.includes(p)))
      return `no principal of the certificate may log in as ${r.username}`;
    const grant: UserCertificateGrant = { certificate: cert, authorizations: verdict.authorizations };
    return grant;
  };

  return concatMap((step: AuthStep) => {
    const request = step.request;
    if (step.decision || !isCertificateRequest(request)) return of(step);
    const remoteAddress = (step as ServerAuthStep).remoteAddress;
    return from(principalsFor(request.username)).pipe(
      take(1),
      defaultIfEmpty([] as readonly string[]),
      map((allowed): ServerAuthStep => {
        const result = judge(request, allowed, remoteAddress);
        if (typeof result === 'string') {
          opts.onReject?.(result, request);
          return { ...step, decision: REJECT };
        }
        return { ...step, decision: ACCEPT, userCertificate: result };
      }),
      catchError(() => of({ ...step, decision: REJECT })),
    );
  });
}
