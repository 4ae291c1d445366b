/**
 * OpenSSH host-key rotation (PROTOCOL §2.5) against real OpenSSH both ways: our client learns and proves
 * sshd's extra host keys (hostKeys$), and `ssh -o UpdateHostKeys=yes` learns ours into its known_hosts file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, type Subscription, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptSessions, allowPassword } from '../../operators/index.js';
import { acceptHostKey } from '../../src/connection/host-key-verifier.js';
import { listenTcp, type PrivateKey, parsePrivateKeyFile, serve } from '../../src/index.js';
import {
  type GeneratedKey,
  generateKey,
  interopSkipReason,
  LOOPBACK,
  runSsh,
  type SshdInstance,
  startSshd,
  TEST_USER,
} from './harness/index.js';
import { openRxssh } from './support/rxssh-session.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] hostkeys skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

const hex = (blobs: readonly Uint8Array[]) => blobs.map((b) => Buffer.from(b).toString('hex')).sort();

let dir: string;
let userKey: GeneratedKey;
beforeAll(async () => {
  if (skipReason) return;
  dir = await mkdtemp(join(tmpdir(), 'rxssh-hostkeys-'));
  userKey = await generateKey(dir, 'id_ed25519', 'ed25519');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!!skipReason)(suiteName('our client learns sshd host keys (hostkeys-00)'), () => {
  let sshd: SshdInstance;
  beforeAll(async () => {
    sshd = await startSshd({
      hostKeyKinds: ['ed25519', 'ecdsa-256', 'rsa-3072'],
      authorizedKeys: { [TEST_USER]: [userKey.publicLine] },
    });
  }, 120_000);
  afterAll(async () => {
    await sshd?.stop();
  });

  it('proves the keys it did not know, and hostKeys$ emits all of them', async () => {
    const privateKey = parsePrivateKeyFile(await readFile(userKey.privatePath, 'utf8'));
    const ed = sshd.hostKeys.find((k) => k.kind === 'ed25519')!;
    const session = await openRxssh(sshd.port, {
      username: TEST_USER,
      privateKeys: [privateKey],
      algorithms: { hostKey: ['ssh-ed25519'] },
      verifyHostKey: acceptHostKey(ed.blob),
    });
    try {
      const update = await firstValueFrom(session.conn.hostKeys$.pipe(timeout(10_000)));
      expect(hex(update.keys.map((k) => k.blob))).toEqual(hex(sshd.hostKeyBlobs));
      const others = sshd.hostKeys.filter((k) => k.kind !== 'ed25519').map((k) => k.blob);
      expect(hex(update.proven.map((k) => k.blob))).toEqual(hex(others));
    } finally {
      session.close();
    }
  });
});

describe.skipIf(!!skipReason)(suiteName('ssh -o UpdateHostKeys=yes learns our host keys'), () => {
  const USER = 'rxssh-interop';
  const PASSWORD = 'correct horse battery staple';
  let keys: GeneratedKey[];
  let port: number;
  let server: Subscription;

  beforeAll(async () => {
    keys = [
      await generateKey(dir, 'host_ed25519', 'ed25519'),
      await generateKey(dir, 'host_ecdsa', 'ecdsa-256'),
      await generateKey(dir, 'host_rsa', 'rsa-3072'),
    ];
    const hostKeys: PrivateKey[] = [];
    for (const k of keys) hostKeys.push(parsePrivateKeyFile(await readFile(k.privatePath, 'utf8')));
    const listening = new Promise<number>((resolve) => {
      const incoming = listenTcp({ host: LOOPBACK, port: 0 }, (a: AddressInfo) => resolve(a.port));
      server = serve(incoming, {
        hostKeys,
        auth: allowPassword((u, p) => u === USER && p === PASSWORD),
        authFailureDelayMs: 0,
      })
        .pipe(acceptSessions())
        .subscribe(({ channel }) =>
          channel.subscribe((msg) => {
            if (msg.type !== 'request' || msg.request.type !== 'exec') return;
            msg.reply(true);
            // Linger so ssh has answered hostkeys-00 before the session (and ssh) ends.
            setTimeout(() => {
              channel.request({ type: 'exit-status', status: 0 }, false).subscribe();
              channel.complete();
              channel.close();
            }, 500);
          }),
        );
    });
    port = await listening;
  }, 120_000);
  afterAll(() => server?.unsubscribe());

  it('adds our other host keys to the known_hosts file it connected with', async () => {
    const knownHosts = join(dir, 'known_hosts');
    const line = (k: GeneratedKey) =>
      `[${LOOPBACK}]:${port} ${k.keyType} ${Buffer.from(k.blob).toString('base64')}`;
    await writeFile(knownHosts, `${line(keys[0])}\n`);
    const result = await runSsh({
      port,
      user: USER,
      password: PASSWORD,
      preferredAuthentications: ['password'],
      knownHostsPath: knownHosts,
      options: { UpdateHostKeys: 'yes' },
      command: 'true',
    });
    expect(result.code, result.stderr).toBe(0);
    const text = await readFile(knownHosts, 'utf8');
    for (const k of keys) expect(text, result.stderr).toContain(Buffer.from(k.blob).toString('base64'));
  });
});
