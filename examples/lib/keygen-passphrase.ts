/**
 * Passphrases for examples/keygen.ts: from a flag, from SSH_PASSPHRASE, or typed at a terminal without
 * echo (as ssh-keygen's read_passphrase). Without a terminal nothing is asked, so scripts never hang.
 */
import { KeygenError } from './keygen-error.js';

/** True when a prompt can be shown and answered. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Reads one line from the terminal with echo off; Ctrl-C or Ctrl-D cancels. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error: KeygenError | null) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003' || ch === '\u0004') return finish(new KeygenError('keygen: cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = Array.from(typed).slice(0, -1).join('');
        else typed += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * The passphrase of an existing key: -P, else SSH_PASSPHRASE, else a prompt on a terminal, else null.
 * @example await existingPassphrase(args.passphrase, process.env)
 */
export function existingPassphrase(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): () => Promise<string | null> {
  return async () => {
    if (flag !== undefined) return flag;
    if (env.SSH_PASSPHRASE !== undefined) return env.SSH_PASSPHRASE;
    return canPrompt() ? promptHidden('Enter passphrase: ') : null;
  };
}

/**
 * The passphrase for a new key: -N, else asked twice on a terminal ('' = no encryption), else '' (a script
 * without -N gets an unencrypted key, as with -N '').
 */
export async function newPassphrase(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return flag;
  if (!canPrompt()) return '';
  for (;;) {
    const first = await promptHidden('Enter passphrase (empty for no passphrase): ');
    const again = await promptHidden('Enter same passphrase again: ');
    if (first === again) return first;
    process.stderr.write('Passphrases do not match.  Try again.\n');
  }
}
