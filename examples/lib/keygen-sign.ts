/**
 * `ssh-keygen -s CA -I KEY_ID -n PRINCIPALS [-h] [-V VALIDITY] [-z SERIAL] [-O OPTION]... FILE.pub...`:
 * certifies each public key and writes FILE-cert.pub beside it (do_ca_sign in ssh-keygen.c).
 */
import { writeFileSync } from 'node:fs';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { systemRandom } from '../../src/crypto/random.js';
import { UsageError } from '../../src/errors.js';
import { CERT_MAX_PRINCIPALS } from '../../src/keys/certificate.js';
import { formatCertificateLine } from '../../src/keys/certificate-line.js';
import { signCertificate } from '../../src/keys/certificate-sign.js';
import {
  isSignatureAlgorithm,
  keyTypeOfSignatureAlgorithm,
  type SignatureAlgorithm,
} from '../../src/keys/key-types.js';
import type { PrivateKey } from '../../src/keys/private-key.js';
import { formatValidity } from './cert-print.js';
import type { CertificateOptionSets } from './keygen-cert-options.js';
import { KeygenError } from './keygen-error.js';
import { shortTypeName } from './keygen-key-text.js';
import { loadPublicKey } from './keygen-load.js';
import type { Validity } from './keygen-validity.js';

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** -z: a decimal serial; a leading + numbers the certificates serial, serial+1, … */
export function parseSerial(text: string): { serial: bigint; autoIncrement: boolean } {
  const autoIncrement = text.startsWith('+');
  const digits = autoIncrement ? text.slice(1) : text;
  if (!/^\d+$/.test(digits) || BigInt(digits) > UINT64_MAX)
    throw new KeygenError(`keygen: invalid serial number "${text}"`);
  return { serial: BigInt(digits), autoIncrement };
}

/** -n: comma-separated principals, none of them empty. */
export function parsePrincipals(text: string): string[] {
  const list = text.split(',');
  if (list.some((p) => p === '')) throw new KeygenError('keygen: empty principal name');
  if (list.length > CERT_MAX_PRINCIPALS)
    throw new KeygenError('keygen: too many certificate principals specified');
  return list;
}

/**
 * -t with -s: the CA's signature algorithm. RSA CAs default to rsa-sha2-512 (as ssh-keygen since 8.2);
 * naming the CA's own key type keeps the default.
 */
export function caSignatureAlgorithm(
  ca: PrivateKey,
  name: string | undefined,
): SignatureAlgorithm | undefined {
  if (name === undefined) return undefined;
  if (isSignatureAlgorithm(name) && keyTypeOfSignatureAlgorithm(name) === ca.type) return name;
  if (name === ca.type || name.toLowerCase() === shortTypeName(ca.publicKey).toLowerCase()) return undefined;
  throw new KeygenError(`keygen: CA key type ${ca.type} doesn't match specified ${name}`);
}

/** `id.pub` → `id-cert.pub`; any other name gets `-cert.pub` appended. */
export function certificatePath(path: string): string {
  return `${path.endsWith('.pub') ? path.slice(0, -4) : path}-cert.pub`;
}

export interface SignRequest {
  ca: PrivateKey;
  keyId: string;
  principals: string[];
  /** The -n text, for the log line. */
  principalsText: string;
  validity: Validity;
  host: boolean;
  serial: bigint;
  autoIncrement: boolean;
  options: CertificateOptionSets;
  signatureAlgorithm?: SignatureAlgorithm;
  files: readonly string[];
  quiet: boolean;
}

/**
 * Signs every file; `log` receives ssh-keygen's "Signed user key …" lines.
 * @throws KeygenError naming the file that could not be read, certified or written
 */
export function signPublicKeys(crypto: CryptoBackend, req: SignRequest, log: (line: string) => void): void {
  let serial = req.serial;
  for (const path of req.files) {
    const loaded = loadPublicKey(path);
    if (loaded === null) throw new KeygenError(`keygen: ${path}: not a public key file`);
    if (loaded.certificate !== undefined)
      throw new KeygenError(
        `keygen: ${path}: a ${shortTypeName(loaded.key, true)} key is a certificate and cannot be certified`,
      );
    let blob: Uint8Array;
    try {
      blob = signCertificate(crypto, {
        publicKey: loaded.key,
        caKey: req.ca,
        type: req.host ? 'host' : 'user',
        keyId: req.keyId,
        principals: req.principals,
        validAfter: req.validity.validAfter,
        validBefore: req.validity.validBefore,
        criticalOptions: req.options.criticalOptions,
        extensions: req.options.extensions,
        serial,
        random: systemRandom,
        signatureAlgorithm: req.signatureAlgorithm,
      });
    } catch (e) {
      if (e instanceof UsageError) throw new KeygenError(`keygen: could not certify ${path}: ${e.message}`);
      throw e;
    }
    const out = certificatePath(path);
    try {
      // sshkey_save_public: "line comment\n", keeping the public key's comment.
      writeFileSync(out, `${formatCertificateLine(blob)} ${loaded.comment ?? ''}\n`, { mode: 0o644 });
    } catch (e) {
      throw new KeygenError(`keygen: unable to save certificate to ${out}: ${(e as Error).message}`);
    }
    if (!req.quiet) {
      const role = req.host ? 'host' : 'user';
      const validity = formatValidity(req.validity.validAfter, req.validity.validBefore);
      log(
        `Signed ${role} key ${out}: id "${req.keyId}" serial ${serial} for ${req.principalsText} valid ${validity}`,
      );
    }
    if (req.autoIncrement) serial++;
  }
}
