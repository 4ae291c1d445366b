/**
 * Certificate verification: the checks sshd (user certificates) and ssh (host certificates) make before a
 * certificate stands in for a key. Total: every failure is `{ ok: false, code, reason }`, never a throw for
 * bad certificate content, so callers have one failure path. Order follows OpenSSH: signature, CA trust and
 * revocation, then sshkey_cert_check_authority (type, validity, principals), then the options.
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { DecodeError, UsageError } from '../errors.js';
import { type Certificate, type CertificateRole, parseCertificate } from './certificate.js';
import { optionStringValue } from './certificate-options.js';
import { parseSourceAddressList, sourceAddressMatches } from './certificate-source-address.js';
import { DEFAULT_CA_SIGNATURE_ALGORITHMS } from './certificate-types.js';
import type { SignatureAlgorithm } from './key-types.js';
import { wildcardMatch } from './known-hosts.js';
import { DEFAULT_MIN_RSA_BITS, meetsMinRsaBits, type PublicKey } from './public-key.js';
import { verifySignature } from './signature.js';

export interface VerifyCertificateOptions {
  /** The time to judge validity at: a Date, or seconds since 1970-01-01 UTC. */
  now: Date | number;
  /** The role the certificate must have: 'user' for publickey auth, 'host' for a server host key. */
  type: CertificateRole;
  /**
   * The user name (user certificates, exact match) or host name (host certificates; the certificate's
   * principals may be `*`/`?` globs, as OpenSSH allows since Dec 2025). Omit only when the caller matches
   * principals itself (sshd's AuthorizedPrincipalsFile); an empty principals list is refused either way.
   */
  principal?: string;
  /** Whether this CA key is trusted for this use (TrustedUserCAKeys, `@cert-authority` lines). */
  trustedCas: (caKey: PublicKey) => boolean;
  /**
   * The client's address, for the source-address critical option. A certificate that carries the option is
   * refused when no address is given (fail closed: the restriction cannot be checked).
   */
  sourceAddress?: string;
  /** Called with the CA key, then the certified key; true refuses the certificate (RevokedKeys, `@revoked`, KRL). */
  revoked?: (key: PublicKey, cert: Certificate) => boolean;
  /** Algorithms the CA may have signed with; default DEFAULT_CA_SIGNATURE_ALGORITHMS (no SHA-1). */
  caSignatureAlgorithms?: readonly SignatureAlgorithm[];
  /** Minimum RSA modulus for the CA and the certified key; default DEFAULT_MIN_RSA_BITS. */
  minRsaBits?: number;
}

/** Why a certificate was refused, for callers to branch on (the `reason` text is for logs). */
export type CertificateRejection =
  | 'malformed'
  | 'ca-algorithm'
  | 'bad-signature'
  | 'weak-key'
  | 'untrusted-ca'
  | 'revoked'
  | 'wrong-type'
  | 'not-yet-valid'
  | 'expired'
  | 'no-principals'
  | 'principal'
  | 'critical-option'
  | 'bad-option'
  | 'source-address';

/** What an accepted user certificate grants or imposes (all false / null for host certificates). */
export interface CertificateAuthorizations {
  forceCommand: string | null;
  sourceAddress: string | null;
  permitX11Forwarding: boolean;
  permitAgentForwarding: boolean;
  permitPortForwarding: boolean;
  permitPty: boolean;
  permitUserRc: boolean;
}

export type CertificateVerdict =
  | { ok: true; certificate: Certificate; authorizations: CertificateAuthorizations }
  | { ok: false; code: CertificateRejection; reason: string };

/** PROTOCOL.certkeys "Extensions": the flags OpenSSH defines for user certificates. */
const FLAG_EXTENSIONS = {
  'permit-X11-forwarding': 'permitX11Forwarding',
  'permit-agent-forwarding': 'permitAgentForwarding',
  'permit-port-forwarding': 'permitPortForwarding',
  'permit-pty': 'permitPty',
  'permit-user-rc': 'permitUserRc',
  'no-touch-required': null, // meaningful only for security-key (sk-*) keys, which rxssh does not implement
} as const;

function reject(code: CertificateRejection, reason: string): CertificateVerdict {
  return { ok: false, code, reason };
}

function nowSeconds(now: Date | number): bigint {
  const s = now instanceof Date ? now.getTime() / 1000 : now;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0)
    throw new UsageError('verifyCertificate: now must be a Date or non-negative seconds');
  return BigInt(Math.floor(s));
}

/**
 * Verifies a certificate for one use.
 * @example
 * const v = verifyCertificate(crypto, cert, { now: new Date(), type: 'user', principal: 'alice',
 *   trustedCas: (ca) => samePublicKey(ca, userCa), sourceAddress: '192.0.2.7' });
 * if (!v.ok) log(v.code, v.reason);
 * @throws UsageError only for a bad `now` (the caller's mistake); certificate problems are verdicts
 */
