/**
 * OpenSSH certificates (PROTOCOL.certkeys): a public key, identity and usage options, signed by a CA key.
 * Parsing is strict and checks structure only: the CA signature, validity, principals and options are judged
 * by `verifyCertificate` (certificate-verify.ts), so a parsed certificate is never implicitly trusted.
 */
import { concatBytes } from '../crypto/bytes.js';
import { DecodeError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';
import { type CertificateOptions, parseCertificateOptions, readCString } from './certificate-options.js';
import { type CertificateKeyType, certifiedKeyType, isCertificateKeyType } from './certificate-types.js';
import { type PublicKey, parsePublicKey } from './public-key.js';
import { parseSignature } from './signature.js';

/** PROTOCOL.certkeys: SSH_CERT_TYPE_USER = 1, SSH_CERT_TYPE_HOST = 2. */
export type CertificateRole = 'user' | 'host';
export const CERT_TYPE_CODES: Readonly<Record<CertificateRole, number>> = { user: 1, host: 2 };

/** `valid before` of a certificate that never expires (PROTOCOL.certkeys; ssh-keygen prints "forever"). */
export const CERT_VALID_FOREVER = 0xffff_ffff_ffff_ffffn;
/** OpenSSH's SSHKEY_CERT_MAX_PRINCIPALS. */
export const CERT_MAX_PRINCIPALS = 256;

export interface Certificate {
  /** The blob's key type, e.g. `ssh-ed25519-cert-v01@openssh.com`. */
  readonly type: CertificateKeyType;
  /** The whole certificate blob (what travels on the wire and is base64 in `*-cert.pub`). */
  readonly blob: Uint8Array;
  readonly nonce: Uint8Array;
  /** The certified key, as a plain public key (its blob is the plain key blob, e.g. for fingerprints). */
  readonly publicKey: PublicKey;
  readonly serial: bigint;
  /** The certificate's `type` field: a user (1) or host (2) certificate. */
  readonly certType: CertificateRole;
  readonly keyId: string;
  /** Names the certificate is valid for: user names or host names (host certificates may use `*`/`?` globs). */
  readonly principals: readonly string[];
  /** Seconds since 1970-01-01 UTC; valid when validAfter <= now < validBefore. */
  readonly validAfter: bigint;
  readonly validBefore: bigint;
  readonly criticalOptions: CertificateOptions;
  readonly extensions: CertificateOptions;
  readonly reserved: Uint8Array;
  /** The CA key (never itself a certificate). */
  readonly signatureKey: PublicKey;
  /** The CA's signature blob (`string algorithm ‖ string signature`). */
  readonly signature: Uint8Array;
  /** The algorithm named in the signature blob, e.g. `rsa-sha2-512` ("using …" in `ssh-keygen -L`). */
  readonly signatureAlgorithm: string;
  /** The bytes the CA signed: every field from the key type up to and including the signature key. */
  readonly signedData: Uint8Array;
}

/** Number of `string`-shaped fields (mpints included) each plain key contributes after the nonce. */
function keyFieldCount(type: CertificateKeyType): number {
  return certifiedKeyType(type) === 'ssh-ed25519' ? 1 : 2;
}

/**
 * Parses a certificate blob.
 *
 *     string  "<type>-cert-v01@openssh.com"
 *     string  nonce
 *     ...     the plain key's fields (ed25519: string pk; ecdsa: string curve, string Q; rsa: mpint e, mpint n)
 *     uint64  serial
 *     uint32  type                 1 = user, 2 = host
 *     string  key id
 *     string  valid principals     (string principal)*
 *     uint64  valid after
 *     uint64  valid before
 *     string  critical options     (string name, string data)*, sorted, unique
 *     string  extensions           (string name, string data)*, sorted, unique
 *     string  reserved
 *     string  signature key        a plain public key blob
 *     string  signature            over every byte above      (PROTOCOL.certkeys "New public key formats")
 *
 * @example parseCertificate(parseCertificateLine(text).certificate.blob).principals // ['alice']
 * @throws DecodeError on a truncated blob, trailing bytes, an unknown type, a bad key, an unknown cert type,
 *   over 256 principals, unsorted or repeated options, a CA key that is a certificate, a malformed signature blob
 */
export function parseCertificate(blob: Uint8Array): Certificate {
  const own = blob.slice();
  const r = new SshReader(own, 'certificate');
  const type = r.ascii('key type', 64);
  if (!isCertificateKeyType(type))
    throw new DecodeError(`certificate: '${type}' is not a certificate key type`);
  const nonce = r.string('nonce');
  const keyStart = r.offset;
  for (let i = 0; i < keyFieldCount(type); i++) r.string('public key field');
  const plainBlob = concatBytes(
    new SshWriter(64).string(certifiedKeyType(type)).bytes(),
    own.subarray(keyStart, r.offset),
  );
  const publicKey = parsePublicKey(plainBlob);
  const serial = r.uint64('serial');
  const code = r.uint32('type');
  const certType = code === 1 ? 'user' : code === 2 ? 'host' : null;
  if (certType === null) throw new DecodeError(`certificate: unknown certificate type ${code}`);
  const keyId = readCString(r, 'key id');
  const principals = parsePrincipals(r.string('valid principals'));
  const validAfter = r.uint64('valid after');
  const validBefore = r.uint64('valid before');
  const criticalOptions = parseCertificateOptions(r.string('critical options'), 'critical options');
  const extensions = parseCertificateOptions(r.string('extensions'), 'extensions');
  const reserved = r.string('reserved');
  const signatureKey = parseSignatureKey(r.string('signature key'));
  const signedData = own.subarray(0, r.offset);
  const signature = r.string('signature');
  r.end();
  const { algorithm: signatureAlgorithm } = parseSignature(signature);
  return {
    type,
    blob: own,
    nonce,
    publicKey,
    serial,
    certType,
    keyId,
    principals,
    validAfter,
    validBefore,
    criticalOptions,
    extensions,
    reserved,
    signatureKey,
    signature,
    signatureAlgorithm,
    signedData,
  };
}

function parsePrincipals(section: Uint8Array): string[] {
  const r = new SshReader(section, 'certificate principals');
  const principals: string[] = [];
  while (r.remaining > 0) {
    if (principals.length === CERT_MAX_PRINCIPALS)
      throw new DecodeError(`certificate: more than ${CERT_MAX_PRINCIPALS} principals`);
    principals.push(readCString(r, 'principal'));
  }
  return principals;
}

/** PROTOCOL.certkeys: "Chained certificates, where the signature key type is a certificate type itself are NOT supported". */
function parseSignatureKey(blob: Uint8Array): PublicKey {
  const type = new SshReader(blob, 'certificate signature key').ascii('key type', 64);
  if (isCertificateKeyType(type) || type.endsWith('-cert-v01@openssh.com'))
    throw new DecodeError(
      'certificate: the CA key is itself a certificate (chained certificates are not supported)',
    );
  return parsePublicKey(blob);
}

/** True for a parsed certificate, false for a plain public key. */
export function isCertificate(key: PublicKey | Certificate): key is Certificate {
  return isCertificateKeyType(key.type);
}

/**
 * Parses a blob that may be either a plain public key or a certificate, by its key type: what a host key in
 * KEX or a key in a publickey USERAUTH_REQUEST may be.
 * @example const k = parsePublicKeyOrCertificate(blob); if (isCertificate(k)) verifyCertificate(crypto, k, opts)
 * @throws DecodeError as parsePublicKey or parseCertificate
 */
export function parsePublicKeyOrCertificate(blob: Uint8Array): PublicKey | Certificate {
  const type = new SshReader(blob, 'public key').ascii('key type', 64);
  return isCertificateKeyType(type) ? parseCertificate(blob) : parsePublicKey(blob);
}
