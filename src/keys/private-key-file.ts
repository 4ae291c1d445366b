/** Reads a private key file in whichever format it is: openssh-key-v1, or PEM (PKCS#1, SEC1, PKCS#8). */
import { KeyFileError } from './key-file-error.js';
import { isOpenSshPrivateKey, parseOpenSshPrivateKey } from './openssh-private-key.js';
import { isPemPrivateKey, parsePemPrivateKey } from './pem.js';
import type { PrivateKey } from './private-key.js';

/**
 * Detects the format and parses the key.
 * @example const key = parsePrivateKeyFile(readFileSync(path, 'utf8'), process.env.KEY_PASSPHRASE)
 * @throws KeyFileError whose `code` names the reason
 */
export function parsePrivateKeyFile(text: string, passphrase?: string): PrivateKey {
  if (isOpenSshPrivateKey(text)) return parseOpenSshPrivateKey(text, passphrase);
  if (isPemPrivateKey(text)) return parsePemPrivateKey(text, passphrase);
  if (text.includes('-----BEGIN DSA PRIVATE KEY-----')) {
    throw new KeyFileError('unsupported', 'DSA keys are not supported (OpenSSH removed ssh-dss)');
  }
  if (text.includes('PuTTY-User-Key-File-') || text.includes('---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----')) {
    throw new KeyFileError(
      'unsupported',
      'PuTTY and SSH.com key files are not supported; convert with puttygen/ssh-keygen -i',
    );
  }
  if (/^\s*(ssh-|ecdsa-)/.test(text))
    throw new KeyFileError('unknown-format', 'this is a public key, not a private key');
  throw new KeyFileError('unknown-format', 'not a private key file in a format we know');
}
