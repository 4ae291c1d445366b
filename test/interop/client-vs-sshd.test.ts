/**
 * Our client (`connect()`) against the real OpenSSH 9.2 server: every algorithm both sides implement, every
 * authentication method, host-key refusal, strict kex (the Terrapin countermeasure), delayed compression and
 * key re-exchange started by either side. Each claim is checked twice: on our Connection and in sshd's log.
 */
import { readFileSync } from 'node:fs';
import { firstValueFrom, map, of, race, take, takeUntil, timer, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  CIPHERS,
  type Connection,
  type ConnectOptions,
  defaultPreferences,
  fingerprintSha256,
  HostKeyError,
  type HostKeyVerifier,
  KEX_METHODS,
  MACS,
  type PrivateKey,
  parsePrivateKeyFile,
} from '../../src/index.js';
import {
  generateKey,
  interopSkipReason,
  type KeyKind,
  makeUserKeys,
  runSsh,
  type SshdInstance,
  sshQueryAlgorithms,
  startSshd,
  TEST_PASSWORD,
  TEST_USER,
  type UserKeySet,
} from './harness/index.js';
import { escapeRegExp, intersect, kexLogLines, keyTypeOf, matrixCases } from './support/algorithm-matrix.js';
import { concurrencyLimit } from './support/concurrency.js';
import { openRxssh, SessionFailure, withRxssh } from './support/rxssh-session.js';
import { connectionEndPattern, countSince, logSince, markLog, waitForAll } from './support/sshd-log.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] client-vs-sshd skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

// What this OpenSSH build implements (sshd and ssh come from the same build, so `ssh -Q` speaks for both).
const openssh = skipReason
  ? { kex: [], cipher: [], mac: [], hostKey: [] }
  : {
      kex: await sshQueryAlgorithms('kex'),
      cipher: await sshQueryAlgorithms('cipher'),
      mac: await sshQueryAlgorithms('mac'),
      hostKey: await sshQueryAlgorithms('HostKeyAlgorithms'),
    };

// Everything we implement, not just what we offer by default: the SHA-1 kex methods, ssh-rsa host keys and
// SHA-1 MACs must work when a caller asks for them. sshd is configured below to enable the same legacy names.
const both = {
  kex: intersect(Object.keys(KEX_METHODS), openssh.kex),
  hostKey: intersect([...defaultPreferences().hostKey, 'ssh-rsa'], openssh.hostKey),
  cipher: intersect(Object.keys(CIPHERS), openssh.cipher),
  mac: intersect(Object.keys(MACS), openssh.mac),
};
const isAead = (cipher: string) => CIPHERS[cipher]?.aead === true;
const cases = matrixCases(both, isAead);

const HOST_KEY_KINDS: KeyKind[] = ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521', 'rsa-3072'];
const USER_KEY_KINDS: KeyKind[] = ['ed25519', 'ecdsa-256', 'ecdsa-384', 'ecdsa-521', 'rsa-3072'];
/** sshd's log abbreviations in "Accepted publickey ... ED25519 SHA256:..." (sshkey_type()). */
const SSHD_KEY_LABEL: Record<KeyKind, string> = {
  ed25519: 'ED25519',
  'ecdsa-256': 'ECDSA',
  'ecdsa-384': 'ECDSA',
  'ecdsa-521': 'ECDSA',
  'rsa-3072': 'RSA',
};
const LOG_LIMIT = 16 * 1024 * 1024;

let userKeys: UserKeySet;
const privateKeys = new Map<KeyKind, PrivateKey>();
const key = (kind: KeyKind) => privateKeys.get(kind)!;

/** Accepts exactly the host keys this sshd was started with (what a known_hosts file would say). */
function trustSshd(sshd: SshdInstance, seen?: { algorithm: string; keyType: string }[]): HostKeyVerifier {
  return (info) => {
    seen?.push({ algorithm: info.algorithm, keyType: info.key.type });
    return sshd.hostKeyBlobs.some((b) => fingerprintSha256(b) === info.fingerprint);
  };
}

