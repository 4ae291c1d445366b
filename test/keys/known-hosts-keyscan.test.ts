/**
 * Issue 4, "known_hosts tests use files written by the real ssh": a real sshd with three host key types, then
 * - `ssh-keyscan -H -p PORT 127.0.0.1` output: lookupHostKey finds each of sshd's host keys as 'match' for
 *   [127.0.0.1]:PORT and nothing for other ports, and our client connects with knownHostsVerifier(strict yes)
 *   whichever host key type it negotiates;
 * - a file the real `ssh` writes with HashKnownHosts=yes and StrictHostKeyChecking=accept-new: the key it
 *   recorded is known to knownHostsVerifier, the key types it did not see are not.
 * Needs root and the local test user, as the interop suite (interopSkipReason).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultCrypto,
  fingerprintSha256,
  generateKey as generateOurKey,
  HostKeyError,
  type HostKeyInfo,
  knownHostsVerifier,
  lookupHostKey,
  type PrivateKey,
  parseKnownHosts,
  parsePrivateKeyFile,
  parsePublicKey,
} from '../../src/index.js';
import {
  type GeneratedKey,
  generateKey,
  interopSkipReason,
  runSsh,
  type SshdInstance,
  startSshd,
  TEST_USER,
} from '../interop/harness/index.js';
import { openRxssh, type SessionFailure } from '../interop/support/rxssh-session.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] known-hosts-keyscan skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

/** One host key per ssh-keyscan type (it reports one key per type: rsa, ecdsa, ed25519). */
const HOST_KEY_ALGORITHM: Record<string, string> = {
  'ssh-ed25519': 'ssh-ed25519',
  'ecdsa-sha2-nistp384': 'ecdsa-sha2-nistp384',
  'ssh-rsa': 'rsa-sha2-512',
};

let dir: string;
let sshd: SshdInstance;
let userKey: GeneratedKey;
let user: PrivateKey;

const infoFor = (blob: Uint8Array, port: number): HostKeyInfo => {
  const key = parsePublicKey(blob);
  return { algorithm: key.type, blob, key, fingerprint: fingerprintSha256(blob), host: '127.0.0.1', port };
};

/** Our client, offering only `hostKeyAlgorithm`, verifying against `file` with StrictHostKeyChecking yes. */
async function connectWith(file: string, hostKeyAlgorithm: string, messages: string[]) {
  return openRxssh(sshd.port, {
    username: TEST_USER,
    privateKeys: [user],
    algorithms: { hostKey: [hostKeyAlgorithm] },
    verifyHostKey: knownHostsVerifier({ files: [file], strict: 'yes', onMessage: (m) => messages.push(m) }),
  });
}

