/**
 * The server's delay before an authentication failure reply (RFC 4252 §4 allows it; it slows password
 * guessing): a wrong password, then the right one, succeeds only after the delay has passed in virtual time.
 */
import { map, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from '../../src/testing/index.js';
import { HANDSHAKE, LATENCY_MS, marbleAt, marblePair, testScheduler } from './helpers.js';

const DELAY = 2000;

/** A pair whose client answers the first password prompt wrongly and the second rightly. */
function wrongThenRight(scheduler: ReturnType<typeof testScheduler>, prompts: number[]) {
  const answers = ['wrong', TEST_PASSWORD];
  return marblePair(scheduler, {
    server: { authFailureDelayMs: DELAY },
    client: {
      password: () => {
        prompts.push(scheduler.now());
        return of(answers.shift() ?? null);
      },
    },
  });
}

describe('authentication failure delay', () => {
  it('holds the wrong password’s failure for 2000 ms; the right password then succeeds', () => {
    const prompts: number[] = [];
    let serverAt = -1;
    let clientAt = -1;
    const scheduler = testScheduler();
    scheduler.run(() => {
      const { client$, server$ } = wrongThenRight(scheduler, prompts);
      server$.subscribe(() => {
        serverAt = scheduler.now();
      });
      client$.subscribe(() => {
        clientAt = scheduler.now();
      });
    });
    expect(prompts).toHaveLength(2);
    // Wrong password out (one hop), failure held DELAY at the server, failure back (one hop).
    expect(prompts[1] - prompts[0]).toBe(LATENCY_MS + DELAY + LATENCY_MS);
    // The right password is accepted at once: success one hop after it was sent, seen one hop later.
    expect(serverAt).toBe(prompts[1] + LATENCY_MS);
    expect(clientAt).toBe(prompts[1] + 2 * LATENCY_MS);
  });

  it('without a delay the same exchange takes two hops per attempt (the delay above is the server’s)', () => {
    const prompts: number[] = [];
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const answers = ['wrong', TEST_PASSWORD];
      const { client$, server$ } = marblePair(scheduler, {
        client: {
          password: () => {
            prompts.push(scheduler.now());
            return of(answers.shift() ?? null);
          },
        },
      });
      // HANDSHAKE plus one round trip for the wrong password.
      expectObservable(server$.pipe(map(() => 's'))).toBe(
        marbleAt([HANDSHAKE.serverAuthenticated + 2 * LATENCY_MS, 's']),
      );
      expectObservable(client$.pipe(map(() => 'c'))).toBe(
        marbleAt([HANDSHAKE.clientAuthenticated + 2 * LATENCY_MS, 'c']),
      );
    });
    expect(prompts[1] - prompts[0]).toBe(2 * LATENCY_MS);
  });

  // The reply to the opening `none` request is not delayed (OpenSSH's auth2.c skips `none` when it enforces
  // its minimum failure time), so a login pays the delay only for wrong credentials.
  it('answers the opening `none` at once: success at 2050 ms (server) and 2055 ms (client)', () => {
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = wrongThenRight(scheduler, []);
      // HANDSHAKE's hops up to the wrong password (35 ms), its failure held from 40 ms to 2040 ms, then the
      // right password (2045 ms) and its success (2050 ms), which reaches the client at 2055 ms.
      const serverAt = HANDSHAKE.serverAuthenticated + DELAY + 2 * LATENCY_MS;
      expectObservable(server$.pipe(map(() => 's'))).toBe(marbleAt([serverAt, 's']));
      expectObservable(client$.pipe(map(() => 'c'))).toBe(marbleAt([serverAt + LATENCY_MS, 'c']));
    });
  });
});
