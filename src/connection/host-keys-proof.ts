/**
 * What a server signs to prove it holds a host key it announced (OpenSSH PROTOCOL §2.5, hostkeys-prove-00),
 * and which RSA signature algorithm both sides use for it.
 */
import type { SignatureAlgorithm } from '../keys/key-types.js';
import { SshWriter } from '../wire/writer.js';

export const HOSTKEYS_NAME = 'hostkeys-00@openssh.com';
export const HOSTKEYS_PROVE_NAME = 'hostkeys-prove-00@openssh.com';

// PROTOCOL §2.5, the signed data:
//   string  "hostkeys-prove-00@openssh.com"
//   string  session identifier
//   string  hostkey
export function hostKeyProofData(sessionId: Uint8Array, blob: Uint8Array): Uint8Array {
  return new SshWriter(blob.length + sessionId.length + 48)
    .string(HOSTKEYS_PROVE_NAME)
    .string(sessionId)
    .string(blob)
    .bytes();
}

/**
 * PROTOCOL §2.5 leaves the RSA algorithm open. After an RSA key exchange OpenSSH's client insists on that
 * exchange's algorithm; otherwise it takes any, and we sign with rsa-sha2-512 (sshd would use SHA-1 ssh-rsa).
 */
export function rsaProofAlgorithm(kexHostKeyAlgorithm: string): SignatureAlgorithm {
  return kexHostKeyAlgorithm.startsWith('rsa-sha2-256') ? 'rsa-sha2-256' : 'rsa-sha2-512';
}
