/**
 * Key generation. Ed25519 and ECDSA keys come from a RandomSource (systemRandom unless a test injects one); RSA needs a prime
 * search that neither backend interface offers, so it goes to node:crypto at the edge and is refused on
 * the noble backend.
 */
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { bigIntToBytes, bytesToBigInt, wipe } from '../crypto/bytes.js';
import { systemRandom } from '../crypto/random.js';
import { UsageError } from '../errors.js';
import { CURVE_PARAMS } from './ec-point.js';
import { ECDSA_CURVES, type EcdsaKeyType, type KeyType } from './key-types.js';
import { jwkBigInt, nodeCryptoModule } from './node-edge.js';
import { type PrivateKey, privateKeyFrom } from './private-key.js';
import {
  type EcdsaPublicKey,
  type Ed25519PublicKey,
  publicKeyFrom,
  type RsaPublicKey,
} from './public-key.js';
import { completeRsaPrivateKey } from './rsa-private.js';

export interface GenerateKeyOptions {
  /** RSA modulus size; default 3072 (ssh-keygen's default), at least 2048. */
  bits?: number;
  /** Source of the Ed25519 seed / ECDSA scalar; default `systemRandom` (WebCrypto getRandomValues). */
  random?: RandomSource;
  comment?: string;
}

const DEFAULT_RSA_BITS = 3072;
const MIN_GENERATED_RSA_BITS = 2048;

/**
 * Generates a new key pair.
 * @example const key = generateKey(defaultCrypto(), 'ssh-ed25519', { comment: 'alice@laptop' })
 * @throws UsageError for a bad RSA size, a short random source, or RSA on a backend without key generation
 */
export function generateKey(crypto: CryptoBackend, type: KeyType, opts: GenerateKeyOptions = {}): PrivateKey {
  const comment = opts.comment ?? '';
  if (type === 'ssh-rsa') return generateRsaKey(crypto, opts.bits ?? DEFAULT_RSA_BITS, comment);
  const random = opts.random ?? systemRandom;
  if (type === 'ssh-ed25519') {
    const seed = random(32).slice(); // RFC 8032 §5.1.5: the private key is 32 random bytes
    if (seed.length !== 32) throw new UsageError('random source returned the wrong number of bytes');
    const publicKey = publicKeyFrom({ type, publicKey: crypto.ed25519PublicKey(seed) }) as Ed25519PublicKey;
    return privateKeyFrom({ type, publicKey, seed, comment });
  }
  return generateEcdsaKey(crypto, type, random, comment);
}

/**
 * FIPS 186-5 §A.2.1 ("extra random bits"): draw 64 more bits than the order, then d = (c mod (n−1)) + 1,
 * whose bias is at most 2⁻⁶⁴.
 */
function generateEcdsaKey(crypto: CryptoBackend, type: EcdsaKeyType, random: RandomSource, comment: string) {
  const { curve } = ECDSA_CURVES[type];
  const { n, size } = CURVE_PARAMS[curve];
  const extra = random(size + 8);
  if (extra.length !== size + 8) throw new UsageError('random source returned the wrong number of bytes');
  const scalar = bigIntToBytes((bytesToBigInt(extra) % (n - 1n)) + 1n, size);
  wipe(extra);
  const publicKey = publicKeyFrom({ type, point: crypto.ecdhPublicKey(curve, scalar) }) as EcdsaPublicKey;
  return privateKeyFrom({ type, publicKey, scalar, comment });
}

function generateRsaKey(crypto: CryptoBackend, bits: number, comment: string): PrivateKey {
  if (!Number.isInteger(bits) || bits < MIN_GENERATED_RSA_BITS || bits > 16384 || bits % 8 !== 0) {
    throw new UsageError(`RSA key size must be a multiple of 8 from ${MIN_GENERATED_RSA_BITS} to 16384 bits`);
  }
  const node = crypto.name === 'node' ? nodeCryptoModule() : null;
  if (!node) throw new UsageError(`RSA key generation is not available on the ${crypto.name} backend`);
  const { privateKey } = node.generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 65537 });
  const jwk = privateKey.export({ format: 'jwk' });
  const rsa = completeRsaPrivateKey({
    n: jwkBigInt(jwk.n),
    e: jwkBigInt(jwk.e),
    d: jwkBigInt(jwk.d),
    p: jwkBigInt(jwk.p),
    q: jwkBigInt(jwk.q),
    qi: jwkBigInt(jwk.qi),
  });
  const publicKey = publicKeyFrom({ type: 'ssh-rsa', rsa }) as RsaPublicKey;
  return privateKeyFrom({ type: 'ssh-rsa', publicKey, rsa, comment });
}
