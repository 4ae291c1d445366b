/** Test helper: drives the real OpenSSH `ssh-keygen` (no shell; arguments passed as an array). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyType } from '../../src/keys/index.js';

export interface KeygenFixture {
  type: KeyType;
  /** ssh-keygen -t value */
  t: string;
  bits?: number;
}

export const KEYGEN_FIXTURES: KeygenFixture[] = [
  { type: 'ssh-ed25519', t: 'ed25519' },
  { type: 'ecdsa-sha2-nistp256', t: 'ecdsa', bits: 256 },
  { type: 'ecdsa-sha2-nistp384', t: 'ecdsa', bits: 384 },
  { type: 'ecdsa-sha2-nistp521', t: 'ecdsa', bits: 521 },
  { type: 'ssh-rsa', t: 'rsa', bits: 2048 },
];

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rxssh-keys-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sshKeygen(args: string[], input?: string): string {
  return execFileSync('ssh-keygen', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface GeneratedKey {
  path: string;
  privateText: string;
  publicLine: string;
}

/** `ssh-keygen -t … -N '' -C comment -f dir/name` (extra args e.g. ['-m', 'PEM']). */
export function generateWithSshKeygen(
  dir: string,
  name: string,
  f: KeygenFixture,
  extra: string[] = [],
): GeneratedKey {
  const path = join(dir, name);
  const bits = f.bits ? ['-b', String(f.bits)] : [];
  sshKeygen(['-q', '-t', f.t, ...bits, '-N', '', '-C', `${name}@rxssh-test`, ...extra, '-f', path]);
  return {
    path,
    privateText: readFileSync(path, 'utf8'),
    publicLine: readFileSync(`${path}.pub`, 'utf8').trim(),
  };
}

/** The fingerprint field of `ssh-keygen -l -E <hash> -f path` ("256 SHA256:… comment (ED25519)"). */
export function sshKeygenFingerprint(path: string, hash: 'sha256' | 'md5'): string {
  return sshKeygen(['-l', '-E', hash, '-f', path]).split(' ')[1];
}

/** `ssh-keygen -y -f path`: OpenSSH reads our private key file and prints its public line. */
export function sshKeygenPublicFromPrivate(dir: string, name: string, privateText: string): string {
  const path = join(dir, name);
  writeFileSync(path, privateText, { mode: 0o600 });
  return sshKeygen(['-y', '-f', path]).trim();
}