async function expectFailure(promise: Promise<unknown>): Promise<SessionFailure> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(outcome, 'the connection should have failed').toBeInstanceOf(SessionFailure);
  return outcome as SessionFailure;
}

describe.skipIf(skipReason !== undefined)(suiteName('rxssh client against OpenSSH sshd'), () => {
  let sshd: SshdInstance;
  const base = (): ConnectOptions => ({ username: TEST_USER, verifyHostKey: trustSshd(sshd) });

  beforeAll(async () => {
    userKeys = await makeUserKeys(USER_KEY_KINDS);
    for (const kind of USER_KEY_KINDS) {
      privateKeys.set(kind, parsePrivateKeyFile(readFileSync(userKeys.get(kind).privatePath, 'utf8')));
    }
    sshd = await startSshd({
      usePam: true,
      hostKeyKinds: HOST_KEY_KINDS,
      authorizedKeys: { [TEST_USER]: [...userKeys.keys.values()].map((k) => k.publicLine) },
      // Everything this build implements, legacy included (diffie-hellman-group1-sha1, ssh-rsa, hmac-sha1).
      kexAlgorithms: openssh.kex,
      ciphers: openssh.cipher,
      macs: openssh.mac,
      hostKeyAlgorithms: openssh.hostKey,
      logLimit: LOG_LIMIT,
    });
  });

  afterAll(async () => {
    await sshd?.stop();
    await userKeys?.cleanup();
  });

  describe('algorithm matrix (each forced as a single-entry list)', () => {
    const run = concurrencyLimit(4);

    it('covers the algorithms both sides implement, legacy ones included', () => {
      expect(both.kex).toEqual(expect.arrayContaining(['curve25519-sha256', 'diffie-hellman-group14-sha1']));
      // OpenSSH 9.2 still implements group1 (only its default list dropped it); it is tested when present.
      expect(both.kex.includes('diffie-hellman-group1-sha1')).toBe(
        openssh.kex.includes('diffie-hellman-group1-sha1'),
      );
      expect(both.hostKey).toEqual([
        'ssh-ed25519',
        'ecdsa-sha2-nistp256',
        'ecdsa-sha2-nistp384',
        'ecdsa-sha2-nistp521',
        'rsa-sha2-512',
        'rsa-sha2-256',
        'ssh-rsa',
      ]);
      expect(both.cipher).toHaveLength(Object.keys(CIPHERS).length);
      expect(both.mac).toHaveLength(Object.keys(MACS).length);
    });

    it.concurrent.for(cases)('$label', async (c, { expect }) => {
      await run(async () => {
        const presented: { algorithm: string; keyType: string }[] = [];
        const options: ConnectOptions = {
          ...base(),
          verifyHostKey: trustSshd(sshd, presented),
          privateKeys: [key('ed25519')],
          algorithms: {
            ...(c.kex && { kex: [c.kex] }),
            ...(c.hostKey && { hostKey: [c.hostKey] }),
            ...(c.cipher && { cipher: [c.cipher] }),
            ...(c.mac && { mac: [c.mac] }),
          },
        };
        await withRxssh(sshd.port, options, async ({ conn }) => {
          const got = conn.algorithms;
          if (c.kex) expect(got.kex).toBe(c.kex);
          if (c.hostKey) {
            expect(got.hostKey).toBe(c.hostKey);
            expect(presented).toEqual([{ algorithm: c.hostKey, keyType: keyTypeOf(c.hostKey) }]);
          }
          if (c.cipher) {
            expect([got.cipherCS, got.cipherSC]).toEqual([c.cipher, c.cipher]);
            expect([got.macCS, got.macSC]).toEqual([c.mac, c.mac]);
          }
          expect(conn.authMethod).toBe('publickey');
          // sshd's own account of the same exchange. Concurrent connections share the log, so each line is
          // matched on its own; the forced name makes the line unique to this case.
          await waitForAll(sshd, kexLogLines(got));
        });
      });
    });
  });

  describe('authentication', () => {
    it('password (PAM)', async () => {
      await withRxssh(
        sshd.port,
        { ...base(), password: TEST_PASSWORD, authMethods: ['password'] },
        async ({ conn, localPort }) => {
          expect(conn.authMethod).toBe('password');
          expect(conn.username).toBe(TEST_USER);
          await sshd.waitForLog(
            new RegExp(`^Accepted password for ${TEST_USER} from 127\\.0\\.0\\.1 port ${localPort} `, 'm'),
          );
        },
      );
    });

    it('keyboard-interactive (PAM asks for the password)', async () => {
      const prompts: string[] = [];
      await withRxssh(
        sshd.port,
        {
          ...base(),
          authMethods: ['keyboard-interactive'],
          keyboardInteractive: (challenge) => {
            prompts.push(...challenge.prompts.map((p) => p.prompt));
            return challenge.prompts.map(() => TEST_PASSWORD);
          },
        },
        async ({ conn, localPort }) => {
          expect(conn.authMethod).toBe('keyboard-interactive');
          expect(prompts).toEqual([expect.stringMatching(/password/i)]);
          await sshd.waitForLog(
            new RegExp(
              `^Accepted keyboard-interactive/pam for ${TEST_USER} from 127\\.0\\.0\\.1 port ${localPort} `,
              'm',
            ),
          );
        },
      );
    });

    const signatureAlgorithm: Record<KeyKind, string> = {
      ed25519: 'ssh-ed25519',
      'ecdsa-256': 'ecdsa-sha2-nistp256',
      'ecdsa-384': 'ecdsa-sha2-nistp384',
      'ecdsa-521': 'ecdsa-sha2-nistp521',
      // RFC 8332 §3.3 / RFC 8308 §3.1: server-sig-algs lists rsa-sha2-512 first, and we prefer it.
      'rsa-3072': 'rsa-sha2-512',
    };
    it.for(USER_KEY_KINDS)('publickey %s', async (kind) => {
      // A key held here signs its first request (no query round trip): the algorithm is seen as it signs.
      const signedWith: string[] = [];
      const k = key(kind);
      const recording: PrivateKey = Object.create(k, {
        sign: {
          value: (...args: Parameters<PrivateKey['sign']>) => {
            signedWith.push(args[2] ?? '');
            return k.sign(...args);
          },
        },
      });
      await withRxssh(
        sshd.port,
        { ...base(), privateKeys: [recording], authMethods: ['publickey'] },
        async ({ conn, localPort }) => {
          expect(conn.authMethod).toBe('publickey');
          const fp = escapeRegExp(fingerprintSha256(userKeys.get(kind).blob));
          await sshd.waitForLog(
            new RegExp(
              `^Accepted publickey for ${TEST_USER} from 127\\.0\\.0\\.1 port ${localPort} ssh2: ${SSHD_KEY_LABEL[kind]} ${fp}`,
              'm',
            ),
          );
          expect(signedWith).toEqual([signatureAlgorithm[kind]]);
        },
      );
    });

    it('wrong password → AuthError with the methods that can continue', async () => {
      let asked = 0;
      const failure = await expectFailure(
        openRxssh(sshd.port, {
          ...base(),
          // With a plain string connect() answers up to 3 prompts with the same wrong password (3 PAM failures,
          // ~2 s each); a function that gives up after one answer keeps this to a single attempt.
          password: () => of(asked++ === 0 ? 'not-the-password' : null),
          authMethods: ['password'],
        }),
      );
      expect(asked).toBe(2);
      expect(failure.cause).toBeInstanceOf(AuthError);
      expect((failure.cause as AuthError).methodsLeft).toEqual(
        expect.arrayContaining(['publickey', 'password', 'keyboard-interactive']),
      );
      const failed = new RegExp(
        `^Failed password for ${TEST_USER} from 127\\.0\\.0\\.1 port ${failure.localPort} `,
        'gm',
      );
      await sshd.waitForLog(connectionEndPattern(failure.localPort));
      expect(sshd.logs().match(failed)).toHaveLength(1);
    });

    it('a key that is not in authorized_keys → AuthError', async () => {
      const stranger = await generateKey(userKeys.dir, 'id_stranger', 'ed25519');
      const strangerKey = parsePrivateKeyFile(readFileSync(stranger.privatePath, 'utf8'));
      const failure = await expectFailure(
        openRxssh(sshd.port, { ...base(), privateKeys: [strangerKey], authMethods: ['publickey'] }),
      );
      expect(failure.cause).toBeInstanceOf(AuthError);
      expect((failure.cause as AuthError).methodsLeft).toContain('publickey');
      await sshd.waitForLog(connectionEndPattern(failure.localPort));
      expect(sshd.logs()).not.toMatch(
        new RegExp(`^Accepted \\S+ for ${TEST_USER} from 127\\.0\\.0\\.1 port ${failure.localPort} `, 'm'),
      );
    });

    it('a host key verifier answering false → HostKeyError, and no userauth request reaches sshd', async () => {
      // A user name of its own, so this connection's userauth lines (if any) cannot be confused with others.
      const username = 'rxssh-refused-host';
      let asked = 0;
      const failure = await expectFailure(
        openRxssh(sshd.port, {
          username,
          password: TEST_PASSWORD,
          privateKeys: [key('ed25519')],
          verifyHostKey: () => {
            asked++;
            return false;
          },
        }),
      );
      expect(failure.cause).toBeInstanceOf(HostKeyError);
      expect(asked).toBe(1);
      await sshd.waitForLog(connectionEndPattern(failure.localPort));
      expect(sshd.logs()).not.toMatch(new RegExp(`userauth-request for (?:invalid )?user ${username}\\b`));
      expect(sshd.logs()).not.toMatch(new RegExp(`Invalid user ${username}\\b`));
    });

    it('strict kex is on: our Connection says so and sshd reset both sequence numbers at NEWKEYS', async () => {
      const mark = markLog(sshd);
      await withRxssh(sshd.port, { ...base(), privateKeys: [key('ed25519')] }, async ({ conn }) => {
        expect(conn.strictKex).toBe(true);
        // OpenSSH PROTOCOL §1.9: with kex-strict the sequence numbers restart at NEWKEYS (3 packets in).
        expect(await countSince(sshd, mark, /resetting send seqnr 3 \[preauth\]/m, 1)).toBe(1);
        expect(await countSince(sshd, mark, /resetting read seqnr 3 \[preauth\]/m, 1)).toBe(1);
      });
    });

    it('strict kex off (our option) → sshd keeps counting, proving the check above can fail', async () => {
      const mark = markLog(sshd);
      await withRxssh(
        sshd.port,
        { ...base(), privateKeys: [key('ed25519')], strictKex: false },
        async ({ conn, localPort }) => {
          expect(conn.strictKex).toBe(false);
          await sshd.waitForLog(
            new RegExp(`^Accepted publickey for ${TEST_USER} from 127\\.0\\.0\\.1 port ${localPort} `, 'm'),
          );
          expect(await countSince(sshd, mark, /resetting (?:send|read) seqnr/m, 1, 500)).toBe(0);
        },
      );
    });
  });

  describe('delayed compression (zlib@openssh.com)', () => {
    const zlibOnly = () => ({
      ...base(),
      privateKeys: [key('ed25519')],
      algorithms: { compression: ['zlib@openssh.com'] },
    });

    it('is negotiated and starts after authentication', async () => {
      await withRxssh(sshd.port, zlibOnly(), async ({ conn }) => {
        expect([conn.algorithms.compCS, conn.algorithms.compSC]).toEqual([
          'zlib@openssh.com',
          'zlib@openssh.com',
        ]);
        await waitForAll(sshd, kexLogLines(conn.algorithms));
        // Both of sshd's directions switch on at USERAUTH_SUCCESS (its privsep child logs it once more).
        await sshd.waitForLog(/^debug1: Enabling compression at level 6\.\r?$/m);
        // Compressed packets both ways: our global request, sshd's reply, several times over one stream.
        for (let i = 0; i < 3; i++) await expectReply(conn);
      });
    });

    // RFC 4253 §6.2: "the compression context is initialized after each key exchange"; OpenSSH restarts both
    // zlib streams at every NEWKEYS (sshd logs "Enabling compression at level 6." again after the rekey).
    it('survives a rekey (zlib streams restart at NEWKEYS)', async () => {
      await withRxssh(sshd.port, zlibOnly(), async ({ conn }) => {
        await expectReply(conn);
        await rekeyOnce(conn);
        expect(conn.algorithms.compCS).toBe('zlib@openssh.com');
        await expectReply(conn);
      });
    });
  });

  // The group-exchange modPow cost (an unknown prime must not go through OpenSSL's DH_check) is covered
  // without timing in test/crypto/mod-pow.test.ts.

  describe('key re-exchange', () => {
    it('20 client-initiated rekeys in a row, each followed by a working request', async () => {
      await withRxssh(
        sshd.port,
        { ...base(), privateKeys: [key('ed25519')] },
        async ({ conn, localPort }) => {
          const mark = markLog(sshd);
          const first = conn.sessionId.slice();
          for (let i = 0; i < 20; i++) {
            await rekeyOnce(conn);
            await expectReply(conn);
          }
          // RFC 4253 §7.2: the session id stays the one from the first exchange.
          expect(conn.sessionId).toEqual(first);
          // Post-auth lines carry no "[preauth]" suffix, so only this connection's rekeys are counted.
          expect(await countSince(sshd, mark, /^debug1: SSH2_MSG_KEXINIT received\r?$/m, 20)).toBe(20);
          expect(await countSince(sshd, mark, /^debug1: SSH2_MSG_NEWKEYS received\r?$/m, 20)).toBe(20);
          expect(logSince(sshd, mark)).not.toMatch(new RegExp(`port ${localPort}.*(?:error|fatal)`, 'i'));
        },
      );
    }, 60_000);
  });
});

