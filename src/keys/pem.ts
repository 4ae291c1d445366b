/**
 * Edge code (Node only): PEM private keys (PKCS#1 "RSA PRIVATE KEY", SEC1 "EC PRIVATE KEY", PKCS#8
 * "PRIVATE KEY" / "ENCRYPTED PRIVATE KEY", RFC 7468) are decoded by node:crypto's createPrivateKey and
 * exported as JWK (RFC 7517/7518), from which we build our PrivateKey. Reasons for failure are sorted out
 * here first (encryption headers, truncated DER) because OpenSSL's own error codes do not say which.
 */
import type * as NodeCrypto from 'node:crypto';
import { bigIntToBytes, bytesToBigInt, fromBase64 } from '../crypto/bytes.js';
import { DecodeError } from '../errors.js';
import { CURVE_PARAMS } from './ec-point.js';
import { KeyFileError } from './key-file-error.js';
import { ECDSA_CURVES, type EcdsaKeyType } from './key-types.js';
import { jwkBigInt, jwkBytes, nodeCryptoModule } from './node-edge.js';
import { type PrivateKey, privateKeyFrom } from './private-key.js';
import {
  type EcdsaPublicKey,
  type Ed25519PublicKey,
  publicKeyFrom,
  type RsaPublicKey,
} from './public-key.js';
import { completeRsaPrivateKey } from './rsa-private.js';

const PEM_LABELS = ['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'] as const;
type PemLabel = (typeof PEM_LABELS)[number];

const JWK_CURVES: Record<string, EcdsaKeyType> = {
  'P-256': 'ecdsa-sha2-nistp256',
  'P-384': 'ecdsa-sha2-nistp384',
  'P-521': 'ecdsa-sha2-nistp521',
};

interface PemBlock {
  label: PemLabel;
  /** The whole block, BEGIN to END, as handed to OpenSSL. */
  text: string;
  /** RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED` (PKCS#1/SEC1 legacy encryption). */
  headers: string[];
  der: Uint8Array;
}

/** The first private-key PEM block in `text`, or null when there is none. */
function findPemBlock(text: string): PemBlock | null {
  for (const label of PEM_LABELS) {
    const begin = `-----BEGIN ${label}-----`;
    const start = text.indexOf(begin);
    if (start < 0) continue;
    const endLine = `-----END ${label}-----`;
    const end = text.indexOf(endLine, start);
    if (end < 0) throw new KeyFileError('malformed', `PEM ${label}: truncated (no END line)`);
    const inner = text.slice(start + begin.length, end).split(/\r?\n/);
    const headers = inner.filter((l) => l.includes(':'));
    const body = inner
      .filter((l) => !l.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) {
      throw new KeyFileError('malformed', `PEM ${label}: body is not valid base64`);
    }
    return { label, text: text.slice(start, end + endLine.length), headers, der: fromBase64(body) };
  }
  return null;
}

/** True when the text holds a PEM private key block we know. */
export function isPemPrivateKey(text: string): boolean {
  return PEM_LABELS.some((l) => text.includes(`-----BEGIN ${l}-----`));
}

/** Checks the outer DER SEQUENCE (X.690 §8.1) covers exactly the bytes we have: catches truncated files. */
function checkDerEnvelope(der: Uint8Array, label: string): void {
  const bad = (why: string) => new KeyFileError('malformed', `PEM ${label}: ${why}`);
  if (der.length < 2 || der[0] !== 0x30) throw bad('not a DER SEQUENCE');
  let len = der[1];
  let offset = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || der.length < 2 + n) throw bad('bad DER length');
    len = Number(bytesToBigInt(der.subarray(2, 2 + n)));
    offset = 2 + n;
  }
  if (offset + len > der.length)
    throw bad(`truncated (DER says ${offset + len} bytes, file has ${der.length})`);
  if (offset + len < der.length) throw bad('trailing bytes after the DER SEQUENCE');
}

/**
 * Parses a PEM private key with node:crypto.
 * @example parsePemPrivateKey(readFileSync('key.pem', 'utf8'), 'secret')
 * @throws KeyFileError ('passphrase-required' | 'wrong-passphrase' | 'unsupported' | 'malformed' | 'unknown-format')
 */
