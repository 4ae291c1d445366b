/**
 * Our own numbers are checked before they are encoded: SshWriter.uint32 keeps the low 32 bits (so -1 would
 * go out as 4294967295), which is right for the transport's counters but hides an application's mistake.
 */
import { UsageError } from '../errors.js';
import { SshWriter } from '../wire/writer.js';

export const MAX_UINT32 = 0xffff_ffff;

/** Refuses a value that is not an integer in [min, 2^32-1], naming the field. */
export function assertUint32(v: number, what: string, min = 0): void {
  if (!Number.isInteger(v) || v < min || v > MAX_UINT32) {
    throw new UsageError(`${what} must be an integer in [${min}, ${MAX_UINT32}], got ${v}`);
  }
}

/** An SshWriter whose uint32 refuses out-of-range values instead of wrapping them. */
export class CheckedWriter extends SshWriter {
  override uint32(v: number): this {
    assertUint32(v, 'uint32 field');
    return super.uint32(v);
  }
}

/** RFC 4250 §4.6.1: names are printable US-ASCII without spaces; a peer would refuse anything else. */
export function assertName(name: string, what: string): void {
  if (name.length === 0 || !/^[\x21-\x7e]+$/.test(name))
    throw new UsageError(`${what} "${name}" is not a US-ASCII name`);
}
