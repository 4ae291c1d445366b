/**
 * Shared pieces of the marble tests: a TestScheduler that asserts with vitest, an in-memory pair whose link
 * takes LATENCY_MS per hop, the handshake timeline those hops produce, and small readers that turn errors,
 * disconnect reports and clear-text packets into plain values a marble can compare.
 */
import {
  catchError,
  ignoreElements,
  map,
  type Observable,
  of,
  ReplaySubject,
  share,
  switchMap,
  take,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import type { DisconnectInfo } from '../../src/connection/core-events.js';
import { connectedPair, type Pair, type PairOptions } from '../../src/testing/index.js';
import { SshReader } from '../../src/wire/reader.js';

/** One-way delay of the in-memory link: every write arrives this many virtual milliseconds later. */
export const LATENCY_MS = 5;

/**
 * The handshake with `authMethods: ['password']`, one hop (LATENCY_MS) per line. Both ends write their
 * identification and KEXINIT at once (RFC 4253 §4.2, §7.1), so the exchange starts without a round trip.
 *
 *   hop 0  →  0 ms  both: identification + KEXINIT
 *   hop 1  →  5 ms  client: KEX_ECDH_INIT (it has the server's KEXINIT)
 *   hop 2  → 10 ms  server: KEX_ECDH_REPLY + NEWKEYS + EXT_INFO
 *   hop 3  → 15 ms  client: host key accepted synchronously → NEWKEYS + SERVICE_REQUEST (RFC 4253 §10)
 *   hop 4  → 20 ms  server: SERVICE_ACCEPT
 *   hop 5  → 25 ms  client: USERAUTH_REQUEST "none" (RFC 4252 §5.2: learns the server's methods)
 *   hop 6  → 30 ms  server: USERAUTH_FAILURE (publickey,password,keyboard-interactive)
 *   hop 7  → 35 ms  client: USERAUTH_REQUEST "password"
 *   hop 8  → 40 ms  server: USERAUTH_SUCCESS, and accept() emits its Connection
 *   arrival → 45 ms client: connect() emits its Connection
 */
export const HANDSHAKE = {
  /** KEX_ECDH_REPLY reaches the client: the host key goes to the verifier. */
  hostKeyArrives: 3 * LATENCY_MS,
  /** The client has finished the first key exchange (it sends NEWKEYS and has the server's). */
  clientKexDone: 3 * LATENCY_MS,
  serverAuthenticated: 8 * LATENCY_MS,
  clientAuthenticated: 9 * LATENCY_MS,
} as const;

/** A TestScheduler whose assertions are vitest's deep equality. */
export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/**
 * connectedPair in virtual time: the link takes LATENCY_MS per hop and the client offers only `password`,
 * so the handshake follows HANDSHAKE exactly. Options are merged one level deep (client, server, link).
 */
export function marblePair(scheduler: TestScheduler, opts: PairOptions = {}): Pair {
  return connectedPair({
    ...opts,
    scheduler,
    client: { authMethods: ['password'], ...opts.client },
    // No host-key announcement unless a test asks: it (and the client's IGNORE answering it) would add frames
    // to every exchange after authentication.
    server: { announceHostKeys: false, ...opts.server },
    link: { latencyMs: LATENCY_MS, ...opts.link },
  });
}

/**
 * The pair's client$ and server$ shared, so several expectations (and the test's own handle on the
 * Connection) watch one connection instead of each subscription starting its own.
 */
export function shared(pair: Pair): { client$: Observable<Connection>; server$: Observable<Connection> } {
  const once = <T>(source: Observable<T>) =>
    source.pipe(
      share({
        connector: () => new ReplaySubject<T>(1),
        resetOnError: false,
        resetOnComplete: false,
        resetOnRefCountZero: false,
      }),
    );
  return { client$: once(pair.client$), server$: once(pair.server$) };
}

/** An error as a plain value (class name and RFC 4253 §11.1 reason code), for marble values. */
export function errorOf(err: unknown): { name: string; reason: number | undefined } {
  const e = err as { name?: string; reason?: number };
  return { name: e?.name ?? String(err), reason: e?.reason };
}

/** A DisconnectInfo as a plain value: the error is reduced to its class name. */
export function plainDisconnect(info: DisconnectInfo): {
  reason: number;
  description: string;
  byPeer: boolean;
  error: string | undefined;
} {
  return {
    reason: info.reason,
    description: info.description,
    byPeer: info.byPeer,
    error: info.error?.name,
  };
}

/** The first Connection's `disconnect$`, as plain values; unaffected by how connect()/accept() end. */
export function disconnectsOf(connection$: Observable<Connection>) {
  return connection$.pipe(
    take(1),
    switchMap((c) => c.disconnect$.pipe(map(plainDisconnect))),
  );
}

/** How connect()/accept() ends: completion, or its error as a plain value followed by completion. */
export function endingOf(connection$: Observable<Connection>) {
  return connection$.pipe(
    ignoreElements(),
    catchError((e) => of(errorOf(e))),
  );
}

/**
 * Builds a marble string with events at absolute frames, e.g. `marbleAt([60035, 'a'], [120055, 'b'])`.
 * Marble time is relative and each event character takes one frame, which this arithmetic hides.
 */
export function marbleAt(...events: [frame: number, token: string][]): string {
  let now = 0;
  const parts: string[] = [];
  for (const [frame, token] of events) {
    if (frame < now) throw new Error(`marbleAt: frame ${frame} is before ${now}`);
    if (frame > now) parts.push(`${frame - now}ms`);
    parts.push(token);
    // A group `(ab|)` takes as many frames as characters it is written with, a single token one frame.
    now = frame + token.length;
  }
  return parts.join(' ');
}

/**
 * Reads what one end wrote before any keys were in force: an optional identification line, then clear-text
 * binary packets (RFC 4253 §6, MAC "none"): uint32 packet_length ‖ byte padding_length ‖ payload ‖ padding.
 * Written independently of src/transport so it can check it.
 */
export function clearTextPackets(bytes: Uint8Array): { identification?: string; payloads: Uint8Array[] } {
  let offset = 0;
  let identification: string | undefined;
  if (bytes[0] === 0x53 /* 'S' */) {
    const end = bytes.findIndex((b, i) => b === 0x0a && bytes[i - 1] === 0x0d);
    identification = new TextDecoder().decode(bytes.subarray(0, end - 1));
    offset = end + 1;
  }
  const payloads: Uint8Array[] = [];
  while (offset < bytes.length) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
    const packetLength = view.getUint32(0);
    const padding = bytes[offset + 4];
    payloads.push(bytes.slice(offset + 5, offset + 4 + packetLength - padding));
    offset += 4 + packetLength;
  }
  return { identification, payloads };
}

/** RFC 4253 §11.1: byte SSH_MSG_DISCONNECT ‖ uint32 reason code ‖ string description ‖ string language tag. */
export function readDisconnect(payload: Uint8Array): { reason: number; description: string } {
  const r = new SshReader(payload);
  expect(r.byte('message number')).toBe(1);
  return { reason: r.uint32('reason code'), description: r.utf8('description') };
}

/** Concatenates the chunks one end wrote. */
export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Frames a payload as a clear-text binary packet (RFC 4253 §6), padded to a multiple of 8 with ≥ 4 bytes. */
export function clearTextPacket(payload: Uint8Array): Uint8Array {
  let padding = 8 - ((5 + payload.length) % 8);
  if (padding < 4) padding += 8;
  const packetLength = 1 + payload.length + padding;
  const out = new Uint8Array(4 + packetLength);
  new DataView(out.buffer).setUint32(0, packetLength);
  out[4] = padding;
  out.set(payload, 5);
  return out;
}
