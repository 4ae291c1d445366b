/**
 * Decides `publickey` requests (RFC 4252 §7). The same check answers the query ("may this key be used?",
 * answered with PK_OK) and the signed request; the signed request reaches it only after the signature was
 * verified, and always with the key that signed (never one merely queried before).
 *
 * @example
 * allowPublicKey((user, key) => authorizedFingerprints.has(fingerprintSha256(key)))
 */
import type { AuthPolicy, AuthRequest } from '../src/connection/auth-policy.js';
import { isCertificateSignatureAlgorithm } from '../src/keys/certificate-types.js';
import { type PublicKey, parsePublicKey } from '../src/keys/public-key.js';
import { type Answer, decideWhen, REJECT, verdict } from './decide.js';

type PublicKeyRequest = Extract<AuthRequest, { method: 'publickey' | 'publickey-query' }>;

export function allowPublicKey(
  isAuthorized: (username: string, key: PublicKey, request: PublicKeyRequest) => Answer<boolean>,
): AuthPolicy {
  return decideWhen(
    // Certificates are allowCertificate's to judge (whatever the operator order): they pass through here.
    (r): r is PublicKeyRequest =>
      (r.method === 'publickey' || r.method === 'publickey-query') &&
      !isCertificateSignatureAlgorithm(r.algorithm),
    (r) => {
      let key: PublicKey;
      try {
        key = parsePublicKey(r.publicKeyBlob);
      } catch {
        return REJECT;
      }
      return verdict(isAuthorized(r.username, key, r));
    },
  );
}

/** Authorizes keys whose blobs are in the list (an authorized_keys file's keys, for instance). */
export function allowAuthorizedKeys(keysFor: (username: string) => readonly Uint8Array[]): AuthPolicy {
  return allowPublicKey((user, key) =>
    keysFor(user).some((b) => b.length === key.blob.length && b.every((x, i) => x === key.blob[i])),
  );
}
