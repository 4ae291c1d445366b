/** curve25519-sha256 (and its pre-RFC alias curve25519-sha256@libssh.org), RFC 8731. */
import { wipe } from '../crypto/bytes.js';
import { KexError } from '../errors.js';
import { type EphemeralKey, type KeyAgreement, symmetricAgreement } from './ecdh-shaped.js';
import { encodeMpintBytes } from './exchange-hash.js';
import { isAllZero, withPeerInput } from './peer-crypto.js';
import type { KexContext } from './types.js';

export const X25519_KEY_BYTES = 32;

/** X25519 between our private key and a peer public value, with the checks RFC 8731 §3 requires. */
export function x25519Shared(ctx: KexContext, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array {
  // RFC 8731 §3: public values are exactly 32 bytes; anything else is an error.
  if (peerPublic.length !== X25519_KEY_BYTES) {
    throw new KexError(`X25519 public value is ${peerPublic.length} bytes, expected 32`, 'peer');
  }
  const shared = withPeerInput('X25519', () => ctx.crypto.x25519(privateKey, peerPublic));
  // RFC 7748 §6.1 / RFC 8731 §3: an all-zero output means a low-order point; abort. Checked here too so the
  // rule holds whatever the backend does.
  if (isAllZero(shared))
    throw new KexError('X25519 shared secret is all zero (low-order public value)', 'peer');
  return shared;
}

function x25519Key(ctx: KexContext): EphemeralKey {
  const privateKey = ctx.random(X25519_KEY_BYTES);
  const publicValue = ctx.crypto.x25519PublicKey(privateKey);
  return {
    publicValue,
    agree(peerValue) {
      try {
        const shared = x25519Shared(ctx, privateKey, peerValue);
        // RFC 8731 §3: the 32 output bytes, read as a big-endian unsigned integer, are K, hashed as an mpint.
        const k = encodeMpintBytes(shared);
        wipe(shared);
        return k;
      } finally {
        wipe(privateKey);
      }
    },
  };
}

export const x25519Agreement: KeyAgreement = symmetricAgreement(x25519Key);
