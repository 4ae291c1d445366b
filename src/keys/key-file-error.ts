/** Why a private key file could not be loaded, for callers to branch on `err.code` (never the message). */
import { DisconnectReason, SshError } from '../errors.js';

export type KeyFileErrorCode =
  /** The file is encrypted and no passphrase was given. */
  | 'passphrase-required'
  /** The passphrase did not decrypt the file (checkints or padding differ). */
  | 'wrong-passphrase'
  /** Valid file, but a cipher, KDF, key type or container we do not support. */
  | 'unsupported'
  /** The file is not a private key in any format we know. */
  | 'unknown-format'
  /** The file is damaged: truncated, bad base64, inconsistent fields. */
  | 'malformed';

/** A private key file could not be read. Blame is local: the file came from our own side. */
export class KeyFileError extends SshError {
  override name = 'KeyFileError';
  constructor(
    readonly code: KeyFileErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, DisconnectReason.BY_APPLICATION, 'local', options);
  }
}
