/**
 * `ssh-keygen -t TYPE [-b BITS] -f FILE [-N PASSPHRASE] [-C COMMENT]`: a new key pair written to FILE
 * (openssh-key-v1, mode 0600) and FILE.pub, with ssh-keygen's messages. An existing FILE is never
 * overwritten (ssh-keygen would ask; a script gets a refusal).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { UsageError } from '../../src/errors.js';
import { generateKey } from '../../src/keys/generate-key.js';
import type { KeyType } from '../../src/keys/key-types.js';
import { formatOpenSshPrivateKey } from '../../src/keys/openssh-private-key.js';
import { wipePrivateKey } from '../../src/keys/private-key.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { KeygenError } from './keygen-error.js';
import { type FingerprintHash, fingerprintOf, randomartOf } from './keygen-fingerprint.js';

/** ssh-keygen ≥ 9.5 makes Ed25519 keys when no -t is given. */
export const DEFAULT_KEY_TYPE = 'ed25519';
const ECDSA_BY_BITS: Readonly<Record<number, KeyType>> = {
  256: 'ecdsa-sha2-nistp256',
  384: 'ecdsa-sha2-nistp384',
  521: 'ecdsa-sha2-nistp521',
};
const DEFAULT_RSA_BITS = 3072;
const MIN_RSA_BITS = 2048; // NIST SP 800-131A; ssh-keygen itself still allows 1024
const MAX_RSA_BITS = 16384;

export interface KeySpec {
  keyType: KeyType;
  /** RSA modulus size; absent for the other types. */
  bits?: number;
}

/**
 * -t and -b to a key type, as sshkey_type_from_name and type_bits_valid read them: short names without
 * case (`ed25519`, `ecdsa`, `rsa`) or full names (`ecdsa-sha2-nistp384` picks its curve).
 * @throws KeygenError on an unknown or unsupported type, or a bad size
 */
export function resolveKeySpec(type: string, bits: number | undefined): KeySpec {
  const name = type.toLowerCase();
  if (name === 'ed25519' || type === 'ssh-ed25519') return { keyType: 'ssh-ed25519' };
  if (name === 'ecdsa' || type.startsWith('ecdsa-sha2-nistp')) {
    const fromName = type.startsWith('ecdsa-sha2-nistp') ? Number(type.slice(16)) : 256;
    const curveBits = bits ?? fromName;
    const keyType = ECDSA_BY_BITS[curveBits];
    if (keyType === undefined || !Object.hasOwn(ECDSA_BY_BITS, fromName))
      throw new KeygenError('keygen: invalid ECDSA key length: valid lengths are 256, 384 or 521 bits');
    return { keyType };
  }
  if (name === 'rsa' || type === 'ssh-rsa') {
    const size = bits ?? DEFAULT_RSA_BITS;
    if (size < MIN_RSA_BITS)
      throw new KeygenError(`keygen: invalid RSA key length: minimum is ${MIN_RSA_BITS} bits`);
    if (size > MAX_RSA_BITS)
      throw new KeygenError(`keygen: invalid RSA key length: maximum is ${MAX_RSA_BITS} bits`);
    return { keyType: 'ssh-rsa', bits: size };
  }
  if (name === 'dsa' || type === 'ssh-dss')
    throw new KeygenError('keygen: DSA keys are not supported (OpenSSH removed them)');
  throw new KeygenError(`keygen: unknown key type ${type} (ed25519, ecdsa or rsa)`);
}

/** ssh-keygen's default comment: user@host. */
export function defaultComment(): string {
  return `${userInfo().username}@${hostname()}`;
}

export interface GenerateRequest {
  /** -t as given (shown in "Generating public/private … key pair."). */
  typeName: string;
  spec: KeySpec;
  file: string;
  /** Asked after the key is made, as ssh-keygen does; '' leaves the file unencrypted. */
  passphrase: () => Promise<string>;
  comment: string;
  quiet: boolean;
  hash: FingerprintHash;
}

/**
 * Generates the key and writes FILE and FILE.pub; `print` receives ssh-keygen's progress lines.
 * @throws KeygenError when FILE exists, the size is refused, or a file cannot be written
 */
export async function generateKeyFiles(
  crypto: CryptoBackend,
  req: GenerateRequest,
  print: (line: string) => void,
): Promise<void> {
  if (existsSync(req.file))
    throw new KeygenError(`keygen: ${req.file} already exists; not overwriting it (remove it first)`);
  if (!req.quiet) print(`Generating public/private ${req.typeName} key pair.`);
  let key: ReturnType<typeof generateKey>;
  try {
    key = generateKey(crypto, req.spec.keyType, { bits: req.spec.bits, comment: req.comment });
  } catch (e) {
    if (e instanceof UsageError) throw new KeygenError(`keygen: ${e.message}`);
    throw e;
  }
  const passphrase = await req.passphrase();
  const privateText = formatOpenSshPrivateKey(key, passphrase === '' ? {} : { passphrase });
  wipePrivateKey(key);
  try {
    // 'wx': fail rather than replace a file that appeared meanwhile.
    writeFileSync(req.file, privateText, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    throw new KeygenError(`keygen: saving key "${req.file}" failed: ${(e as Error).message}`);
  }
  if (!req.quiet) print(`Your identification has been saved in ${req.file}`);
  const pubFile = `${req.file}.pub`;
  try {
    // sshkey_save_public writes "key comment\n", with the blank even when the comment is empty.
    writeFileSync(pubFile, `${formatPublicKeyLine(key.publicKey)} ${req.comment}\n`, { mode: 0o644 });
  } catch (e) {
    throw new KeygenError(`keygen: unable to save public key to ${pubFile}: ${(e as Error).message}`);
  }
  if (!req.quiet) {
    print(`Your public key has been saved in ${pubFile}`);
    print('The key fingerprint is:');
    print(`${fingerprintOf(key.publicKey, req.hash)} ${req.comment}`);
    print("The key's randomart image is:");
    print(randomartOf(key.publicKey, req.hash));
  }
}
