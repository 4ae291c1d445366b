/**
 * A whole client↔server handshake in virtual time: the Connection appears at the frame the round trips
 * predict (HANDSHAKE in helpers.ts walks through them hop by hop), and the same seeds give the same bytes.
 */
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { concat, HANDSHAKE, LATENCY_MS, marbleAt, marblePair, testScheduler } from './helpers.js';

/** Runs one handshake to completion and returns every chunk each end wrote. */
function recordHandshake(seed: string) {
  const scheduler = testScheduler();
  const wrote = { a: [] as Uint8Array[], b: [] as Uint8Array[] };
  const frames: string[] = [];
  let written = { a: 0, b: 0 };
  scheduler.run(({ expectObservable }) => {
    const pair = marblePair(scheduler, {
      seed,
      link: {
        tap: (from, bytes) => {
          wrote[from].push(bytes);
          frames.push(`${scheduler.now()} ${from} ${bytes.length}`);
          return bytes;
        },
      },
    });
    expectObservable(pair.server$.pipe(map((c) => c.username))).toBe(
      marbleAt([HANDSHAKE.serverAuthenticated, 'u']),
      { u: 'alice' },
    );
    expectObservable(pair.client$.pipe(map((c) => c.authMethod))).toBe(
      marbleAt([HANDSHAKE.clientAuthenticated, 'm']),
      { m: 'password' },
    );
    scheduler.schedule(() => {
      written = { ...pair.link.written };
    }, 1000);
  });
  return { wrote, written, frames };
}

describe('handshake in virtual time', () => {
  it('emits the client Connection after nine one-way hops (45 ms at 5 ms latency)', () => {
    // Nine hops of LATENCY_MS: identification+KEXINIT, ECDH init, ECDH reply+NEWKEYS, NEWKEYS+service
    // request, service accept, "none", failure, password, success (see HANDSHAKE in helpers.ts).
    expect(HANDSHAKE.clientAuthenticated).toBe(9 * LATENCY_MS);
    const scheduler = testScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client$, server$ } = marblePair(scheduler);
      expectObservable(server$.pipe(map((c) => c.authMethod))).toBe('40ms s', { s: 'password' });
      expectObservable(client$.pipe(map((c) => c.authMethod))).toBe('45ms c', { c: 'password' });
    });
  });

  it('writes the same bytes, at the same frames, in two runs with the same seed', () => {
    const first = recordHandshake('marbles');
    const second = recordHandshake('marbles');
    // Nothing was written after authentication, so these are the handshake's totals.
    expect(first.written.a).toBe(concat(first.wrote.a).length);
    expect(first.written).toEqual(second.written);
    expect(first.frames).toEqual(second.frames);
    expect(concat(first.wrote.a)).toEqual(concat(second.wrote.a));
    expect(concat(first.wrote.b)).toEqual(concat(second.wrote.b));
  });

  it('writes different bytes with a different seed (the comparison above can fail)', () => {
    const a = recordHandshake('marbles');
    const b = recordHandshake('marbles-2');
    expect(concat(a.wrote.a)).not.toEqual(concat(b.wrote.a));
  });
});
