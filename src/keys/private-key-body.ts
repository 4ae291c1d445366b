/**
 * The private key body shared by openssh-key-v1 (PROTOCOL.key) and the agent's ADD_IDENTITY message
 * (draft-miller-ssh-agent §4.2): `string type ‖ type-specific fields ‖ string comment`.
 *
 *     string "ssh-ed25519"      string "ecdsa-sha2-[id]"     string "ssh-rsa"
 *     string ENC(A) (32)        string [id]                  mpint n, mpint e, mpint d
 *     string k ‖ ENC(A) (64)    string Q                     mpint iqmp, mpint p, mpint q
 *     string comment            mpint d, string comment      string comment
 */
import { bigIntToBytes, bytesToBigInt, equalBytes } from '../crypto/bytes.js';
import { DecodeError } from '../errors.js';
import type { SshReader } from '../wire/reader.js';
import type { SshWriter } from '../wire/writer.js';
import { CURVE_PARAMS } from './ec-point.js';
import { ECDSA_CURVES, isEcdsaKeyType } from './key-types.js';
import { type PrivateKey, type PrivateKeyFields, privateKeyFrom } from './private-key.js';
import {
  type EcdsaPublicKey,
  type Ed25519PublicKey,
  publicKeyFrom,
  type RsaPublicKey,
} from './public-key.js';
import { completeRsaPrivateKey } from './rsa-private.js';

/** Comments longer than this are refused (OpenSSH has no limit; this bounds what a damaged file can do). */
const MAX_COMMENT_BYTES = 4096;

/** Reads one private key body. @throws DecodeError on anything malformed or inconsistent */
export function readPrivateKeyBody(r: SshReader): PrivateKey {
  const type = r.ascii('key type', 64);
  let fields: PrivateKeyFields;
  if (type === 'ssh-ed25519') {
    const pub = r.string('ed25519 public key', 32);
    const both = r.string('ed25519 private key', 64);
    // The 64-byte private field is seed ‖ public key (the RFC 8032 ref10 layout OpenSSH keeps).
    if (pub.length !== 32 || both.length !== 64 || !equalBytes(both.subarray(32), pub)) {
      throw new DecodeError('ed25519 private key: fields have the wrong size or disagree');
    }
    const publicKey = publicKeyFrom({ type, publicKey: pub }) as Ed25519PublicKey;
    fields = { type, publicKey, seed: both.slice(0, 32), comment: '' };
  } else if (isEcdsaKeyType(type)) {
    const { curve, identifier } = ECDSA_CURVES[type];
    const id = r.ascii('curve identifier', 64);
    if (id !== identifier) throw new DecodeError(`ecdsa private key: curve '${id}' does not match ${type}`);
    const point = r.string('ecdsa point', 1 + 2 * CURVE_PARAMS[curve].size);
    const d = r.mpint('ecdsa private scalar', CURVE_PARAMS[curve].size + 1);
    if (d < 1n || d >= CURVE_PARAMS[curve].n) throw new DecodeError('ecdsa private key: scalar out of range');
    const publicKey = publicKeyFrom({ type, point }) as EcdsaPublicKey;
    fields = { type, publicKey, scalar: bigIntToBytes(d, CURVE_PARAMS[curve].size), comment: '' };
  } else if (type === 'ssh-rsa') {
    const n = r.mpint('rsa n');
    const e = r.mpint('rsa e');
    const d = r.mpint('rsa d');
    const qi = r.mpint('rsa iqmp');
    const p = r.mpint('rsa p');
    const q = r.mpint('rsa q');
    const publicKey = publicKeyFrom({ type, rsa: { n, e } }) as RsaPublicKey;
    fields = { type, publicKey, rsa: completeRsaPrivateKey({ n, e, d, p, q, qi }), comment: '' };
  } else {
    throw new DecodeError(`private key: unknown key type '${type}'`);
  }
  fields.comment = r.utf8('comment', MAX_COMMENT_BYTES);
  return privateKeyFrom(fields);
}

/** Writes one private key body in the layout above. */
export function writePrivateKeyBody(w: SshWriter, key: PrivateKey, comment = key.comment): void {
  w.string(key.type);
  if (key.type === 'ssh-ed25519') {
    const pub = key.publicKey.publicKey;
    const both = new Uint8Array(64);
    both.set(key.seed, 0);
    both.set(pub, 32);
    w.string(pub).string(both);
    both.fill(0);
  } else if (key.type === 'ssh-rsa') {
    const { n, e, d, qi, p, q } = key.rsa;
    w.mpint(n).mpint(e).mpint(d).mpint(qi).mpint(p).mpint(q);
  } else {
    w.string(ECDSA_CURVES[key.type].identifier).string(key.publicKey.point).mpint(bytesToBigInt(key.scalar));
  }
  w.string(comment);
}
