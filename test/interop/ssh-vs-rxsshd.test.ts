/**
 * The real OpenSSH 9.2 client (`ssh`) against our server, examples/sshd.ts: every algorithm both sides
 * implement, publickey / password / keyboard-interactive logins, strict kex and key re-exchange started by
 * either side. Our server refuses channels until the channel layer lands, so a remote command ends with
 * "channel 0: open failed" and exit 255; what counts here is ssh's own "Authenticated to ... using" line and
 * its account of the negotiation, read from `ssh -v`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIPHERS, defaultPreferences } from '../../src/index.js';
import {
  countKeyExchanges,
  type GeneratedKey,
  generateKey,
  interopSkipReason,
  type KeyKind,
  parseAuthenticatedMethod,
  parseNegotiated,
  parseServerHostKey,
  parseStrictKex,
  type RunSshOptions,
  runSsh,
  sshQueryAlgorithms,
} from './harness/index.js';
import { escapeRegExp, intersect, keyTypeOf, matrixCases } from './support/algorithm-matrix.js';
import { concurrencyLimit } from './support/concurrency.js';
import { type RxsshdInstance, startRxsshd } from './support/example-process.js';

const skipReason = interopSkipReason();
if (skipReason) console.warn(`[interop] ssh-vs-rxsshd skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

/** Our server's logins are its own (--password, --authorized-keys), so no system account is involved. */
const USER = 'rxssh-interop';
const PASSWORD = 'correct horse battery staple';

const openssh = skipReason
  ? { kex: [], cipher: [], mac: [], hostKey: [] }
  : {
      kex: await sshQueryAlgorithms('kex'),
      cipher: await sshQueryAlgorithms('cipher'),
      mac: await sshQueryAlgorithms('mac'),
      hostKey: await sshQueryAlgorithms('HostKeyAlgorithms'),
    };
// examples/sshd.ts offers our default lists (it has no algorithm flags); its host keys give it every default
// host-key algorithm (ssh-rsa with SHA-1 is off unless allowSshRsaSha1, which the example does not set).
const ours = defaultPreferences();
const both = {
  kex: intersect(ours.kex, openssh.kex),
  hostKey: intersect(ours.hostKey, openssh.hostKey),
  cipher: intersect(ours.cipher, openssh.cipher),
  mac: intersect(ours.mac, openssh.mac),
};
const cases = matrixCases(both, (cipher) => CIPHERS[cipher]?.aead === true);

const HOST_KEY_KINDS: KeyKind[] = ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521', 'rsa-3072'];
const USER_KEY_KINDS: KeyKind[] = ['ed25519', 'ecdsa-256', 'rsa-3072'];
const knownHostsLine = (port: number, key: Pick<GeneratedKey, 'keyType' | 'blob'>) =>
  `[127.0.0.1]:${port} ${key.keyType} ${Buffer.from(key.blob).toString('base64')}`;

let dir: string;
const hostKeys = new Map<KeyKind, GeneratedKey>();
const userKeys = new Map<KeyKind, GeneratedKey>();
let strangerKey: GeneratedKey;

