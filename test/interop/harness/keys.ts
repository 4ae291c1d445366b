/** Key pairs made by OpenSSH's ssh-keygen, for host keys and user identities in interop tests. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSH_KEYGEN_PATH } from './environment.js';
import { runProcess } from './process.js';

/** Key kinds the harness can make; each maps to one ssh-keygen invocation. */
export type KeyKind = 'ed25519' | 'ecdsa-256' | 'ecdsa-384' | 'ecdsa-521' | 'rsa-3072';

export const ALL_KEY_KINDS: readonly KeyKind[] = [
  'ed25519',
  'ecdsa-256',
  'ecdsa-384',
  'ecdsa-521',
  'rsa-3072',
];

const KEYGEN_ARGS: Record<KeyKind, readonly string[]> = {
  ed25519: ['-t', 'ed25519'],
  'ecdsa-256': ['-t', 'ecdsa', '-b', '256'],
  'ecdsa-384': ['-t', 'ecdsa', '-b', '384'],
  'ecdsa-521': ['-t', 'ecdsa', '-b', '521'],
  'rsa-3072': ['-t', 'rsa', '-b', '3072'],
};

export interface PublicKeyLine {
  /** Key type name as written in the line, e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  keyType: string;
  /** The public key blob (RFC 4253 §6.6 encoding), decoded from the line's base64 field. */
  blob: Uint8Array;
  comment: string;
}

export interface GeneratedKey {
  kind: KeyKind;
  privatePath: string;
  publicPath: string;
  /** The `.pub` file's single line: `<type> <base64> <comment>`. */
  publicLine: string;
  keyType: string;
  blob: Uint8Array;
}

/** Splits an OpenSSH public key line (`type base64 [comment]`). */
export function parsePublicKeyLine(line: string): PublicKeyLine {
  const [keyType, b64, ...rest] = line.trim().split(/\s+/);
  if (!keyType || !b64) throw new Error(`not an OpenSSH public key line: ${JSON.stringify(line)}`);
  return { keyType, blob: new Uint8Array(Buffer.from(b64, 'base64')), comment: rest.join(' ') };
}

export interface GenerateKeyOptions {
  comment?: string;
  /** Empty (the default) means an unencrypted private key. */
  passphrase?: string;
  /** `PEM` writes the legacy PEM/PKCS#1/SEC1 format instead of the OpenSSH format. */
  format?: 'openssh' | 'PEM' | 'PKCS8';
}

/** Runs `ssh-keygen` to write `<dir>/<name>` and `<dir>/<name>.pub`. */
export async function generateKey(
  dir: string,
  name: string,
  kind: KeyKind,
  options: GenerateKeyOptions = {},
): Promise<GeneratedKey> {
  const privatePath = join(dir, name);
  const args = ['-q', ...KEYGEN_ARGS[kind], '-N', options.passphrase ?? '', '-C', options.comment ?? name];
  if (options.format && options.format !== 'openssh') args.push('-m', options.format);
  args.push('-f', privatePath);
  const result = await runProcess(SSH_KEYGEN_PATH, { args, timeoutMs: 60_000 });
  if (result.code !== 0) {
    throw new Error(`ssh-keygen ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  }
  const publicPath = `${privatePath}.pub`;
  const publicLine = (await readFile(publicPath, 'utf8')).trim();
  const { keyType, blob } = parsePublicKeyLine(publicLine);
  return { kind, privatePath, publicPath, publicLine, keyType, blob };
}

export interface UserKeySet {
  dir: string;
  keys: Map<KeyKind, GeneratedKey>;
  /** The key of `kind`; throws if it was not made. */
  get(kind: KeyKind): GeneratedKey;
  /** Removes the temporary directory and every key in it. */
  cleanup(): Promise<void>;
}

/** Makes one unencrypted user key pair per kind in a fresh temporary directory. */
export async function makeUserKeys(
  kinds: readonly KeyKind[] = ALL_KEY_KINDS,
  options: Omit<GenerateKeyOptions, 'comment'> = {},
): Promise<UserKeySet> {
  const dir = await mkdtemp(join(tmpdir(), 'rxssh-userkeys-'));
  const keys = new Map<KeyKind, GeneratedKey>();
  try {
    // Sequential: ssh-keygen is CPU-bound (RSA) and CI has two cores shared with other test files.
    for (const kind of kinds) keys.set(kind, await generateKey(dir, `id_${kind}`, kind, options));
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    keys,
    get(kind) {
      const key = keys.get(kind);
      if (!key) throw new Error(`no ${kind} key was made in ${dir}`);
      return key;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
