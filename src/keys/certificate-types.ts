/**
 * OpenSSH certificate key types and the algorithm names that travel with them (PROTOCOL.certkeys).
 * A certificate's blob always carries one of the five `*-cert-v01@openssh.com` key types; the two
 * `rsa-sha2-*-cert-v01@openssh.com` names appear only in KEXINIT host-key lists and in the algorithm field of
 * a publickey USERAUTH_REQUEST, to say which hash the (plain) signature made by the certified key uses.
 */
import type { KeyType, SignatureAlgorithm } from './key-types.js';

export type CertificateKeyType =
  | 'ssh-ed25519-cert-v01@openssh.com'
  | 'ecdsa-sha2-nistp256-cert-v01@openssh.com'
  | 'ecdsa-sha2-nistp384-cert-v01@openssh.com'
  | 'ecdsa-sha2-nistp521-cert-v01@openssh.com'
  | 'ssh-rsa-cert-v01@openssh.com';

export type CertificateSignatureAlgorithm =
  | CertificateKeyType
  | 'rsa-sha2-256-cert-v01@openssh.com'
  | 'rsa-sha2-512-cert-v01@openssh.com';

/** Certificate key type → the plain key type of the key it certifies. */
const CERTIFICATE_KEY_TYPES: Readonly<Record<CertificateKeyType, KeyType>> = {
  'ssh-ed25519-cert-v01@openssh.com': 'ssh-ed25519',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': 'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': 'ecdsa-sha2-nistp521',
  'ssh-rsa-cert-v01@openssh.com': 'ssh-rsa',
};

/**
 * Certificate algorithm → the certificate key type it names and the plain signature algorithm the certified
 * key signs with. PROTOCOL.certkeys: rsa-sha2-256/512-cert-v01 "force use of SHA-2 signatures"; the plain
 * ssh-rsa-cert-v01 name means SHA-1 (RFC 4253 §6.6), kept for old peers only.
 */
const CERTIFICATE_SIGNATURE_ALGORITHMS: Readonly<
  Record<CertificateSignatureAlgorithm, { certType: CertificateKeyType; signature: SignatureAlgorithm }>
> = {
  'ssh-ed25519-cert-v01@openssh.com': {
    certType: 'ssh-ed25519-cert-v01@openssh.com',
    signature: 'ssh-ed25519',
  },
  'ecdsa-sha2-nistp256-cert-v01@openssh.com': {
    certType: 'ecdsa-sha2-nistp256-cert-v01@openssh.com',
    signature: 'ecdsa-sha2-nistp256',
  },
  'ecdsa-sha2-nistp384-cert-v01@openssh.com': {
    certType: 'ecdsa-sha2-nistp384-cert-v01@openssh.com',
    signature: 'ecdsa-sha2-nistp384',
  },
  'ecdsa-sha2-nistp521-cert-v01@openssh.com': {
    certType: 'ecdsa-sha2-nistp521-cert-v01@openssh.com',
    signature: 'ecdsa-sha2-nistp521',
  },
  'rsa-sha2-512-cert-v01@openssh.com': {
    certType: 'ssh-rsa-cert-v01@openssh.com',
    signature: 'rsa-sha2-512',
  },
  'rsa-sha2-256-cert-v01@openssh.com': {
    certType: 'ssh-rsa-cert-v01@openssh.com',
    signature: 'rsa-sha2-256',
  },
  'ssh-rsa-cert-v01@openssh.com': { certType: 'ssh-rsa-cert-v01@openssh.com', signature: 'ssh-rsa' },
};

/**
 * Certificate host-key algorithms to offer in KEXINIT, strongest first, ahead of the plain ones. Like
 * DEFAULT_HOST_KEY_ALGORITHMS, the SHA-1 `ssh-rsa-cert-v01@openssh.com` is left out.
 */
export const DEFAULT_CERTIFICATE_ALGORITHMS: readonly CertificateSignatureAlgorithm[] = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
];

/**
 * Algorithms a CA may sign certificates with, as OpenSSH's CASignatureAlgorithms default (ssh_config(5)):
 * SHA-1 `ssh-rsa` CA signatures are refused unless the caller lists them.
 */
export const DEFAULT_CA_SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

export function isCertificateKeyType(name: string): name is CertificateKeyType {
  return Object.hasOwn(CERTIFICATE_KEY_TYPES, name);
}

export function isCertificateSignatureAlgorithm(name: string): name is CertificateSignatureAlgorithm {
  return Object.hasOwn(CERTIFICATE_SIGNATURE_ALGORITHMS, name);
}

/** The plain key type inside a certificate (`ssh-rsa-cert-v01@openssh.com` → `ssh-rsa`). */
export function certifiedKeyType(certType: CertificateKeyType): KeyType {
  return CERTIFICATE_KEY_TYPES[certType];
}

/** The certificate key type for a plain key type (`ssh-ed25519` → `ssh-ed25519-cert-v01@openssh.com`). */
export function certificateKeyTypeFor(keyType: KeyType): CertificateKeyType {
  return `${keyType}-cert-v01@openssh.com` as CertificateKeyType;
}

/**
 * The algorithm names a certificate of this type can authenticate under, preferred first (mirrors
 * `signatureAlgorithmsFor`: RSA offers SHA-512, SHA-256, then legacy SHA-1).
 * @example certificateSignatureAlgorithms('ssh-rsa-cert-v01@openssh.com')
 *   // ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'ssh-rsa-cert-v01@openssh.com']
 */
export function certificateSignatureAlgorithms(
  certType: CertificateKeyType,
): CertificateSignatureAlgorithm[] {
  return certType === 'ssh-rsa-cert-v01@openssh.com'
    ? [
        'rsa-sha2-512-cert-v01@openssh.com',
        'rsa-sha2-256-cert-v01@openssh.com',
        'ssh-rsa-cert-v01@openssh.com',
      ]
    : [certType];
}

/** The certificate key type an algorithm name requires (`rsa-sha2-512-cert-v01@openssh.com` → `ssh-rsa-cert-v01@openssh.com`). */
export function certificateKeyTypeOfAlgorithm(alg: CertificateSignatureAlgorithm): CertificateKeyType {
  return CERTIFICATE_SIGNATURE_ALGORITHMS[alg].certType;
}

/**
 * The plain signature algorithm the certified key signs with under this name: the signature blob of a
 * `rsa-sha2-512-cert-v01@openssh.com` request or host key is an ordinary `rsa-sha2-512` one.
 */
export function plainSignatureAlgorithm(alg: CertificateSignatureAlgorithm): SignatureAlgorithm {
  return CERTIFICATE_SIGNATURE_ALGORITHMS[alg].signature;
}
