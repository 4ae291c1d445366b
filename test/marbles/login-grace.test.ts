/**
 * Login grace time (OpenSSH LoginGraceTime): a server drops a client that has not authenticated within
 * `loginGraceTimeMs` of the connection's start, whatever the client is stuck on. Both cases below use 1000 ms
 * and observe the timeout at exactly that virtual frame.
 */
import { catchError, map, NEVER, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { allowPassword } from '../../operators/allow-password.js';
import { accept } from '../../src/connection/accept.js';
import { defaultCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { DisconnectReason } from '../../src/errors.js';
import { generateKey } from '../../src/keys/generate-key.js';
import { memoryLink } from '../../src/testing/index.js';
import { defaultPreferences, kexInitLists } from '../../src/transport/algorithms.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { encodeKexInit } from '../../src/wire/transport-messages.js';
import {
  clearTextPacket,
  clearTextPackets,
  concat,
  errorOf,
  LATENCY_MS,
  marbleAt,
  marblePair,
  readDisconnect,
  testScheduler,
} from './helpers.js';

const GRACE_MS = 1000;

describe('login grace time', () => {
  it('drops a peer that sends its identification and KEXINIT and then nothing, at exactly 1000 ms', () => {
    const scheduler = testScheduler();
    const fromServer: { at: number; bytes: Uint8Array }[] = [];
    scheduler.run(({ expectObservable }) => {
      const link = memoryLink({
        scheduler,
        latencyMs: LATENCY_MS,
        tap: (from, bytes) => {
          if (from === 'b') fromServer.push({ at: scheduler.now(), bytes });
          return bytes;
        },
      });
      const crypto = defaultCrypto();
      const hostKey = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('grace/host-key') });
      const server$ = accept(link.b, {
        scheduler,
        crypto,
        random: seededRandom('grace/server'),
        hostKeys: [hostKey],
        auth: allowPassword(() => true),
        loginGraceTimeMs: GRACE_MS,
      });
      // The silent peer: a valid identification line and KEXINIT (RFC 4253 §4.2, §7.1), then silence.
      const kexInit = encodeKexInit({
        cookie: new Uint8Array(16),
        lists: kexInitLists('client', defaultPreferences(), defaultPreferences().hostKey, true, true),
        firstKexPacketFollows: false,
      });
      link.a.write(concat([new TextEncoder().encode('SSH-2.0-silent\r\n'), clearTextPacket(kexInit)]));

      expectObservable(server$.pipe(catchError((e) => of(errorOf(e))))).toBe(`${GRACE_MS}ms (e|)`, {
        e: { name: 'TimeoutError', reason: DisconnectReason.BY_APPLICATION },
      });
      // The silent end's input: the server's first flight one hop after 0, its DISCONNECT and the end of
      // the stream one hop after the deadline.
      expectObservable(link.a.input.pipe(map(() => 'x'))).toBe(
        marbleAt([LATENCY_MS, 'x'], [GRACE_MS + LATENCY_MS, '(x|)']),
      );
    });

    // What the server wrote, all in clear (no keys were ever agreed): its identification and KEXINIT at 0,
    // then at the deadline a DISCONNECT saying why (RFC 4253 §11.1).
    expect(fromServer.map((w) => w.at)).toEqual([0, GRACE_MS]);
    const { identification, payloads } = clearTextPackets(concat(fromServer.map((w) => w.bytes)));
    expect(identification).toMatch(/^SSH-2\.0-/);
    expect(payloads.map((p) => p[0])).toEqual([MSG.KEXINIT, MSG.DISCONNECT]);
    expect(readDisconnect(payloads[1])).toEqual({
      reason: DisconnectReason.BY_APPLICATION,
      description: 'login grace time exceeded',
    });
  });

  it('drops a client whose host-key verifier never answers; the client sees the link close one hop later', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = marblePair(scheduler, {
        client: { verifyHostKey: () => NEVER },
        server: { loginGraceTimeMs: GRACE_MS },
      });
      expectObservable(server$.pipe(catchError((e) => of(errorOf(e))))).toBe(`${GRACE_MS}ms (e|)`, {
        e: { name: 'TimeoutError', reason: DisconnectReason.BY_APPLICATION },
      });
      // The client holds the server's packets unread while its verifier decides (nothing after the host key
      // is processed before the verdict), so the server's DISCONNECT stays unread and the client learns of
      // the end from the closed link.
      expectObservable(client$.pipe(catchError((e) => of(errorOf(e))))).toBe(
        `${GRACE_MS + LATENCY_MS}ms (e|)`,
        { e: { name: 'ConnectionLostError', reason: DisconnectReason.CONNECTION_LOST } },
      );
    });
  });
});
