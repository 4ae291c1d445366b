/**
 * Certificate signing, what `ssh-keygen -s ca -I id -n principals -V validity -O option key.pub` does
 * (PROTOCOL.certkeys). The nonce comes from an injected RandomSource; the CA signs the body with its own
 * signature algorithm (RSA CAs default to rsa-sha2-512, as ssh-keygen since OpenSSH 8.2).
 */
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { UsageError } from '../errors.js';
import { SshWriter } from '../wire/writer.js';
import {
  CERT_MAX_PRINCIPALS,
  CERT_TYPE_CODES,
  CERT_VALID_FOREVER,
  type CertificateRole,
} from './certificate.js';
import { type CertificateOptionsInput, encodeCertificateOptions } from './certificate-options.js';
import { certificateKeyTypeFor, isCertificateKeyType } from './certificate-types.js';
import type { SignatureAlgorithm } from './key-types.js';
import type { PrivateKey } from './private-key.js';
import type { PublicKey } from './public-key.js';

/** ssh-keygen draws a 32-byte nonce. */
const NONCE_BYTES = 32;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** A validity bound: seconds since the epoch (number or bigint) or a Date. */
export type CertificateTime = bigint | number | Date;

export interface SignCertificateOptions {
  /** The key to certify (a plain key; its type picks the certificate type). */
  publicKey: PublicKey;
  caKey: PrivateKey;
  type: CertificateRole;
  keyId: string;
  /** At least one: verifiers refuse certificates without principals (OpenSSH, CVE-2024-7594). */
  principals: readonly string[];
  /** Default 0 (valid from the beginning of time). */
  validAfter?: CertificateTime;
  /** Default CERT_VALID_FOREVER. */
  validBefore?: CertificateTime;
  criticalOptions?: CertificateOptionsInput;
  extensions?: CertificateOptionsInput;
  /** Default 0 ("a CA that does not number its certificates must set this field to zero"). */
  serial?: bigint;
  /** The nonce bytes; when absent, 32 bytes are drawn from `random`. */
  nonce?: Uint8Array;
  random?: RandomSource;
  /** How the CA signs; default its preferred algorithm (rsa-sha2-512 for RSA). */
  signatureAlgorithm?: SignatureAlgorithm;
}

/** The `ssh-keygen -O` defaults for user certificates ("permit-*" all on), sorted. */
export const DEFAULT_USER_EXTENSIONS: readonly string[] = [
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
];

function toUint64(t: CertificateTime, field: string): bigint {
  let v: bigint;
  if (t instanceof Date) {
    const ms = t.getTime();
    if (!Number.isFinite(ms)) throw new UsageError(`certificate ${field}: invalid Date`);
    v = BigInt(Math.floor(ms / 1000));
  } else if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw new UsageError(`certificate ${field}: ${t} is not a time`);
    v = BigInt(Math.floor(t));
  } else {
    v = t;
  }
  if (v < 0n || v > UINT64_MAX) throw new UsageError(`certificate ${field}: ${v} is outside uint64`);
  return v;
}

function assertCString(value: string, field: string): void {
  if (typeof value !== 'string' || value.includes('\0'))
    throw new UsageError(`certificate ${field} must be a string without NUL bytes`);
}

/**
 * Signs a certificate and returns its blob (parse it with parseCertificate, write it with
 * formatCertificateLine).
 * @example
 * const blob = signCertificate(crypto, { publicKey: user.publicKey, caKey: ca, type: 'user', keyId: 'alice',
 *   principals: ['alice'], validBefore: new Date('2030-01-01'), extensions: DEFAULT_USER_EXTENSIONS, random: systemRandom });
 * @throws UsageError on no principals, over 256 principals, an empty validity interval, a bad option, no nonce
 *   source, or an algorithm the CA key cannot make
 */
export function signCertificate(crypto: CryptoBackend, opts: SignCertificateOptions): Uint8Array {
  if (isCertificateKeyType(opts.publicKey.type))
    throw new UsageError('certify the plain key: a certificate cannot be certified again');
  const validAfter = toUint64(opts.validAfter ?? 0n, 'validAfter');
  const validBefore = toUint64(opts.validBefore ?? CERT_VALID_FOREVER, 'validBefore');
  if (validAfter >= validBefore) throw new UsageError('certificate validity interval is empty');
  const serial = opts.serial ?? 0n;
  if (typeof serial !== 'bigint' || serial < 0n || serial > UINT64_MAX)
    throw new UsageError('certificate serial must be a uint64 bigint');
  if (!Object.hasOwn(CERT_TYPE_CODES, opts.type))
    throw new UsageError(`certificate type must be 'user' or 'host'`);
  if (opts.principals.length === 0)
    throw new UsageError('certificate needs at least one principal (an empty list is refused by verifiers)');
  if (opts.principals.length > CERT_MAX_PRINCIPALS)
    throw new UsageError(`certificate has more than ${CERT_MAX_PRINCIPALS} principals`);
  for (const p of opts.principals) assertCString(p, 'principal');
  assertCString(opts.keyId, 'key id');
  const nonce = opts.nonce ?? opts.random?.(NONCE_BYTES);
  if (nonce === undefined) throw new UsageError('certificate signing needs a nonce or a RandomSource');

  const principals = new SshWriter(64);
  for (const p of opts.principals) principals.string(p);
  // The plain key blob minus its leading type string is exactly the key's fields in certificate order.
  const typeLength =
    4 + new DataView(opts.publicKey.blob.buffer, opts.publicKey.blob.byteOffset).getUint32(0);
  const body = new SshWriter(512)
    .string(certificateKeyTypeFor(opts.publicKey.type))
    .string(nonce)
    .raw(opts.publicKey.blob.subarray(typeLength))
    .uint64(serial)
    .uint32(CERT_TYPE_CODES[opts.type])
    .string(opts.keyId)
    .string(principals.peek())
    .uint64(validAfter)
    .uint64(validBefore)
    .string(encodeCertificateOptions(opts.criticalOptions))
    .string(encodeCertificateOptions(opts.extensions))
    .string(new Uint8Array(0)) // reserved
    .string(opts.caKey.publicKey.blob);
  const signature = opts.caKey.sign(crypto, body.peek(), opts.signatureAlgorithm);
  return body.string(signature).bytes();
}
