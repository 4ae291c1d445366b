/**
 * Signatures made by a certified key: publickey authentication (RFC 4252 §7) and KEX host-key proofs under a
 * `*-cert-v01@openssh.com` algorithm name. The signature blob is a plain one made by the key inside the
 * certificate: `rsa-sha2-512` for `rsa-sha2-512-cert-v01@openssh.com` (PROTOCOL.certkeys). Whether the
 * certificate itself is acceptable is verifyCertificate's question; this answers only "did its key sign".
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { type Certificate, parseCertificate } from './certificate.js';
import {
  certificateKeyTypeOfAlgorithm,
  isCertificateSignatureAlgorithm,
  plainSignatureAlgorithm,
} from './certificate-types.js';
import { isSignatureAlgorithm } from './key-types.js';
import { parsePublicKey } from './public-key.js';
import { verifySignature } from './signature.js';

/**
 * True only when `algorithm` is a certificate algorithm for this certificate's type, the signature blob names
 * exactly the matching plain algorithm, and it verifies over `data` with the certified key. Total: malformed
 * certificates or signatures return false.
 * @example verifyWithCertificate(crypto, certBlob, sigBlob, signedData, 'rsa-sha2-512-cert-v01@openssh.com')
 */
export function verifyWithCertificate(
  crypto: CryptoBackend,
  certificate: Certificate | Uint8Array,
  signatureBlob: Uint8Array,
  data: Uint8Array,
  algorithm: string,
): boolean {
  if (!isCertificateSignatureAlgorithm(algorithm)) return false;
  let cert: Certificate;
  try {
    cert = certificate instanceof Uint8Array ? parseCertificate(certificate) : certificate;
  } catch {
    return false;
  }
  if (certificateKeyTypeOfAlgorithm(algorithm) !== cert.type) return false;
  return verifySignature(crypto, cert.publicKey, signatureBlob, data, [plainSignatureAlgorithm(algorithm)]);
}

/**
 * One check for either kind of key: a certificate algorithm name goes to verifyWithCertificate, a plain one
 * to verifySignature with that single algorithm allowed. What a KEX host-key proof or a publickey
 * USERAUTH_REQUEST needs when the algorithm may be `*-cert-v01@openssh.com`. Total: false on any malformed input.
 * @example verifyKeyOrCertificateSignature(crypto, 'rsa-sha2-256-cert-v01@openssh.com', blob, sig, exchangeHash)
 */
export function verifyKeyOrCertificateSignature(
  crypto: CryptoBackend,
  algorithm: string,
  keyBlob: Uint8Array,
  signatureBlob: Uint8Array,
  data: Uint8Array,
): boolean {
  if (isCertificateSignatureAlgorithm(algorithm))
    return verifyWithCertificate(crypto, keyBlob, signatureBlob, data, algorithm);
  if (!isSignatureAlgorithm(algorithm)) return false;
  try {
    return verifySignature(crypto, parsePublicKey(keyBlob), signatureBlob, data, [algorithm]);
  } catch {
    return false;
  }
}
