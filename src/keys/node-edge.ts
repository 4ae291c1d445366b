/**
 * Edge code: reaches `node:crypto` for the two things the backends cannot do (RSA key generation, PEM/DER
 * private key decoding) without a static import, so this module still loads in browsers and workers.
 * `process.getBuiltinModule` exists from Node 20.16; elsewhere the helpers report "unavailable".
 */
import type * as NodeCrypto from 'node:crypto';
import { bytesToBigInt, fromBase64 } from '../crypto/bytes.js';

type ProcessWithBuiltins = { getBuiltinModule?: (id: string) => unknown };

/** The `node:crypto` module, or null off Node. */
export function nodeCryptoModule(): typeof NodeCrypto | null {
  const proc = (globalThis as { process?: ProcessWithBuiltins }).process;
  const mod = proc?.getBuiltinModule?.('node:crypto');
  return (mod as typeof NodeCrypto | undefined) ?? null;
}

/** JWK base64url (RFC 7518 §2, "Base64urlUInt") → unsigned big-endian bytes. */
export function jwkBytes(b64url: string | undefined): Uint8Array {
  const b64 = (b64url ?? '').replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

export function jwkBigInt(b64url: string | undefined): bigint {
  return bytesToBigInt(jwkBytes(b64url));
}