export function verifyCertificate(
  crypto: CryptoBackend,
  certificate: Certificate | Uint8Array,
  opts: VerifyCertificateOptions,
): CertificateVerdict {
  const now = nowSeconds(opts.now);
  let cert: Certificate;
  try {
    cert = certificate instanceof Uint8Array ? parseCertificate(certificate) : certificate;
  } catch (e) {
    if (e instanceof DecodeError) return reject('malformed', e.message);
    throw e;
  }
  const allowed = opts.caSignatureAlgorithms ?? DEFAULT_CA_SIGNATURE_ALGORITHMS;
  if (!(allowed as readonly string[]).includes(cert.signatureAlgorithm))
    return reject('ca-algorithm', `certificate signed with disallowed algorithm ${cert.signatureAlgorithm}`);
  // PROTOCOL.certkeys: the signature covers every field up to and including the signature key.
  if (!verifySignature(crypto, cert.signatureKey, cert.signature, cert.signedData, allowed))
    return reject('bad-signature', 'certificate signature does not verify with its CA key');
  const minRsaBits = opts.minRsaBits ?? DEFAULT_MIN_RSA_BITS;
  if (!meetsMinRsaBits(cert.signatureKey, minRsaBits) || !meetsMinRsaBits(cert.publicKey, minRsaBits))
    return reject('weak-key', `certificate has an RSA key under ${minRsaBits} bits`);
  if (!opts.trustedCas(cert.signatureKey)) return reject('untrusted-ca', 'certificate CA is not trusted');
  if (opts.revoked?.(cert.signatureKey, cert)) return reject('revoked', 'certificate CA key is revoked');
  if (opts.revoked?.(cert.publicKey, cert)) return reject('revoked', 'certified key is revoked');
  return checkAuthority(cert, now, opts) ?? checkOptions(cert, opts);
}

/** sshkey_cert_check_authority: role, validity interval, principals. */
function checkAuthority(
  cert: Certificate,
  now: bigint,
  opts: VerifyCertificateOptions,
): CertificateVerdict | null {
  if (cert.certType !== opts.type) return reject('wrong-type', `not a ${opts.type} certificate`);
  // PROTOCOL.certkeys: valid when valid after <= current time < valid before.
  if (now < cert.validAfter) return reject('not-yet-valid', 'certificate is not yet valid');
  if (now >= cert.validBefore) return reject('expired', 'certificate has expired');
  // OpenSSH refuses empty principal lists for every certificate (Dec 2025; CVE-2024-7594 was the fail-open case).
  if (cert.principals.length === 0) return reject('no-principals', 'certificate lacks a principal list');
  if (opts.principal !== undefined) {
    const name = opts.principal;
    const listed =
      opts.type === 'host'
        ? cert.principals.some((p) => wildcardMatch(name, p))
        : cert.principals.includes(name);
    if (!listed) return reject('principal', `'${name}' is not a listed principal`);
  }
  return null;
}

/** auth-options.c cert_option_list for user certificates; host certificates may carry no critical option. */
function checkOptions(cert: Certificate, opts: VerifyCertificateOptions): CertificateVerdict {
  const auth: CertificateAuthorizations = {
    forceCommand: null,
    sourceAddress: null,
    permitX11Forwarding: false,
    permitAgentForwarding: false,
    permitPortForwarding: false,
    permitPty: false,
    permitUserRc: false,
  };
  if (cert.certType === 'host') {
    if (cert.criticalOptions.size > 0)
      return reject('critical-option', 'host certificate contains unsupported critical options');
    return { ok: true, certificate: cert, authorizations: auth };
  }
  for (const [name, data] of cert.criticalOptions) {
    if (name !== 'force-command' && name !== 'source-address')
      return reject('critical-option', `critical option '${name}' is not supported`);
    let value: string;
    try {
      value = optionStringValue(name, data);
    } catch {
      return reject('bad-option', `critical option '${name}' is malformed`);
    }
    if (name === 'force-command') auth.forceCommand = value;
    else auth.sourceAddress = value;
  }
  if (auth.sourceAddress !== null) {
    if (parseSourceAddressList(auth.sourceAddress) === null)
      return reject('bad-option', 'source-address contents invalid');
    if (opts.sourceAddress === undefined)
      return reject('source-address', 'certificate is restricted by source-address but no address was given');
    if (!sourceAddressMatches(auth.sourceAddress, opts.sourceAddress))
      return reject('source-address', `source address ${opts.sourceAddress} is not permitted`);
  }
  for (const [name, data] of cert.extensions) {
    if (!Object.hasOwn(FLAG_EXTENSIONS, name)) continue; // PROTOCOL.certkeys: unknown extensions are ignored
    if (data.length !== 0) return reject('bad-option', `extension '${name}' is corrupt (extra data)`);
    const field = FLAG_EXTENSIONS[name as keyof typeof FLAG_EXTENSIONS];
    if (field !== null) auth[field] = true;
  }
  return { ok: true, certificate: cert, authorizations: auth };
}