export function parsePemPrivateKey(text: string, passphrase?: string): PrivateKey {
  const block = findPemBlock(text);
  if (!block) throw new KeyFileError('unknown-format', 'no PEM private key block found');
  // RFC 1421 Proc-Type encryption covers the DER itself, so only unencrypted bodies can be checked here.
  const legacyEncrypted = block.headers.some((h) => /ENCRYPTED/.test(h));
  const encrypted = legacyEncrypted || block.label === 'ENCRYPTED PRIVATE KEY';
  if (!legacyEncrypted) checkDerEnvelope(block.der, block.label);
  if (encrypted && passphrase === undefined) {
    throw new KeyFileError(
      'passphrase-required',
      `PEM ${block.label}: key is encrypted; a passphrase is needed`,
    );
  }
  const node = nodeCryptoModule();
  if (!node) throw new KeyFileError('unsupported', 'PEM private keys can only be read on Node (node:crypto)');
  let keyObject: NodeCrypto.KeyObject;
  try {
    keyObject = node.createPrivateKey(encrypted ? { key: block.text, passphrase } : { key: block.text });
  } catch (e) {
    // Either failure after decryption (bad padding or a garbled structure) means the passphrase was wrong.
    if (encrypted)
      throw new KeyFileError('wrong-passphrase', `PEM ${block.label}: wrong passphrase`, { cause: e });
    throw new KeyFileError('malformed', `PEM ${block.label}: OpenSSL could not decode the key`, { cause: e });
  }
  try {
    return fromJwk(keyObject.export({ format: 'jwk' }));
  } catch (e) {
    if (e instanceof DecodeError)
      throw new KeyFileError('malformed', `PEM ${block.label}: ${e.message}`, { cause: e });
    throw e;
  }
}

function fromJwk(jwk: NodeCrypto.JsonWebKey): PrivateKey {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    const seed = jwkBytes(jwk.d);
    if (seed.length !== 32) throw new DecodeError('Ed25519 private key is not 32 bytes');
    const publicKey = publicKeyFrom({ type: 'ssh-ed25519', publicKey: jwkBytes(jwk.x) }) as Ed25519PublicKey;
    return privateKeyFrom({ type: 'ssh-ed25519', publicKey, seed, comment: '' });
  }
  if (jwk.kty === 'EC' && jwk.crv && Object.hasOwn(JWK_CURVES, jwk.crv)) {
    const type = JWK_CURVES[jwk.crv];
    const { size, n } = CURVE_PARAMS[ECDSA_CURVES[type].curve];
    const d = jwkBigInt(jwk.d);
    if (d < 1n || d >= n) throw new DecodeError('EC private scalar out of range');
    const point = new Uint8Array(1 + 2 * size);
    point[0] = 0x04; // SEC 1 §2.3.3 uncompressed
    point.set(bigIntToBytes(jwkBigInt(jwk.x), size), 1);
    point.set(bigIntToBytes(jwkBigInt(jwk.y), size), 1 + size);
    const publicKey = publicKeyFrom({ type, point }) as EcdsaPublicKey;
    return privateKeyFrom({ type, publicKey, scalar: bigIntToBytes(d, size), comment: '' });
  }
  if (jwk.kty === 'RSA') {
    const rsa = completeRsaPrivateKey({
      n: jwkBigInt(jwk.n),
      e: jwkBigInt(jwk.e),
      d: jwkBigInt(jwk.d),
      p: jwkBigInt(jwk.p),
      q: jwkBigInt(jwk.q),
      qi: jwkBigInt(jwk.qi),
    });
    const publicKey = publicKeyFrom({ type: 'ssh-rsa', rsa }) as RsaPublicKey;
    return privateKeyFrom({ type: 'ssh-rsa', publicKey, rsa, comment: '' });
  }
  throw new KeyFileError(
    'unsupported',
    `PEM key type ${jwk.kty}${jwk.crv ? ` (${jwk.crv})` : ''} is not supported`,
  );
}