beforeAll(async () => {
  if (skipReason) return;
  dir = await mkdtemp(join(tmpdir(), 'rxssh-ssh-vs-rxsshd-'));
  for (const kind of HOST_KEY_KINDS) hostKeys.set(kind, await generateKey(dir, `host_${kind}`, kind));
  for (const kind of USER_KEY_KINDS) userKeys.set(kind, await generateKey(dir, `id_${kind}`, kind));
  strangerKey = await generateKey(dir, 'id_stranger', 'ed25519');
  await writeFile(
    join(dir, 'authorized_keys'),
    [...userKeys.values()].map((k) => `${k.publicLine}\n`).join(''),
  );
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** ssh with a remote command; the run ends on its own once the channel is refused. */
function sshTo(server: RxsshdInstance, knownHosts: readonly string[], opts: Partial<RunSshOptions>) {
  return runSsh({
    port: server.port,
    user: USER,
    knownHostsLines: knownHosts,
    command: 'true',
    timeoutMs: 20_000,
    ...opts,
  });
}

describe.skipIf(skipReason !== undefined)(suiteName('OpenSSH ssh against rxssh examples/sshd.ts'), () => {
  let server: RxsshdInstance;
  let knownHosts: string[];
  const ssh = (opts: Partial<RunSshOptions>) => sshTo(server, knownHosts, opts);
  const withKey = (kind: KeyKind = 'ed25519') => ({ identities: [userKeys.get(kind)!.privatePath] });

  beforeAll(async () => {
    server = await startRxsshd([
      '-v',
      ...[...hostKeys.values()].flatMap((k) => ['--host-key', k.privatePath]),
      '--authorized-keys',
      join(dir, 'authorized_keys'),
      '--password',
      `${USER}:${PASSWORD}`,
      // The server default leaves NIST ECDH out (ssh-audit); the matrix covers every method we implement.
      '--kex-algorithms',
      '+ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521',
    ]);
    knownHosts = [...hostKeys.values()].map((k) => knownHostsLine(server.port, k));
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe('algorithm matrix (forced with -o KexAlgorithms, -o HostKeyAlgorithms, -c, -m)', () => {
    const run = concurrencyLimit(4);

    it('covers what both sides implement', () => {
      expect(both.kex).toEqual(expect.arrayContaining(['curve25519-sha256', 'ecdh-sha2-nistp256']));
      expect(both.hostKey).toEqual([
        'ssh-ed25519',
        'ecdsa-sha2-nistp256',
        'ecdsa-sha2-nistp384',
        'ecdsa-sha2-nistp521',
        'rsa-sha2-512',
        'rsa-sha2-256',
      ]);
      expect(both.cipher).toHaveLength(ours.cipher.length);
      expect(both.mac).toHaveLength(ours.mac.length);
    });

    it.concurrent.for(cases)('$label', async (c, { expect }) => {
      await run(async () => {
        const result = await ssh({
          ...withKey(),
          ...(c.kex && { kexAlgorithms: [c.kex] }),
          ...(c.hostKey && { hostKeyAlgorithms: [c.hostKey] }),
          ...(c.cipher && { ciphers: [c.cipher] }),
          ...(c.mac && { macs: [c.mac] }),
        });
        expect(result.timedOut, result.stderr).toBe(false);
        expect(parseAuthenticatedMethod(result.stderr), result.stderr).toBe('publickey');
        const got = parseNegotiated(result.stderr)!;
        if (c.kex) expect(got.kex).toBe(c.kex);
        if (c.hostKey) {
          expect(got.hostKey).toBe(c.hostKey);
          expect(parseServerHostKey(result.stderr)?.keyType).toBe(keyTypeOf(c.hostKey));
        }
        if (c.cipher) {
          const mac = c.mac ?? '<implicit>';
          expect(got.clientToServer).toEqual({ cipher: c.cipher, mac, compression: 'none' });
          expect(got.serverToClient).toEqual({ cipher: c.cipher, mac, compression: 'none' });
        }
        // Our server's account (-v): "kex: K host key H ciphers C/C macs M/M strict true". Concurrent runs
        // share its log, so the line is found by content; the forced name makes it unique to this case.
        const line = `debug1: kex: ${got.kex} host key ${got.hostKey} ciphers ${got.clientToServer.cipher}/${got.serverToClient.cipher} macs ${got.clientToServer.mac}/${got.serverToClient.mac} strict true`;
        await server.waitFor(new RegExp(`^${escapeRegExp(line)}$`, 'm'), 5_000);
      });
    });
  });

  describe('authentication', () => {
    it.for(USER_KEY_KINDS)('publickey %s', async (kind) => {
      const result = await ssh(withKey(kind));
      expect(parseAuthenticatedMethod(result.stderr), result.stderr).toBe('publickey');
      expect(result.stderr).toMatch(/^debug1: Server accepts key: /m);
    });

    it('password (answered through SSH_ASKPASS)', async () => {
      const result = await ssh({ password: PASSWORD, preferredAuthentications: ['password'] });
      expect(parseAuthenticatedMethod(result.stderr), result.stderr).toBe('password');
    });

    it('keyboard-interactive (one hidden password prompt)', async () => {
      const result = await ssh({ password: PASSWORD, preferredAuthentications: ['keyboard-interactive'] });
      expect(parseAuthenticatedMethod(result.stderr), result.stderr).toBe('keyboard-interactive');
    });

    it('a wrong password fails', async () => {
      const result = await ssh({ password: 'wrong', preferredAuthentications: ['password'] });
      expect(result.code).toBe(255);
      expect(parseAuthenticatedMethod(result.stderr)).toBeUndefined();
      expect(result.stderr).toMatch(/Permission denied \(publickey,password,keyboard-interactive\)/);
    });

    it('a key that is not authorized fails', async () => {
      const result = await ssh({ identities: [strangerKey.privatePath] });
      expect(result.code).toBe(255);
      expect(parseAuthenticatedMethod(result.stderr)).toBeUndefined();
      expect(result.stderr).toMatch(/Permission denied \(publickey,password,keyboard-interactive\)/);
    });

    it('strict kex: announced by both sides and sequence numbers reset at NEWKEYS (ssh -vvv)', async () => {
      const result = await ssh({ ...withKey(), verbosity: 3 });
      expect(parseAuthenticatedMethod(result.stderr), result.stderr).toBe('publickey');
      expect(parseStrictKex(result.stderr)).toEqual({
        announced: true,
        sequenceNumbersReset: true,
        enabled: true,
      });
    });

    it('ssh refuses the server when its host key is not the one in known_hosts', async () => {
      const result = await sshTo(server, [knownHostsLine(server.port, strangerKey)], {
        ...withKey(),
        hostKeyAlgorithms: ['ssh-ed25519'],
      });
      expect(result.code).toBe(255);
      expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
      expect(parseAuthenticatedMethod(result.stderr)).toBeUndefined();
    });
  });

  describe('key re-exchange started by ssh', () => {
    it('RekeyLimit "default 1s" on an idle -N session: ssh rekeys repeatedly and our server follows', async () => {
      const mark = server.output().length;
      // ssh checks its time limit only when a packet moves; ServerAliveInterval makes one move every second.
      const result = await ssh({
        ...withKey(),
        noCommand: true,
        verbosity: 3,
        options: { RekeyLimit: 'default 1s', ServerAliveInterval: '1' },
        timeoutMs: 4_500,
      });
      expect(result.timedOut).toBe(true);
      expect(parseAuthenticatedMethod(result.stderr), result.stderr).toBe('publickey');
      // Each exchange logs "kex: algorithm"; ssh started them (KEXINIT sent before received every time).
      expect(countKeyExchanges(result.stderr)).toBeGreaterThanOrEqual(3);
      const order = [...result.stderr.matchAll(/^debug1: SSH2_MSG_KEXINIT (sent|received)\r?$/gm)].map(
        (m) => m[1],
      );
      expect(order.slice(0, 4)).toEqual(['sent', 'received', 'sent', 'received']);
      expect(result.stderr).not.toMatch(/Connection closed|Disconnected|ssh_dispatch_run_fatal/);
      // Our server's -v log (this is the only connection now): it completed re-exchanges too. ssh was killed
      // at an arbitrary point, possibly mid-exchange, so the counts may differ by the last one.
      const completed = () =>
        server
          .output()
          .slice(mark)
          .match(/^debug1: rekey completed: /gm)?.length ?? 0;
      await server.waitFor(/(?:^debug1: rekey completed: [\s\S]*){2}/m, 2_000);
      expect(completed()).toBeGreaterThanOrEqual(countKeyExchanges(result.stderr) - 2);
      expect(completed()).toBeLessThanOrEqual(countKeyExchanges(result.stderr) - 1);
    });
  });
});

describe.skipIf(skipReason !== undefined)(
  suiteName(
    'OpenSSH ssh against rxssh examples/sshd.ts with an ephemeral host key and --rekey-limit "1K 2s"',
  ),
  () => {
    let server: RxsshdInstance;
    let knownHosts: string[];

    beforeAll(async () => {
      server = await startRxsshd(['-v', '--password', `${USER}:${PASSWORD}`, '--rekey-limit', '1K 2s']);
      // Without --host-key the example makes an ed25519 key and prints its public line on stdout.
      const [, type, base64] = (await server.waitFor(/^Host key: (\S+) (\S+)/m)) as string[];
      knownHosts = [`[127.0.0.1]:${server.port} ${type} ${base64}`];
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('ssh trusts the printed host key', async () => {
      const result = await sshTo(server, knownHosts, {
        password: PASSWORD,
        preferredAuthentications: ['password'],
      });
      expect(parseAuthenticatedMethod(result.stderr), result.stderr).toBe('password');
      expect(result.stderr).toMatch(
        /^debug1: Host '\[127\.0\.0\.1\]:\d+' is known and matches the ED25519 host key\./m,
      );
    });

    it('our server rekeys an idle session (ServerAliveInterval traffic) and ssh follows', async () => {
      const result = await sshTo(server, knownHosts, {
        password: PASSWORD,
        preferredAuthentications: ['password'],
        noCommand: true,
        verbosity: 3,
        options: { ServerAliveInterval: '1' },
        timeoutMs: 5_500,
      });
      expect(result.timedOut).toBe(true);
      expect(parseAuthenticatedMethod(result.stderr), result.stderr).toBe('password');
      expect(countKeyExchanges(result.stderr)).toBeGreaterThanOrEqual(3);
      // After the first exchange, every KEXINIT pair starts with the server's ("received" before "sent").
      const order = [...result.stderr.matchAll(/^debug1: SSH2_MSG_KEXINIT (sent|received)\r?$/gm)].map(
        (m) => m[1],
      );
      expect(order.slice(2, 6)).toEqual(['received', 'sent', 'received', 'sent']);
      expect(result.stderr).not.toMatch(/Connection closed|Disconnected|ssh_dispatch_run_fatal/);
      await server.waitFor(/^debug1: rekey completed: /m, 2_000);
    });
  },
);
