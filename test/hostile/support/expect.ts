/**
 * What every hostile case asserts about a failure: a typed error with its RFC 4253 §11.1 reason, a
 * DISCONNECT carrying that reason on the wire (decoded from the SUT's bytes), a closed connection that
 * ignores later input, and no exception escaping (the harness does not catch, so a throw fails the test).
 */
import { expect } from 'vitest';
import type { SshError } from '../../../src/errors.js';
import { MSG } from '../../../src/wire/message-numbers.js';
import { decodeDisconnect } from '../../../src/wire/transport-messages.js';
import type { Harness, Sut } from './harness.js';

// biome-ignore lint/suspicious/noExplicitAny: error classes have different constructor signatures
type ErrorClass = abstract new (...args: any[]) => SshError;

export interface FailureExpectation {
  /** Whether the SUT must have sent DISCONNECT (not when the peer or the network ended it). Default true. */
  disconnect?: boolean;
  /** The exact class (not a subclass), when it matters. */
  exact?: boolean;
}

export function expectFailure(
  h: Harness<Sut>,
  type: ErrorClass,
  reason: number,
  o: FailureExpectation = {},
): SshError {
  expect(h.sut.closed, 'the SUT closed the connection').toBe(true);
  const closed = h.events.filter((e) => e.type === 'closed');
  expect(closed, 'exactly one closed event').toHaveLength(1);
  const info = h.closedInfo()!;
  expect(info.error, `error class (got: ${info.error?.name}: ${info.description})`).toBeInstanceOf(type);
  if (o.exact) expect(info.error!.constructor).toBe(type);
  expect(info.reason, `reason code (${info.description})`).toBe(reason);
  expect(info.error!.blame, 'a peer fault, never an internal error').not.toBe('local');
  expect(info.byPeer).toBe(false);
  if (o.disconnect ?? true) {
    expect(h.peerReadError, 'the peer could read what the SUT wrote').toBeUndefined();
    const sent = h.sent(MSG.DISCONNECT);
    expect(sent, 'one DISCONNECT on the wire').toHaveLength(1);
    expect(decodeDisconnect(sent[0]).reason).toBe(reason);
    expect(h.peer.received.at(-1)!.payload[0], 'DISCONNECT is the last message').toBe(MSG.DISCONNECT);
  }
  expectDeaf(h);
  return info.error!;
}

/** After closing, input changes nothing: no bytes out, no events. */
export function expectDeaf(h: Harness<Sut>): void {
  const wire = h.sutWire.length;
  const events = h.events.length;
  h.sut.receive(new Uint8Array(64).fill(0x41));
  h.pump();
  expect(h.sutWire.length, 'no output after close').toBe(wire);
  expect(h.events.length, 'no events after close').toBe(events);
}

/** Event types that show the application saw something of the peer's doing. */
export const APP_VISIBLE = [
  'message',
  'channel',
  'global-request',
  'auth-decide',
  'authenticated',
  'auth-prompt',
  'banner',
  'pong',
];

export function expectAppSawNothing(h: Harness<Sut>, allowed: readonly string[] = []): void {
  const seen = h.eventTypes().filter((t) => APP_VISIBLE.includes(t) && !allowed.includes(t));
  expect(seen, 'events the application would have seen').toEqual([]);
}
