/**
 * mlkem768x25519-sha256: ML-KEM-768 (FIPS 203) combined with X25519, as specified in
 * draft-ietf-sshm-mlkem-hybrid-kex and implemented by OpenSSH 9.9+. Messages 30/31 carry
 *   C_INIT  = ML-KEM-768 encapsulation key (1184 bytes) ‖ X25519 public key (32 bytes)
 *   S_REPLY = ML-KEM-768 ciphertext (1088 bytes) ‖ X25519 public key (32 bytes)
 * and K = SHA-256(K_PQ ‖ K_CL) is encoded as a *string*, not an mpint, in H and in key derivation.
 * ML-KEM comes from @noble/post-quantum for every backend (Node 20 has none).
 */
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { concatBytes, wipe } from '../crypto/bytes.js';
import { KexError } from '../errors.js';
import { X25519_KEY_BYTES, x25519Shared } from './curve25519.js';
import type { KeyAgreement } from './ecdh-shaped.js';
import { encodeString } from './exchange-hash.js';
import { withPeerInput } from './peer-crypto.js';
import type { KexContext } from './types.js';

export const MLKEM768_PUBLIC_KEY_BYTES = 1184;
export const MLKEM768_CIPHERTEXT_BYTES = 1088;
const MLKEM768_KEYGEN_SEED_BYTES = 64; // FIPS 203 §7.1: d ‖ z
const MLKEM768_ENCAPS_MESSAGE_BYTES = 32; // FIPS 203 §7.2: m

/** K = string(SHA-256(K_PQ ‖ K_CL)); both inputs are wiped. */
function combine(ctx: KexContext, pq: Uint8Array, classical: Uint8Array): Uint8Array {
  const joined = concatBytes(pq, classical);
  const digest = ctx.crypto.hash('sha256', joined);
  const k = encodeString(digest);
  wipe(joined, digest, pq, classical);
  return k;
}

function checkLength(value: Uint8Array, expected: number, what: string): void {
  if (value.length !== expected)
    throw new KexError(`${what} is ${value.length} bytes, expected ${expected}`, 'peer');
}

export const mlkem768x25519Agreement: KeyAgreement = {
  clientKey(ctx) {
    const seed = ctx.random(MLKEM768_KEYGEN_SEED_BYTES);
    const kem = ml_kem768.keygen(seed);
    wipe(seed);
    const xPrivate = ctx.random(X25519_KEY_BYTES);
    const publicValue = concatBytes(kem.publicKey, ctx.crypto.x25519PublicKey(xPrivate));
    return {
      publicValue,
      agree(serverValue) {
        try {
          checkLength(serverValue, MLKEM768_CIPHERTEXT_BYTES + X25519_KEY_BYTES, 'S_REPLY');
          const cipherText = serverValue.subarray(0, MLKEM768_CIPHERTEXT_BYTES);
          const serverX = serverValue.subarray(MLKEM768_CIPHERTEXT_BYTES);
          const classical = x25519Shared(ctx, xPrivate, serverX);
          // FIPS 203 decapsulation never fails on a well-sized ciphertext (implicit rejection): a forged one
          // only yields a K the server cannot know.
          const pq = ml_kem768.decapsulate(cipherText, kem.secretKey);
          return combine(ctx, pq, classical);
        } finally {
          wipe(kem.secretKey, xPrivate);
        }
      },
    };
  },

  serverAnswer(ctx, clientValue) {
    checkLength(clientValue, MLKEM768_PUBLIC_KEY_BYTES + X25519_KEY_BYTES, 'C_INIT');
    const encapsulationKey = clientValue.subarray(0, MLKEM768_PUBLIC_KEY_BYTES);
    const clientX = clientValue.subarray(MLKEM768_PUBLIC_KEY_BYTES);
    const xPrivate = ctx.random(X25519_KEY_BYTES);
    const message = ctx.random(MLKEM768_ENCAPS_MESSAGE_BYTES);
    let classical: Uint8Array | undefined;
    try {
      const xPublic = ctx.crypto.x25519PublicKey(xPrivate);
      classical = x25519Shared(ctx, xPrivate, clientX);
      // FIPS 203 §7.2 input check: the encapsulation key must decode to coefficients below q.
      const kem = withPeerInput('ML-KEM-768 encapsulation key', () =>
        ml_kem768.encapsulate(encapsulationKey, message),
      );
      return {
        publicValue: concatBytes(kem.cipherText, xPublic),
        sharedSecret: combine(ctx, kem.sharedSecret, classical),
      };
    } finally {
      wipe(xPrivate, message, classical);
    }
  },
};