// OpenSSH 9.2's server-sig-algs lists every algorithm sshd implements, not its PubkeyAcceptedAlgorithms
// (kex.c kex_send_ext_info: "XXX filter algs list by allowed pubkey/hostbased types"). A client following
// RFC 8332 §3.3 therefore picks rsa-sha2-512 and is refused; ssh(1) fails the same way. We cannot force
// rsa-sha2-256 from our side either: ConnectOptions has no PubkeyAcceptedAlgorithms equivalent.
describe.skipIf(skipReason !== undefined)(
  suiteName('rxssh client against sshd with PubkeyAcceptedAlgorithms rsa-sha2-256'),
  () => {
    let sshd: SshdInstance;
    let rsaKeys: UserKeySet;
    beforeAll(async () => {
      rsaKeys = await makeUserKeys(['rsa-3072']);
      sshd = await startSshd({
        usePam: true,
        hostKeyKinds: ['ed25519'],
        authorizedKeys: { [TEST_USER]: [rsaKeys.get('rsa-3072').publicLine] },
        pubkeyAcceptedAlgorithms: ['rsa-sha2-256'],
      });
    });
    afterAll(async () => {
      await sshd?.stop();
      await rsaKeys?.cleanup();
    });

    it('follows server-sig-algs to rsa-sha2-512 and is refused exactly like ssh(1)', async () => {
      const rsa = rsaKeys.get('rsa-3072');
      const failure = await expectFailure(
        openRxssh(sshd.port, {
          username: TEST_USER,
          verifyHostKey: trustSshd(sshd),
          privateKeys: [parsePrivateKeyFile(readFileSync(rsa.privatePath, 'utf8'))],
          authMethods: ['publickey'],
        }),
      );
      expect(failure.cause).toBeInstanceOf(AuthError);
      await sshd.waitForLog(connectionEndPattern(failure.localPort));
      const refusals = () =>
        sshd.logs().match(/signature algorithm rsa-sha2-512 not in PubkeyAcceptedAlgorithms/g)?.length ?? 0;
      expect(refusals()).toBe(1);

      const ssh = await runSsh({
        port: sshd.port,
        user: TEST_USER,
        knownHostsPath: sshd.knownHostsPath,
        identities: [rsa.privatePath],
        command: 'true',
      });
      expect(ssh.code).toBe(255);
      expect(ssh.stderr).toMatch(/server-sig-algs=<[^>]*rsa-sha2-512/);
      await sshd.waitForLog(/(?:[\s\S]*signature algorithm rsa-sha2-512 not in PubkeyAcceptedAlgorithms){2}/);
      expect(refusals()).toBe(2);
    });
  },
);

