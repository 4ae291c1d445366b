/**
 * Test helper for OpenSSH's SSHSIG format (PROTOCOL.sshsig), used to exchange signatures with
 * `ssh-keygen -Y sign` / `-Y check-novalidate`:
 *
 *     byte[6]  "SSHSIG"            outer blob              signed data
 *     uint32   version (1)         string publickey        byte[6] "SSHSIG"
 *     string   namespace           string reserved         string namespace, string reserved
 *     string   hash_algorithm      string signature        string hash_algorithm, string H(message)
 */
import { concatBytes, fromBase64, toBase64, utf8 } from '../../src/crypto/bytes.js';
import type { CryptoBackend } from '../../src/crypto/index.js';
import { SshReader } from '../../src/wire/reader.js';
import { SshWriter } from '../../src/wire/writer.js';

const MAGIC = utf8('SSHSIG');

export interface SshSig {
  publicKey: Uint8Array;
  namespace: string;
  hashAlgorithm: 'sha256' | 'sha512';
  /** The inner `string alg ‖ string sig` blob (RFC 4253 §6.6). */
  signature: Uint8Array;
}

export function parseArmoredSshSig(text: string): SshSig {
  const body = text
    .replace('-----BEGIN SSH SIGNATURE-----', '')
    .replace('-----END SSH SIGNATURE-----', '')
    .replace(/\s+/g, '');
  const r = new SshReader(fromBase64(body), 'SSHSIG');
  const magic = r.raw(6);
  if (toBase64(magic) !== toBase64(MAGIC)) throw new Error('not SSHSIG');
  if (r.uint32() !== 1) throw new Error('SSHSIG version');
  const publicKey = r.string();
  const namespace = r.utf8();
  r.string(); // reserved
  const hashAlgorithm = r.ascii();
  const signature = r.string();
  r.end();
  if (hashAlgorithm !== 'sha256' && hashAlgorithm !== 'sha512') throw new Error(`hash ${hashAlgorithm}`);
  return { publicKey, namespace, hashAlgorithm, signature };
}

/** The bytes the inner signature covers. */
export function sshSigSignedData(
  crypto: CryptoBackend,
  namespace: string,
  hashAlgorithm: 'sha256' | 'sha512',
  message: Uint8Array,
): Uint8Array {
  const w = new SshWriter()
    .raw(MAGIC)
    .string(namespace)
    .string(new Uint8Array(0))
    .string(hashAlgorithm)
    .string(crypto.hash(hashAlgorithm, message));
  return w.bytes();
}

export function armorSshSig(sig: SshSig): string {
  const blob = concatBytes(
    MAGIC,
    new SshWriter()
      .uint32(1)
      .string(sig.publicKey)
      .string(sig.namespace)
      .string(new Uint8Array(0))
      .string(sig.hashAlgorithm)
      .string(sig.signature)
      .bytes(),
  );
  const b64 = toBase64(blob);
  const lines = ['-----BEGIN SSH SIGNATURE-----'];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  lines.push('-----END SSH SIGNATURE-----', '');
  return lines.join('\n');
}
