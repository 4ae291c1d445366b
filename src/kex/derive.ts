/** Session key derivation, RFC 4253 §7.2. */
import type { CryptoBackend, HashAlg } from '../crypto/backend.js';
import { concatBytes, wipe } from '../crypto/bytes.js';
import { UsageError } from '../errors.js';

export type KeyLetter = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/**
 * RFC 4253 §7.2: K1 = HASH(K ‖ H ‖ letter ‖ session_id), Kn = HASH(K ‖ H ‖ K1 ‖ … ‖ Kn-1), key = K1 ‖ K2 ‖ …
 * truncated to `length`. `sharedSecret` is K already encoded (mpint or string) as in the exchange hash.
 * Letters: A/B client→server / server→client IV, C/D encryption keys, E/F integrity keys.
 *
 * @example
 * const encCS = deriveKey(crypto, 'sha256', result.sharedSecret, result.exchangeHash, 'C', sessionId, 32);
 */
export function deriveKey(
  crypto: CryptoBackend,
  hash: HashAlg,
  sharedSecret: Uint8Array,
  exchangeHash: Uint8Array,
  letter: KeyLetter,
  sessionId: Uint8Array,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 0)
    throw new UsageError(`key length ${length} is not a valid size`);
  const blocks: Uint8Array[] = [];
  let have = 0;
  if (length > 0) {
    const first = crypto
      .createHash(hash)
      .update(sharedSecret)
      .update(exchangeHash)
      .update(Uint8Array.of(letter.charCodeAt(0)))
      .update(sessionId)
      .digest();
    blocks.push(first);
    have = first.length;
  }
  while (have < length) {
    const h = crypto.createHash(hash).update(sharedSecret).update(exchangeHash);
    for (const b of blocks) h.update(b);
    const next = h.digest();
    blocks.push(next);
    have += next.length;
  }
  const all = concatBytes(...blocks);
  const key = all.slice(0, length);
  wipe(all, ...blocks);
  return key;
}
