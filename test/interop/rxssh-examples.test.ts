/**
 * Our command-line client, examples/ssh.ts, against the real OpenSSH 9.2 server: it must behave like ssh(1)
 * where it claims to (the `Authenticated to` line, exit status 255 with one "Permission denied" line, -o /
 * -c / -m algorithm options with OpenSSH's +/-/^ list edits, known_hosts checking, SSHPASS logins).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  interopSkipReason,
  makeUserKeys,
  parseAuthenticatedMethod,
  parseNegotiated,
  type SshdInstance,
  startSshd,
  TEST_PASSWORD,
  TEST_USER,
  type UserKeySet,
} from './harness/index.js';
import { kexLogLines } from './support/algorithm-matrix.js';
import { type ExampleProcess, startExample } from './support/example-process.js';
import { countSince, markLog, waitForAll } from './support/sshd-log.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] rxssh-examples skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

describe.skipIf(skipReason !== undefined)(suiteName('examples/ssh.ts against OpenSSH sshd'), () => {
  let sshd: SshdInstance;
  let keys: UserKeySet;
  const running: ExampleProcess[] = [];

  beforeAll(async () => {
    keys = await makeUserKeys(['ed25519', 'ecdsa-256']);
    sshd = await startSshd({
      usePam: true,
      hostKeyKinds: ['ed25519', 'ecdsa-256'],
      // Only the ed25519 key is authorized; the ecdsa one is the "wrong key".
      authorizedKeys: { [TEST_USER]: [keys.get('ed25519').publicLine] },
    });
  });

  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await sshd?.stop();
    await keys?.cleanup();
  });

  /** Runs examples/ssh.ts with `args`, then sshd's known_hosts and strict checking, against `user@127.0.0.1`. */
  function exampleSsh(args: readonly string[], env: NodeJS.ProcessEnv = {}): ExampleProcess {
    const proc = startExample(
      'ssh.ts',
      [
        // ssh_config keeps the first value of an option, so the test's own options go before our defaults.
        ...args,
        '-p',
        String(sshd.port),
        '-o',
        `UserKnownHostsFile=${sshd.knownHostsPath}`,
        '-o',
        'StrictHostKeyChecking=yes',
        `${TEST_USER}@127.0.0.1`,
      ],
      { ...process.env, SSHPASS: undefined, SSH_PASSPHRASE: undefined, ...env },
    );
    running.push(proc);
    return proc;
  }

  const withKey = (kind: 'ed25519' | 'ecdsa-256' = 'ed25519') => ['-i', keys.get(kind).privatePath];

  /** Starts `-v -N`, waits for the Authenticated line, stops the client and returns everything it printed. */
  async function authenticate(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
    const proc = exampleSsh(['-v', '-N', ...args], env);
    await proc.waitFor(/^Authenticated to /m);
    await proc.stop();
    // SIGTERM closes the connection cleanly (SSH_MSG_DISCONNECT), which ends the program with status 0.
    expect(proc.exitCode()).toBe(0);
    return proc.output();
  }

  it('-v -N prints ssh(1)\'s "Authenticated to" line; sshd agrees and sees a clean disconnect', async () => {
    const mark = markLog(sshd);
    const out = await authenticate(withKey());
    expect(out).toContain(`Authenticated to 127.0.0.1 ([127.0.0.1]:${sshd.port}) using "publickey".\n`);
    expect(parseAuthenticatedMethod(out)).toBe('publickey');
    expect(
      await countSince(sshd, mark, /^Accepted publickey for rxssh-test from 127\.0\.0\.1 port \d+ /m, 1),
    ).toBe(1);
    expect(await countSince(sshd, mark, /^Received disconnect from 127\.0\.0\.1 port \d+:11: /m, 1)).toBe(1);
  });

  it('a key that is not authorized: exit 255 and exactly one "Permission denied" line', async () => {
    const proc = exampleSsh(withKey('ecdsa-256'));
    expect(await proc.waitForExit(20_000)).toBe(255);
    expect(proc.output()).toBe(
      `${TEST_USER}@127.0.0.1: Permission denied (publickey,password,keyboard-interactive).\n`,
    );
  });

  it('an unknown host key with StrictHostKeyChecking=yes: exit 255, "Host key verification failed."', async () => {
    const empty = join(sshd.dir, 'empty_known_hosts');
    await writeFile(empty, '');
    const mark = markLog(sshd);
    const proc = exampleSsh([...withKey(), '-o', `UserKnownHostsFile=${empty}`]);
    expect(await proc.waitForExit(20_000)).toBe(255);
    expect(proc.output()).toMatch(/Host key verification failed\.\n$/);
    expect(await readFile(empty, 'utf8')).toBe('');
    // It never got as far as authentication.
    expect(await countSince(sshd, mark, /userauth-request/m, 1, 300)).toBe(0);
  });

  it('StrictHostKeyChecking=accept-new records the key, and the next run trusts it', async () => {
    const file = join(sshd.dir, 'accept_new_known_hosts');
    await writeFile(file, '');
    const opts = ['-o', `UserKnownHostsFile=${file}`, '-o', 'StrictHostKeyChecking=accept-new'];
    const first = await authenticate([...withKey(), '-o', 'HostKeyAlgorithms=ssh-ed25519', ...opts]);
    expect(first).toMatch(/Permanently added/);
    const recorded = (await readFile(file, 'utf8')).trim().split('\n');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toContain(sshd.knownHostsLines[0].split(' ').slice(1).join(' '));
    // Now with StrictHostKeyChecking=yes: the recorded line alone must be enough.
    const second = await authenticate([...withKey(), '-o', `UserKnownHostsFile=${file}`]);
    expect(parseAuthenticatedMethod(second)).toBe('publickey');
  });

  it('password from SSHPASS (PAM), with PreferredAuthentications=password', async () => {
    const out = await authenticate(['-o', 'PreferredAuthentications=password'], { SSHPASS: TEST_PASSWORD });
    expect(parseAuthenticatedMethod(out)).toBe('password');
  });

  it('keyboard-interactive from SSHPASS (PAM asks for the password)', async () => {
    const out = await authenticate(['-o', 'PreferredAuthentications=keyboard-interactive'], {
      SSHPASS: TEST_PASSWORD,
    });
    expect(parseAuthenticatedMethod(out)).toBe('keyboard-interactive');
  });

  describe('-o KexAlgorithms / HostKeyAlgorithms, -c and -m are honoured', () => {
    const cases: { label: string; args: string[]; expect: Record<string, string | undefined> }[] = [
      {
        label: '-o KexAlgorithms=ecdh-sha2-nistp384 -c aes256-ctr -m hmac-sha2-512',
        args: ['-o', 'KexAlgorithms=ecdh-sha2-nistp384', '-c', 'aes256-ctr', '-m', 'hmac-sha2-512'],
        expect: { kex: 'ecdh-sha2-nistp384', cipher: 'aes256-ctr', mac: 'hmac-sha2-512' },
      },
      {
        label: '-o HostKeyAlgorithms=ecdsa-sha2-nistp256 -c chacha20-poly1305@openssh.com',
        args: ['-o', 'HostKeyAlgorithms=ecdsa-sha2-nistp256', '-c', 'chacha20-poly1305@openssh.com'],
        expect: {
          hostKey: 'ecdsa-sha2-nistp256',
          cipher: 'chacha20-poly1305@openssh.com',
          mac: '<implicit>',
        },
      },
      {
        // OpenSSH list edits: "-" removes from the default list, "^" moves to the front.
        label: '-o KexAlgorithms=-curve25519… -c ^aes192-ctr -m ^hmac-sha2-256',
        args: [
          '-o',
          'KexAlgorithms=-mlkem768x25519-sha256,curve25519-sha256,curve25519-sha256@libssh.org',
          '-c',
          '^aes192-ctr',
          '-m',
          '^hmac-sha2-256',
        ],
        expect: { kex: 'ecdh-sha2-nistp256', cipher: 'aes192-ctr', mac: 'hmac-sha2-256' },
      },
    ];

    it.for(cases)('$label', async (c) => {
      const mark = markLog(sshd);
      const out = await authenticate([...withKey(), ...c.args]);
      const got = parseNegotiated(out);
      expect(got, out).toBeDefined();
      if (c.expect.kex) expect(got!.kex).toBe(c.expect.kex);
      if (c.expect.hostKey) expect(got!.hostKey).toBe(c.expect.hostKey);
      const direction = { cipher: c.expect.cipher, mac: c.expect.mac, compression: 'none' };
      expect(got!.clientToServer).toEqual(direction);
      expect(got!.serverToClient).toEqual(direction);
      // sshd saw the same exchange.
      const mac = (m: string) => (m === '<implicit>' ? undefined : m);
      await waitForAll(
        sshd,
        kexLogLines({
          kex: got!.kex,
          hostKey: got!.hostKey,
          cipherCS: got!.clientToServer.cipher,
          cipherSC: got!.serverToClient.cipher,
          macCS: mac(got!.clientToServer.mac),
          macSC: mac(got!.serverToClient.mac),
          compCS: 'none',
          compSC: 'none',
        }),
      );
      expect(await countSince(sshd, mark, /^debug1: kex: algorithm: /m, 1)).toBe(1);
    });
  });
});
