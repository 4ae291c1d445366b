/**
 * Host-key verification is a gate (RFC 4251 §4.1): a verifier that answers `false`, even late, ends the
 * connection with HostKeyError, and the client never reaches user authentication. Because the client never
 * sent NEWKEYS, everything it wrote is clear text, so the test reads every packet it sent.
 */
import { catchError, ignoreElements, map, of, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DisconnectReason } from '../../src/errors.js';
import { MSG } from '../../src/wire/message-numbers.js';
import {
  clearTextPackets,
  concat,
  errorOf,
  HANDSHAKE,
  LATENCY_MS,
  marbleAt,
  marblePair,
  readDisconnect,
  testScheduler,
} from './helpers.js';

const VERDICT_AFTER = 10;

describe('host-key rejection', () => {
  it('a verifier answering false after 10 ms ends connect() with HostKeyError; no USERAUTH is sent', () => {
    // The verifier is asked when KEX_ECDH_REPLY arrives (15 ms); its verdict comes VERDICT_AFTER later.
    const verdictAt = HANDSHAKE.hostKeyArrives + VERDICT_AFTER;
    const fromClient: { at: number; bytes: Uint8Array }[] = [];
    const asked: number[] = [];
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = marblePair(scheduler, {
        client: {
          verifyHostKey: () => {
            asked.push(scheduler.now());
            return timer(VERDICT_AFTER, scheduler).pipe(map(() => false));
          },
        },
        link: {
          tap: (from, bytes) => {
            if (from === 'a') fromClient.push({ at: scheduler.now(), bytes });
            return bytes;
          },
        },
      });
      expectObservable(client$.pipe(catchError((e) => of(errorOf(e))))).toBe(marbleAt([verdictAt, '(e|)']), {
        e: { name: 'HostKeyError', reason: DisconnectReason.HOST_KEY_NOT_VERIFIABLE },
      });
      // The server learns why from the client's DISCONNECT, one hop later, and never authenticates anyone.
      expectObservable(
        server$.pipe(
          ignoreElements(),
          catchError((e) => of(errorOf(e))),
        ),
      ).toBe(marbleAt([verdictAt + LATENCY_MS, '(e|)']), {
        e: { name: 'PeerDisconnectError', reason: DisconnectReason.HOST_KEY_NOT_VERIFIABLE },
      });
    });

    expect(asked).toEqual([HANDSHAKE.hostKeyArrives]);
    // Identification + KEXINIT at 0, the key-exchange init at 5, and nothing until the verdict: no NEWKEYS,
    // no SERVICE_REQUEST, no USERAUTH_REQUEST; just the DISCONNECT that says why.
    expect(fromClient.map((w) => w.at)).toEqual([0, LATENCY_MS, verdictAt]);
    const { payloads } = clearTextPackets(concat(fromClient.map((w) => w.bytes)));
    const types = payloads.map((p) => p[0]);
    expect(types).toEqual([MSG.KEXINIT, types[1], MSG.DISCONNECT]);
    expect(types[1]).toBeGreaterThanOrEqual(30); // RFC 4250 §4.1.2: 30–49 are key-exchange method messages
    expect(types[1]).toBeLessThan(50);
    expect(types.some((t) => t === MSG.NEWKEYS || t === MSG.SERVICE_REQUEST || t >= 50)).toBe(false);
    expect(readDisconnect(payloads[2])).toEqual({
      reason: DisconnectReason.HOST_KEY_NOT_VERIFIABLE,
      description: 'host key verification failed',
    });
  });

  it('the same exchange with an accepting verifier does send NEWKEYS and USERAUTH (the check above can fail)', () => {
    const sizes: number[] = [];
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = marblePair(scheduler, {
        client: { verifyHostKey: () => timer(VERDICT_AFTER, scheduler).pipe(map(() => true)) },
        link: {
          tap: (from, bytes) => {
            if (from === 'a') sizes.push(bytes.length);
            return bytes;
          },
        },
      });
      // The verdict shifts the rest of HANDSHAKE by VERDICT_AFTER.
      expectObservable(server$.pipe(map(() => 's'))).toBe(
        marbleAt([HANDSHAKE.serverAuthenticated + VERDICT_AFTER, 's']),
      );
      expectObservable(client$.pipe(map(() => 'c'))).toBe(
        marbleAt([HANDSHAKE.clientAuthenticated + VERDICT_AFTER, 'c']),
      );
    });
    // KEXINIT, KEX init, then NEWKEYS + SERVICE_REQUEST, "none", "password": five writes, not three.
    expect(sizes).toHaveLength(5);
  });
});