describe.skipIf(skipReason !== undefined)(
  suiteName('rxssh client against sshd that rekeys every 2 s'),
  () => {
    let sshd: SshdInstance;
    let keys: UserKeySet;
    beforeAll(async () => {
      keys = await makeUserKeys(['ed25519']);
      sshd = await startSshd({
        usePam: true,
        hostKeyKinds: ['ed25519'],
        authorizedKeys: { [TEST_USER]: [keys.get('ed25519').publicLine] },
        // Time-based rekeying runs from sshd's main loop even on an idle connection; the client-alive probes
        // (keepalive@openssh.com, want-reply) also check that we answer global requests while idle.
        rekeyLimit: 'default 2s',
        extraConfig: ['ClientAliveInterval 1', 'ClientAliveCountMax 3'],
        logLimit: LOG_LIMIT,
      });
    });
    afterAll(async () => {
      await sshd?.stop();
      await keys?.cleanup();
    });

    it('follows server-initiated rekeys on an idle connection and stays usable', async () => {
      const ed = parsePrivateKeyFile(readFileSync(keys.get('ed25519').privatePath, 'utf8'));
      await withRxssh(
        sshd.port,
        { username: TEST_USER, verifyHostKey: trustSshd(sshd), privateKeys: [ed] },
        async ({ conn }) => {
          const mark = markLog(sshd);
          // We never call rekey() and our own limits are the defaults (no time limit), so every rekey$ here
          // was started by sshd.
          const rekeys = await firstValueFrom(conn.rekey$.pipe(takeUntil(timer(5_500)), toArray()));
          expect(rekeys.length).toBeGreaterThanOrEqual(2);
          expect(conn.closed).toBe(false);
          const post = logSince(sshd, mark);
          // Every post-auth exchange began with sshd's KEXINIT ("sent" before "received").
          const order = [...post.matchAll(/^debug1: SSH2_MSG_KEXINIT (sent|received)\r?$/gm)].map(
            (m) => m[1],
          );
          expect(order.length).toBe(2 * rekeys.length);
          expect(order).toEqual(rekeys.flatMap(() => ['sent', 'received']));
          expect(post).not.toMatch(/Timeout, client not responding/);
          await expectReply(conn);
        },
      );
    }, 30_000);
  },
);

/** Starts a rekey and waits for it to complete (rekey$ is hot: subscribe first). */
async function rekeyOnce(conn: Connection): Promise<void> {
  const done = firstValueFrom(conn.rekey$.pipe(take(1)));
  conn.rekey();
  await done;
}

/**
 * Sends a global request with want-reply; sshd answers REQUEST_FAILURE for names it does not know.
 * Raced against disconnect$ and a timer: a request pending when the connection ends is never answered
 * (Connection.globalRequest neither errors nor completes then), and the test should say why at once.
 */
async function expectReply(conn: Connection): Promise<void> {
  const reply = await firstValueFrom(
    race(
      conn.globalRequest('keepalive@openssh.com'),
      conn.disconnect$.pipe(
        map((d) => {
          throw new Error(`connection ended while waiting for a global reply: ${d.description}`);
        }),
      ),
      timer(10_000).pipe(
        map(() => {
          throw new Error('no reply to a global request within 10 s');
        }),
      ),
    ),
  );
  expect(reply.ok).toBe(false);
}