describe.skipIf(skipReason !== undefined)(suiteName('known_hosts written by OpenSSH tools'), () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxssh-keyscan-'));
    userKey = await generateKey(dir, 'id_ed25519', 'ed25519');
    user = parsePrivateKeyFile(await readFile(userKey.privatePath, 'utf8'));
    sshd = await startSshd({
      hostKeyKinds: ['ed25519', 'ecdsa-384', 'rsa-3072'],
      authorizedKeys: { [TEST_USER]: [userKey.publicLine] },
    });
  });

  afterAll(async () => {
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('ssh-keyscan -H', () => {
    let file: string;
    let text: string;

    beforeAll(async () => {
      text = execFileSync('ssh-keyscan', ['-H', '-T', '10', '-p', String(sshd.port), '127.0.0.1'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      file = join(dir, 'known_hosts_keyscan');
      await writeFile(file, text);
    });

    it('writes one hashed line per host key, all of which parse', () => {
      const parsed = parseKnownHosts(text, file);
      expect(parsed.skipped).toEqual([]);
      expect(parsed.entries).toHaveLength(sshd.hostKeys.length);
      expect(parsed.entries.every((e) => e.names.kind === 'hashed' && e.namesText.startsWith('|1|'))).toBe(
        true,
      );
      expect(text).not.toContain('127.0.0.1'); // hashed: the name itself is nowhere in the file
    });

    it("finds every host key of sshd as 'match' for [127.0.0.1]:PORT and 'unknown' elsewhere", () => {
      const { entries } = parseKnownHosts(text, file);
      for (const blob of sshd.hostKeyBlobs) {
        expect(lookupHostKey(entries, '127.0.0.1', sshd.port, blob).status).toBe('match');
        expect(lookupHostKey(entries, '127.0.0.1', sshd.port + 1, blob).status).toBe('unknown');
        expect(lookupHostKey(entries, '127.0.0.1', 22, blob).status).toBe('unknown');
        expect(lookupHostKey(entries, 'localhost', sshd.port, blob).status).toBe('unknown');
      }
    });

    it("reports another key of a known type as 'mismatch'", () => {
      const { entries } = parseKnownHosts(text, file);
      const impostor = generateOurKey(defaultCrypto(), 'ssh-ed25519');
      expect(lookupHostKey(entries, '127.0.0.1', sshd.port, impostor.publicKey).status).toBe('mismatch');
    });

    it('lets our client in with knownHostsVerifier(strict yes), whichever host key it negotiates', async () => {
      for (const key of sshd.hostKeys) {
        const messages: string[] = [];
        const session = await connectWith(file, HOST_KEY_ALGORITHM[key.keyType], messages);
        try {
          expect(session.conn.algorithms.hostKey).toBe(HOST_KEY_ALGORITHM[key.keyType]);
          expect(messages).toEqual([]);
        } finally {
          session.close();
        }
      }
    });
  });

  describe('ssh with HashKnownHosts=yes and StrictHostKeyChecking=accept-new', () => {
    let file: string;
    let recorded: GeneratedKey;

    beforeAll(async () => {
      file = join(dir, 'known_hosts_ssh');
      recorded = sshd.hostKeys.find((k) => k.keyType === 'ssh-ed25519')!;
      const result = await runSsh({
        port: sshd.port,
        user: TEST_USER,
        identities: [userKey.privatePath],
        knownHostsPath: file,
        hostKeyAlgorithms: ['ssh-ed25519'],
        // First options win in ssh(1), so these override the harness's StrictHostKeyChecking=yes.
        options: { HashKnownHosts: 'yes', StrictHostKeyChecking: 'accept-new', UserKnownHostsFile: file },
        command: 'true',
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/Permanently added/);
    });

    it('writes a hashed line that knownHostsVerifier knows, and no other key type', async () => {
      const text = await readFile(file, 'utf8');
      const parsed = parseKnownHosts(text, file);
      expect(parsed.skipped).toEqual([]);
      expect(parsed.entries.map((e) => [e.names.kind, e.keyType])).toEqual([['hashed', 'ssh-ed25519']]);
      const messages: string[] = [];
      const verify = knownHostsVerifier({ files: [file], strict: 'yes', onMessage: (m) => messages.push(m) });
      expect(await verify(infoFor(recorded.blob, sshd.port))).toBe(true);
      expect(messages).toEqual([]);
      for (const other of sshd.hostKeys.filter((k) => k !== recorded)) {
        expect(await verify(infoFor(other.blob, sshd.port))).toBe(false);
      }
      expect(await verify(infoFor(recorded.blob, sshd.port + 1))).toBe(false);
    });

    it('our client connects through it with the recorded key type and is refused with another', async () => {
      const messages: string[] = [];
      const session = await connectWith(file, 'ssh-ed25519', messages);
      session.close();
      expect(messages).toEqual([]);
      const failure = await connectWith(file, 'ecdsa-sha2-nistp384', messages).then(
        (s) => {
          s.close();
          throw new Error('an unrecorded host key was accepted');
        },
        (e: SessionFailure) => e,
      );
      expect(failure.cause).toBeInstanceOf(HostKeyError);
      expect(messages.join('\n')).toMatch(/No ECDSA host key is known/);
    });
  });
});
