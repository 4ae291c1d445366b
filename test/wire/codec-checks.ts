/** Shared checks for message codecs: exact round trips, every truncation, trailing bytes, random input. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { DecodeError, SshError } from '../../src/errors.js';

/** decode(encode) gives the value back, and encode(decode(bytes)) gives the bytes back. */
export function expectRoundTrip<T>(
  value: T,
  encode: (v: T) => Uint8Array,
  decode: (p: Uint8Array) => T,
): Uint8Array {
  const bytes = encode(value);
  const back = decode(bytes);
  expect(back).toEqual(value);
  expect(encode(back)).toEqual(bytes);
  return bytes;
}

/** Every proper prefix of a valid payload is refused with a DecodeError, never another error type. */
export function expectTruncationsRefused(payload: Uint8Array, decode: (p: Uint8Array) => unknown): void {
  for (let n = 0; n < payload.length; n++) {
    expect(() => decode(payload.slice(0, n)), `prefix of ${n} bytes`).toThrow(DecodeError);
  }
}

/** A valid payload with one more byte is refused: messages are consumed exactly. */
export function expectTrailingRefused(payload: Uint8Array, decode: (p: Uint8Array) => unknown): void {
  const longer = new Uint8Array(payload.length + 1);
  longer.set(payload);
  expect(() => decode(longer)).toThrow(DecodeError);
}

/** Random bodies after the right message number either decode or throw one of our typed errors. */
export function expectOnlyTypedErrors(messageNumber: number, decode: (p: Uint8Array) => unknown): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (body) => {
      const payload = new Uint8Array(body.length + 1);
      payload[0] = messageNumber;
      payload.set(body, 1);
      try {
        decode(payload);
      } catch (e) {
        if (!(e instanceof SshError)) throw e;
      }
    }),
    { seed: 4252, numRuns: 2000 },
  );
}

/** Every byte of a valid payload set to 0x00, 0x7f, 0x80, 0xff and bit-flipped: a value or a typed error. */
export function expectMutationsTyped(payload: Uint8Array, decode: (p: Uint8Array) => unknown): void {
  for (let i = 0; i < payload.length; i++) {
    for (const v of [0x00, 0x7f, 0x80, 0xff, payload[i] ^ 0x01]) {
      const m = payload.slice();
      m[i] = v;
      try {
        decode(m);
      } catch (e) {
        if (!(e instanceof SshError)) throw new Error(`byte ${i} = ${v}: ${e}`);
      }
    }
  }
}

/** The byte-level checks on one valid payload. */
export function expectStrictDecoding(payload: Uint8Array, decode: (p: Uint8Array) => unknown): void {
  expectTruncationsRefused(payload, decode);
  expectTrailingRefused(payload, decode);
  const wrongNumber = payload.slice();
  wrongNumber[0] ^= 0xff;
  expect(() => decode(wrongNumber)).toThrow(DecodeError);
  expectMutationsTyped(payload, decode);
}
