/**
 * A slow reader across a real peer (RFC 4254 §5.2): our client takes 64 MiB from OpenSSH's `head -c` but
 * consumes it in small steps with pauses (manualConsume). What it holds unconsumed, in bytes, never exceeds
 * the window it advertised, so sshd really is held back by the window instead of filling our memory; and a
 * second channel on the same connection completes its own transfer while the first is still far from done
 * (no head-of-line blocking).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConnectOptions,
  channelDuplex,
  execRequest,
  fingerprintSha256,
  parsePrivateKeyFile,
} from '../../src/index.js';
import {
  interopSkipReason,
  makeUserKeys,
  type SshdInstance,
  startSshd,
  TEST_USER,
  type UserKeySet,
} from './harness/index.js';
import {
  ChannelRun,
  execOn,
  KiB,
  MiB,
  openSession,
  parseSha256sum,
  requestOnce,
  withDeadline,
} from './support/channel-run.js';
import { withRxssh } from './support/rxssh-session.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] channels-slow-reader skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

const TOTAL = 64 * MiB;
/** The window the slow channel advertises: the most sshd may have in flight to it. */
const WINDOW = 1 * MiB;
/** The slow consumer takes this much per step and then pauses (a timer turn of at least 1 ms). */
const STEP = 32 * KiB;
const PAUSE_MS = 1;
/** The second channel's transfer, at full speed. */
const FAST = 16 * MiB;
const MAX_PACKET = 32 * KiB;

describe.skipIf(skipReason !== undefined)(suiteName('slow reader against OpenSSH sshd'), () => {
  let sshd: SshdInstance;
  let keys: UserKeySet;
  let options: ConnectOptions;

  beforeAll(async () => {
    keys = await makeUserKeys(['ed25519']);
    sshd = await startSshd({
      usePam: true,
      authorizedKeys: { [TEST_USER]: [keys.get('ed25519').publicLine] },
    });
    options = {
      username: TEST_USER,
      privateKeys: [parsePrivateKeyFile(readFileSync(keys.get('ed25519').privatePath, 'utf8'))],
      verifyHostKey: (info) => sshd.hostKeyBlobs.some((b) => fingerprintSha256(b) === info.fingerprint),
    };
  });

  afterAll(async () => {
    await sshd?.stop();
    await keys?.cleanup();
  });

  it('64 MiB to a slow consumer: unconsumed bytes stay within the window; a second channel finishes meanwhile', async () => {
    await withRxssh(sshd.port, options, async ({ conn }) => {
      const { channel, release } = await openSession(conn, { window: WINDOW });
      try {
        channel.manualConsume = true;
        // What the application holds but has not processed yet: real copies, so the bound is on memory.
        const held: Buffer[] = [];
        let heldBytes = 0;
        let maxHeld = 0;
        let consumed = 0;
        const run = new ChannelRun(channel, {
          onStdout: (d) => {
            held.push(Buffer.from(d));
            heldBytes += d.length;
            maxHeld = Math.max(maxHeld, heldBytes);
          },
        });
        let closed = false;
        run.done.then(
          () => (closed = true),
          () => (closed = true),
        );
        // The slow part: STEP bytes, then a pause, until the channel closed and everything was taken.
        const consuming = (async () => {
          while (!closed || heldBytes > 0) {
            let n = 0;
            while (n < STEP && held.length > 0) {
              const head = held[0];
              const take = Math.min(head.length, STEP - n);
              if (take === head.length) held.shift();
              else held[0] = head.subarray(take);
              n += take;
            }
            heldBytes -= n;
            consumed += n;
            if (n > 0) channel.consume(n);
            await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
          }
        })();

        const command = `f=$(mktemp) && head -c ${TOTAL} /dev/urandom > "$f" && cat "$f" && sha256sum "$f" >&2; s=$?; rm -f "$f"; exit $s`;
        expect(await requestOnce(channel, execRequest(command))).toBe(true);

        // Once the slow channel's window has been used up, a second channel transfers at full speed.
        await withDeadline(
          (async () => {
            while (heldBytes < WINDOW / 2) await new Promise((resolve) => setTimeout(resolve, 5));
          })(),
          30_000,
          'the slow channel filling its window',
        );
        const fast = await execOn(conn, `head -c ${FAST} /dev/zero`, { ms: 30_000 });
        const slowProgressWhenFastDone = consumed + heldBytes;
        expect(fast.stdoutBytes).toBe(FAST);
        expect(fast.exitCode).toBe(0);

        const r = await withDeadline(run.done, 120_000, 'the slow transfer');
        await consuming;
        expect(r.exitCode).toBe(0);
        expect(r.stdoutBytes).toBe(TOTAL);
        expect(r.stdoutSha256).toBe(parseSha256sum(r.stderr));
        expect(consumed).toBe(TOTAL);
        // The bound, in bytes: sshd never had more than our window outstanding, so we never held more.
        expect(maxHeld).toBeLessThanOrEqual(WINDOW);
        // And the reader really was behind (otherwise the bound proves nothing).
        expect(maxHeld).toBeGreaterThanOrEqual(WINDOW / 2);
        // The second channel did not wait for the first: it finished with most of the slow transfer to go.
        expect(slowProgressWhenFastDone).toBeLessThan(TOTAL / 2);
      } finally {
        release();
      }
    });
  });

  it('through the Duplex adapter into a slow Writable: what the stream holds stays within window + buffers', async () => {
    const size = 32 * MiB;
    await withRxssh(sshd.port, options, async ({ conn }) => {
      const { channel, release } = await openSession(conn, { window: WINDOW, maxPacket: MAX_PACKET });
      try {
        const duplex = channelDuplex(channel);
        const hash = createHash('sha256');
        let written = 0;
        let maxReadable = 0;
        let stderr = '';
        duplex.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const exit = new Promise<number | null>((resolve) => duplex.once('exit', (code) => resolve(code)));
        // The slow part: every chunk takes a timer turn.
        const slow = new Writable({
          highWaterMark: 16 * KiB,
          write(chunk: Buffer, _enc, callback) {
            hash.update(chunk);
            written += chunk.length;
            maxReadable = Math.max(maxReadable, duplex.readableLength);
            setTimeout(callback, PAUSE_MS);
          },
        });
        const command = `f=$(mktemp) && head -c ${size} /dev/urandom > "$f" && cat "$f" && sha256sum "$f" >&2; s=$?; rm -f "$f"; exit $s`;
        expect(await requestOnce(channel, execRequest(command))).toBe(true);
        duplex.end(); // no stdin
        await withDeadline(pipeline(duplex, slow), 120_000, 'Duplex into a slow Writable');
        expect(await exit).toBe(0);
        expect(written).toBe(size);
        expect(hash.digest('hex')).toBe(parseSha256sum(stderr));
        // Bytes the window let through but the reader had not taken, plus what push() accepted into the
        // readable buffer (below its high-water mark, one packet over at most).
        expect(maxReadable).toBeLessThanOrEqual(WINDOW + duplex.readableHighWaterMark + MAX_PACKET);
        expect(maxReadable).toBeGreaterThanOrEqual(WINDOW / 2);
      } finally {
        release();
      }
    });
  });
});
