/**
 * The client's proof check on the server's host key (RFC 4253 §8: the signature over the exchange hash H),
 * and the pause while the application decides whether it trusts that key (RFC 4251 §4.1). Until the
 * application answers, the transport sends no NEWKEYS and reads no further packets, so nothing about the
 * user (not even a USERAUTH request) leaves before the key is trusted (OpenSSH CVE-2025-26465 class).
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { KexError } from '../errors.js';
import type { KexResult } from '../kex/types.js';
import { verifyKeyOrCertificateSignature } from '../keys/certificate-auth.js';

export class HostKeyCheck {
  pending = false;
  acceptedBlob?: Uint8Array;
  private candidate?: Uint8Array;

  /** Throws KexError unless `result.signature` is a valid signature by the host key over H. */
  verify(crypto: CryptoBackend, result: KexResult, algorithm: string): void {
    // Plain keys and host certificates alike (PROTOCOL.certkeys); whether a certificate is trusted is the
    // application's host-key decision that follows.
    const ok = verifyKeyOrCertificateSignature(
      crypto,
      algorithm,
      result.hostKeyBlob,
      result.signature,
      result.exchangeHash,
    );
    if (!ok) throw new KexError(`server host key signature (${algorithm}) does not verify`);
  }

  request(blob: Uint8Array): void {
    this.pending = true;
    this.candidate = blob;
  }

  settle(): void {
    this.pending = false;
    this.acceptedBlob = this.candidate;
  }
}
