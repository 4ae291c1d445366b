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
import { fingerprintSha256 } from '../keys/fingerprint.js';
import { type PublicKey, parsePublicKey } from '../keys/public-key.js';

export interface HostKeyInfo {
  /** The negotiated host-key signature algorithm. */
  algorithm: string;
  blob: Uint8Array;
  key: PublicKey;
  /** `SHA256:...` as `ssh-keygen -l` prints it. */
  fingerprint: string;
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
    const full: HostKeyInfo = {
      ...info,
      key: parsePublicKey(info.blob),
      fingerprint: fingerprintSha256(info.blob),
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

/** Accepts only the given key (its blob or its `SHA256:` fingerprint). */
export function acceptHostKey(expected: Uint8Array | string): HostKeyVerifier {
  return (info) =>
    typeof expected === 'string'
      ? info.fingerprint === expected
      : expected.length === info.blob.length && expected.every((b, i) => b === info.blob[i]);
}

/** Accepts any host key. Insecure: for tests and for callers that verify out of band. The name says so. */
export function acceptAnyHostKeyInsecure(): HostKeyVerifier {
  return () => true;
}
