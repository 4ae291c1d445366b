/**
 * Channel data across many key re-exchanges (RFC 4253 §9) with the real OpenSSH 9.2 server: both sides
 * rekey every MiB (our `rekey: { bytes: 1 << 20 }`, sshd's `RekeyLimit 1M`), so a 64 MiB transfer crosses
 * dozens of exchanges started by either side, and channel data queued during each one must come out intact
 * and in order. This file has its own sshd because RekeyLimit applies to every connection it serves.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectOptions, fingerprintSha256, parsePrivateKeyFile } from '../../src/index.js';
import {
  interopSkipReason,
  makeUserKeys,
  type SshdInstance,
  startSshd,
  TEST_USER,
  type UserKeySet,
} from './harness/index.js';
import { chunksOf, execOn, MiB, parseSha256sum, sha256Hex } from './support/channel-run.js';
import { withRxssh } from './support/rxssh-session.js';
import { countSince, markLog } from './support/sshd-log.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] channels-rekey skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

const BIG = 64 * MiB;
const REKEY_BYTES = 1 << 20;
/**
 * At least this many re-exchanges per 64 MiB: one per MiB would be 64; data queued while an exchange runs
 * stretches some intervals, so half of that is the floor that still proves "many".
 */
const MIN_REKEYS = 32;

describe.skipIf(skipReason !== undefined)(suiteName('channel transfers across rekeys (OpenSSH sshd)'), () => {
  let sshd: SshdInstance;
  let keys: UserKeySet;
  let options: ConnectOptions;

  beforeAll(async () => {
    keys = await makeUserKeys(['ed25519']);
    sshd = await startSshd({
      usePam: true,
      authorizedKeys: { [TEST_USER]: [keys.get('ed25519').publicLine] },
      rekeyLimit: '1M',
      logLimit: 16 * MiB,
    });
    options = {
      username: TEST_USER,
      privateKeys: [parsePrivateKeyFile(readFileSync(keys.get('ed25519').privatePath, 'utf8'))],
      verifyHostKey: (info) => sshd.hostKeyBlobs.some((b) => fingerprintSha256(b) === info.fingerprint),
      rekey: { bytes: REKEY_BYTES },
    };
  });

  afterAll(async () => {
    await sshd?.stop();
    await keys?.cleanup();
  });

  it('64 MiB upload with rekey every MiB: sshd-side sha256sum matches, rekey$ fires many times', async () => {
    const payload = randomBytes(BIG);
    await withRxssh(sshd.port, options, async ({ conn }) => {
      let rekeys = 0;
      const counting = conn.rekey$.subscribe(() => rekeys++);
      const mark = markLog(sshd);
      try {
        const r = await execOn(conn, 'sha256sum', { stdin: chunksOf(payload), ms: 120_000 });
        expect(r.exitCode).toBe(0);
        expect(parseSha256sum(r.stdout)).toBe(sha256Hex(payload));
        expect(rekeys).toBeGreaterThanOrEqual(MIN_REKEYS);
        // sshd's count of the same exchanges (kex.c logs each NEWKEYS it receives at DEBUG1).
        expect(await countSince(sshd, mark, /SSH2_MSG_NEWKEYS received/, MIN_REKEYS)).toBeGreaterThanOrEqual(
          MIN_REKEYS,
        );
        expect(conn.closed).toBe(false);
      } finally {
        counting.unsubscribe();
      }
    });
  });

  it('64 MiB download with rekey every MiB: our sha256 matches the file sshd sent', async () => {
    await withRxssh(sshd.port, options, async ({ conn }) => {
      let rekeys = 0;
      const counting = conn.rekey$.subscribe(() => rekeys++);
      try {
        const r = await execOn(
          conn,
          `f=$(mktemp) && head -c ${BIG} /dev/urandom > "$f" && cat "$f" && sha256sum "$f" >&2; s=$?; rm -f "$f"; exit $s`,
          { ms: 120_000 },
        );
        expect(r.exitCode).toBe(0);
        expect(r.stdoutBytes).toBe(BIG);
        expect(r.stdoutSha256).toBe(parseSha256sum(r.stderr));
        expect(rekeys).toBeGreaterThanOrEqual(MIN_REKEYS);
      } finally {
        counting.unsubscribe();
      }
    });
  });
});
