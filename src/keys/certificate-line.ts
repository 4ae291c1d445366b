/**
 * Certificates as one text line, the form of `ssh-keygen -s` output files (`id_ed25519-cert.pub`) and of
 * CertificateFile / HostCertificate: `cert-key-type base64(blob) [comment]`.
 */
import { fromBase64, toBase64 } from '../crypto/bytes.js';
import { DecodeError } from '../errors.js';
import { type Certificate, parseCertificate } from './certificate.js';
import { isCertificateKeyType } from './certificate-types.js';

export interface CertificateLine {
  certificate: Certificate;
  comment: string;
}

/** Generous: a 16384-bit RSA key signed by a 16384-bit CA is under 6 KiB of base64. */
const MAX_LINE_CHARS = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/; // anchored, no nested quantifiers: linear

/**
 * Parses `type base64 [comment]` (trailing newline allowed). The type word must name the blob's own type.
 * @example parseCertificateLine(readFileSync('id_ed25519-cert.pub', 'utf8')).certificate.keyId
 * @throws DecodeError on a malformed line or certificate
 */
export function parseCertificateLine(line: string): CertificateLine {
  if (line.length > MAX_LINE_CHARS)
    throw new DecodeError(`certificate line is over ${MAX_LINE_CHARS} characters`);
  const [typeWord = '', b64 = '', ...rest] = line.trim().split(/[ \t]+/);
  if (!isCertificateKeyType(typeWord))
    throw new DecodeError(`certificate line: '${typeWord}' is not a certificate type`);
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) throw new DecodeError('certificate line: not valid base64');
  const certificate = parseCertificate(fromBase64(b64));
  if (certificate.type !== typeWord)
    throw new DecodeError(`certificate line: says ${typeWord} but the certificate is ${certificate.type}`);
  return { certificate, comment: rest.join(' ') };
}

/**
 * Formats `type base64 [comment]` as `ssh-keygen -s` writes `*-cert.pub` (it keeps the key's comment).
 * @example formatCertificateLine(cert, 'alice@laptop') // 'ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1l… alice@laptop'
 */
export function formatCertificateLine(certificate: Certificate | Uint8Array, comment = ''): string {
  const cert = certificate instanceof Uint8Array ? parseCertificate(certificate) : certificate;
  const base = `${cert.type} ${toBase64(cert.blob)}`;
  return comment ? `${base} ${comment}` : base;
}
