/**
 * Turns a finished key exchange into the keys of each direction, RFC 4253 §7.2:
 * client→server uses letters A (IV), C (key), E (MAC key); server→client uses B, D, F.
 */
import { CIPHERS, MACS } from '../cipher/registry.js';
import type { DirectionKeys } from '../cipher/types.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { KexError } from '../errors.js';
import { deriveKey } from '../kex/derive.js';
import type { KexResult } from '../kex/types.js';

const LETTERS = {
  clientToServer: { iv: 'A', key: 'C', mac: 'E' },
  serverToClient: { iv: 'B', key: 'D', mac: 'F' },
} as const;

export function directionKeys(
  crypto: CryptoBackend,
  result: KexResult,
  sessionId: Uint8Array,
  direction: keyof typeof LETTERS,
  cipherName: string,
  macName: string | undefined,
): DirectionKeys {
  const cipher = CIPHERS[cipherName];
  if (!cipher) throw new KexError(`negotiated an unknown cipher ${cipherName}`, 'local');
  const mac = cipher.aead || macName === undefined ? undefined : MACS[macName];
  if (!cipher.aead && !mac) throw new KexError(`negotiated an unknown MAC ${macName}`, 'local');
  const l = LETTERS[direction];
  const derive = (letter: 'A' | 'B' | 'C' | 'D' | 'E' | 'F', length: number) =>
    length === 0
      ? new Uint8Array(0)
      : deriveKey(crypto, result.hash, result.sharedSecret, result.exchangeHash, letter, sessionId, length);
  return {
    cipher,
    mac,
    iv: derive(l.iv, cipher.ivLength),
    key: derive(l.key, cipher.keyLength),
    macKey: derive(l.mac, mac ? mac.keyLength : 0),
  };
}
