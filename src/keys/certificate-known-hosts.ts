/**
 * Host certificates against known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): a CA is trusted for a host
 * when an `@cert-authority` line whose host patterns name that host carries the CA key; `@revoked` lines
 * revoke a CA, a host key or a whole certificate. The principal to check is the bare host name, as ssh(1)
 * passes it to sshkey_cert_check_host (the port only selects known_hosts lines).
 */
import { equalBytes } from '../crypto/bytes.js';
import type { Certificate } from './certificate.js';
import type { VerifyCertificateOptions } from './certificate-verify.js';
import { asciiLower, type KnownHostEntry, knownHostName, namesMatch } from './known-hosts.js';
import type { PublicKey } from './public-key.js';

export type HostCertificateTrust = Pick<VerifyCertificateOptions, 'principal' | 'trustedCas' | 'revoked'>;

/**
 * The trust inputs of verifyCertificate for a host certificate offered by `host:port`.
 * @example
 * const known = parseKnownHosts(text).entries;
 * verifyCertificate(crypto, cert, { now: new Date(), type: 'host', ...hostCertificateTrust(known, 'db1.example.com', 22) })
 */
export function hostCertificateTrust(
  entries: readonly KnownHostEntry[],
  host: string,
  port = 22,
): HostCertificateTrust {
  const name = knownHostName(host, port);
  const authorities = entries.filter((e) => e.marker === 'cert-authority' && namesMatch(e.names, name));
  // Like lookupHostKey: any @revoked line counts, whatever its host patterns (a stolen key is stolen everywhere).
  const revoked = entries.filter((e) => e.marker === 'revoked');
  return {
    principal: asciiLower(host),
    trustedCas: (ca: PublicKey) => authorities.some((e) => equalBytes(e.blob, ca.blob)),
    revoked: (key: PublicKey, cert: Certificate) =>
      revoked.some((e) => equalBytes(e.blob, key.blob) || equalBytes(e.blob, cert.blob)),
  };
}
