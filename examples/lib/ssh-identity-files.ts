/**
 * The identity files of examples/ssh.ts (`-i FILE`, else ~/.ssh/id_*), loaded the way ssh(1) does: the public
 * half up front (from FILE.pub or the openssh-key-v1 header, which is never encrypted), the private half only
 * when the server has accepted the key (RFC 4252 §7), so an encrypted key costs a passphrase only when it is
 * actually used. The passphrase comes from SSH_PASSPHRASE, else a hidden prompt when stdin is a terminal
 * (never with BatchMode=yes); with neither, an encrypted key is skipped with a message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KeyFileError } from '../../src/keys/key-file-error.js';
import type { PrivateKey } from '../../src/keys/private-key.js';
import { parsePrivateKeyFile } from '../../src/keys/private-key-file.js';
import type { PublicKey } from '../../src/keys/public-key.js';
import { loadPublicKey } from './keygen-load.js';
import { canPrompt, promptHidden } from './keygen-passphrase.js';

/** ssh(1)'s default identities, in the order this client has always tried them. */
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
/** ssh(1)'s NumberOfPasswordPrompts default, also used for passphrases. */
const PROMPT_TRIES = 3;

export interface FileIdentity {
  path: string;
  /** True for -i / IdentityFile, false for the defaults (ssh -v prints "explicit" for the former). */
  explicit: boolean;
  publicKey: PublicKey;
  /** The private key, decrypted on first use; null when it cannot be (the reason was already printed). */
  privateKey(): Promise<PrivateKey | null>;
}

export interface IdentityFileOptions {
  env: NodeJS.ProcessEnv;
  /** BatchMode=yes: never prompt. */
  batchMode: boolean;
  /** Problems with a file (printed unless -q). */
  warn(line: string): void;
}

export const expandHome = (path: string) => path.replace(/^~(?=\/|$)/, homedir());

/** The files to load: every -i (home-expanded), else the default ones that exist. */
export function identityPaths(explicit: readonly string[]): { path: string; explicit: boolean }[] {
  if (explicit.length > 0) return explicit.map((f) => ({ path: expandHome(f), explicit: true }));
  return DEFAULT_IDENTITIES.map((n) => join(homedir(), '.ssh', n))
    .filter((path) => existsSync(path))
    .map((path) => ({ path, explicit: false }));
}

export async function loadIdentityFiles(
  files: readonly { path: string; explicit: boolean }[],
  opts: IdentityFileOptions,
): Promise<FileIdentity[]> {
  const out: FileIdentity[] = [];
  for (const { path, explicit } of files) {
    const loaded = await loadOne(path, explicit, opts);
    if (loaded) out.push(loaded);
  }
  return out;
}

async function loadOne(
  path: string,
  explicit: boolean,
  opts: IdentityFileOptions,
): Promise<FileIdentity | null> {
  const problem = (reason: string, always = false) => {
    if (explicit || always) opts.warn(`Load key "${path}": ${reason}`);
    return null;
  };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return problem(code === 'ENOENT' ? 'No such file or directory' : (e as Error).message);
  }
  try {
    const key = parsePrivateKeyFile(text);
    return { path, explicit, publicKey: key.publicKey, privateKey: () => Promise.resolve(key) };
  } catch (e) {
    if (!(e instanceof KeyFileError) || e.code !== 'passphrase-required') {
      // `-i key.pub` (or a file only the agent can sign for): the agent's key of that blob stands in for it.
      const publicOnly = e instanceof KeyFileError && e.code === 'unknown-format' && loadPublicKey(path);
      if (!publicOnly) return problem((e as Error).message);
      return { path, explicit, publicKey: publicOnly.key, privateKey: () => Promise.resolve(null) };
    }
  }
  const ask = passphraseSource(path, opts);
  if (ask === undefined) {
    const why = opts.batchMode ? 'BatchMode is set' : 'there is no terminal to ask on';
    return problem(`encrypted, and SSH_PASSPHRASE is not set (${why}): key skipped`, true);
  }
  let decrypted: Promise<PrivateKey | null> | undefined;
  const privateKey = () => {
    decrypted ??= decrypt(path, text, ask, opts);
    return decrypted;
  };
  const publicKey = loadPublicKey(path)?.key;
  if (publicKey) return { path, explicit, publicKey, privateKey };
  // An encrypted PEM file without FILE.pub: its public half is sealed too, so decrypt now.
  const key = await privateKey();
  return key && { path, explicit, publicKey: key.publicKey, privateKey };
}

/** Where the passphrase comes from; undefined when nowhere (the key is then skipped). */
function passphraseSource(
  path: string,
  opts: IdentityFileOptions,
): { prompts: boolean; next(): Promise<string | null> } | undefined {
  const fromEnv = opts.env.SSH_PASSPHRASE;
  if (fromEnv !== undefined) return { prompts: false, next: () => Promise.resolve(fromEnv) };
  if (opts.batchMode || !canPrompt()) return undefined;
  return {
    prompts: true,
    next: () =>
      promptHidden(`Enter passphrase for key '${path}': `).catch(() => {
        // Ctrl-C at the prompt ends ssh(1) too.
        process.kill(process.pid, 'SIGINT');
        return null;
      }),
  };
}

async function decrypt(
  path: string,
  text: string,
  source: { prompts: boolean; next(): Promise<string | null> },
  opts: IdentityFileOptions,
): Promise<PrivateKey | null> {
  for (let attempt = 1; attempt <= (source.prompts ? PROMPT_TRIES : 1); attempt++) {
    const passphrase = await source.next();
    // ssh(1): an empty answer at the prompt skips the key.
    if (passphrase === null || (source.prompts && passphrase === '')) return null;
    try {
      return parsePrivateKeyFile(text, passphrase);
    } catch (e) {
      const wrong = e instanceof KeyFileError && e.code === 'wrong-passphrase';
      if (!wrong) {
        opts.warn(`Load key "${path}": ${(e as Error).message}`);
        return null;
      }
      opts.warn(`Load key "${path}": incorrect passphrase supplied to decrypt private key`);
    }
  }
  return null;
}
