/** ecdh-sha2-nistp256/384/521, RFC 5656 §4 (messages 30/31) with the hash of RFC 5656 §6.2.1. */
import type { NistCurve } from '../crypto/backend.js';
import { wipe } from '../crypto/bytes.js';
import { KexError } from '../errors.js';
import { type EphemeralKey, type KeyAgreement, symmetricAgreement } from './ecdh-shaped.js';
import { encodeMpintBytes } from './exchange-hash.js';
import { checkNistPoint, NIST_CURVES, randomScalar } from './nist-curves.js';
import { withPeerInput } from './peer-crypto.js';
import type { KexContext } from './types.js';

function nistKey(curve: NistCurve, ctx: KexContext): EphemeralKey {
  const privateKey = randomScalar(curve, ctx.random);
  const publicValue = ctx.crypto.ecdhPublicKey(curve, privateKey);
  return {
    publicValue,
    agree(peerValue) {
      try {
        checkNistPoint(curve, peerValue);
        const x = withPeerInput(`ECDH ${curve}`, () => ctx.crypto.ecdh(curve, privateKey, peerValue));
        if (x.length !== NIST_CURVES[curve].size)
          throw new KexError(`ECDH ${curve}: unexpected shared secret size`, 'local');
        // RFC 5656 §4: K is the x-coordinate of the shared point, as an mpint.
        const k = encodeMpintBytes(x);
        wipe(x);
        return k;
      } finally {
        wipe(privateKey);
      }
    },
  };
}

export function nistAgreement(curve: NistCurve): KeyAgreement {
  return symmetricAgreement((ctx) => nistKey(curve, ctx));
}
