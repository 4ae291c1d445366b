/**
 * What the client offers in user authentication, built from ConnectOptions: the publickey entries (certificates
 * first, then private keys, then external signers), password and keyboard-interactive, in the caller's order.
 */
import type { ObservableInput } from 'rxjs';
import type { ClientAuthMethod } from '../auth/client-auth.js';
import { equalBytes } from '../crypto/bytes.js';
import { UsageError } from '../errors.js';
import { type Certificate, parseCertificate } from '../keys/certificate.js';
import { certificateSignatureAlgorithms } from '../keys/certificate-types.js';
import { type SignatureAlgorithm, signatureAlgorithmsFor } from '../keys/key-types.js';
import type { PrivateKey } from '../keys/private-key.js';
import type { PublicKey } from '../keys/public-key.js';
import type { ConnectOptions } from './connect.js';

/** A key whose private half is out of reach: it can only be asked to sign (see agentSigners in rxssh). */
export interface ExternalSigner {
  publicKey: PublicKey;
  sign(
    data: Uint8Array,
    algorithm: SignatureAlgorithm,
  ): PromiseLike<Uint8Array> | ObservableInput<Uint8Array>;
}

/** A user certificate and the key it certifies. */
export interface UserCertificate {
  /** The certificate blob (the base64 field of a `*-cert.pub` line; see parseCertificateLine). */
  certificate: Uint8Array;
  key: PrivateKey | ExternalSigner;
}

export type CertifiedKey = { certificate: Certificate; key: PrivateKey | ExternalSigner };

/** Parses and checks each certificate against its key: a mismatch is our caller's mistake, said early. */
export function certifiedKeys(list: readonly UserCertificate[] | undefined): CertifiedKey[] {
  return (list ?? []).map(({ certificate, key }, i) => {
    let cert: Certificate;
    try {
      cert = parseCertificate(certificate);
    } catch (e) {
      throw new UsageError(`certificates[${i}]: not a certificate (${(e as Error).message})`);
    }
    if (cert.certType !== 'user') throw new UsageError(`certificates[${i}]: not a user certificate`);
    if (!equalBytes(cert.publicKey.blob, key.publicKey.blob))
      throw new UsageError(`certificates[${i}]: the key does not match the certified key`);
    return { certificate: cert, key };
  });
}

export const isPrivateKey = (k: PrivateKey | ExternalSigner): k is PrivateKey => 'type' in k;

const DEFAULT_CLIENT_AUTH_ORDER = ['publickey', 'keyboard-interactive', 'password'] as const;

export function authMethods(o: ConnectOptions, certified: readonly CertifiedKey[]): ClientAuthMethod[] {
  const out: ClientAuthMethod[] = [];
  const usable = (a: string) =>
    (o.allowSshRsaSha1 || (a !== 'ssh-rsa' && a !== 'ssh-rsa-cert-v01@openssh.com')) &&
    (!o.publicKeyAlgorithms || o.publicKeyAlgorithms.includes(a));
  for (const m of o.authMethods ?? DEFAULT_CLIENT_AUTH_ORDER) {
    if (m === 'publickey') {
      // OpenSSH's server-sig-algs lists only plain names, so the first usable certificate name is what we send.
      // Keys held here sign at once (one round trip fewer); external signers are asked only after PK_OK.
      for (const { certificate, key } of certified) {
        out.push({
          type: 'publickey',
          keyType: certificate.type,
          publicKeyBlob: certificate.blob,
          algorithms: certificateSignatureAlgorithms(certificate.type).filter(usable),
          signAtOnce: isPrivateKey(key),
        });
      }
      for (const [k, signAtOnce] of [
        ...(o.privateKeys ?? []).map((p) => [p.publicKey, true] as const),
        ...(o.signers ?? []).map((s) => [s.publicKey, false] as const),
      ]) {
        out.push({
          type: 'publickey',
          keyType: k.type,
          publicKeyBlob: k.blob,
          algorithms: signatureAlgorithmsFor(k.type).filter(usable),
          signAtOnce,
        });
      }
    } else if (m === 'password' && o.password !== undefined) {
      out.push({ type: 'password' });
    } else if (m === 'keyboard-interactive' && (o.keyboardInteractive || o.password !== undefined)) {
      out.push({ type: 'keyboard-interactive' });
    } else if (m === 'none') {
      out.push({ type: 'none' });
    }
  }
  return out;
}
