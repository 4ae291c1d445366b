/**
 * Host-key verification is an explicit step of every client connection (RFC 4251 §4.1); there is no default
 * that accepts everything silently. The verifier may answer synchronously, with a Promise or an Observable.
 * It fails closed (OpenSSH CVE-2025-26465 class): a throw, a rejection, an empty or erroring observable, a
 * timeout, or any answer other than exactly `true` rejects the key.
 */

import type { SchedulerLike } from 'rxjs';
import {
  catchError,
  defaultIfEmpty,
  defer,
  from,
  map,
  type Observable,
  type ObservableInput,
  of,
  take,
  timeout,
} from 'rxjs';
import { type Certificate, isCertificate, parsePublicKeyOrCertificate } from '../keys/certificate.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import type { PublicKey } from '../keys/public-key.js';

export interface HostKeyInfo {
  /** The negotiated host-key signature algorithm (a `*-cert-v01@openssh.com` name for a certificate). */
  algorithm: string;
  /** The host key blob as the server sent it: a plain key, or a certificate. */
  blob: Uint8Array;
  /**
   * The key that signed the exchange hash: for a certificate, the certified plain key. Trusting it is enough
   * to trust the server (it proved it holds that key), whatever the certificate says.
   */
  key: PublicKey;
  /** `SHA256:...` of `key`, as `ssh-keygen -l` prints it (for a certificate, its key's, as ssh(1) shows). */
  fingerprint: string;
  /**
   * Present when the server presented a host certificate (PROTOCOL.certkeys), parsed but NOT verified: a
   * verifier that relies on it must check it (verifyCertificate with type 'host' and the host name as
   * principal, as knownHostsVerifier does against `@cert-authority` lines).
   */
  certificate?: Certificate;
  host?: string;
  port?: number;
}

export type HostKeyVerifier = (info: HostKeyInfo) => boolean | ObservableInput<boolean>;

export function runVerifier(
  verifier: HostKeyVerifier,
  info: Omit<HostKeyInfo, 'key' | 'fingerprint'>,
  scheduler: SchedulerLike,
  timeoutMs = 120_000,
): Observable<boolean> {
  return defer(() => {
    const parsed = parsePublicKeyOrCertificate(info.blob);
    const key = isCertificate(parsed) ? parsed.publicKey : parsed;
    const full: HostKeyInfo = {
      ...info,
      key,
      fingerprint: fingerprintSha256(key.blob),
      ...(isCertificate(parsed) ? { certificate: parsed } : {}),
    };
    const answer = verifier(full);
    return typeof answer === 'boolean' ? of(answer) : from(answer);
  }).pipe(
    take(1),
    timeout({ first: timeoutMs, scheduler }),
    map((v) => v === true),
    defaultIfEmpty(false),
    catchError(() => of(false)),
  );
}

/**
 * Accepts only the given key (its blob or its `SHA256:` fingerprint). A host certificate of that key is
 * accepted too: the key, not the certificate, is what is pinned.
 */
export function acceptHostKey(expected: Uint8Array | string): HostKeyVerifier {
  const same = (blob: Uint8Array) =>
    typeof expected !== 'string' &&
    expected.length === blob.length &&
    expected.every((b, i) => b === blob[i]);
  return (info) =>
    typeof expected === 'string' ? info.fingerprint === expected : same(info.blob) || same(info.key.blob);
}

/** Accepts any host key. Insecure: for tests and for callers that verify out of band. The name says so. */
export function acceptAnyHostKeyInsecure(): HostKeyVerifier {
  return () => true;
}
