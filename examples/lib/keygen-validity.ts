/**
 * `ssh-keygen -V` validity intervals (ssh-keygen(1) "-V validity_interval"; parse_cert_times in
 * ssh-keygen.c), as seconds since the epoch:
 *
 *     +TIMESPEC                 from one minute ago (rounded down to the minute) to now + TIMESPEC
 *     FROM:TO                   FROM = [+-]TIMESPEC | YYYYMMDD[HHMM[SS]][Z|UTC] | 0xHEX | always
 *                               TO   = [+-]TIMESPEC | YYYYMMDD[HHMM[SS]][Z|UTC] | 0xHEX | forever
 *
 * TIMESPEC is sshd_config(5)'s "TIME FORMATS": numbers each followed by s, m, h, d or w (none = seconds).
 * Absolute times are local standard time (as mktime reads them with tm_isdst = 0) unless they end in Z or UTC.
 */
import { KeygenError } from './keygen-error.js';

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const INT_MAX = 2 ** 31 - 1;
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export interface Validity {
  validAfter: bigint;
  validBefore: bigint;
}

/** convtime: seconds, or null when malformed or over INT_MAX (misc.c caps the total there). */
export function parseTimespec(text: string): number | null {
  if (text === '') return null;
  let total = 0;
  const re = /(\d+)([sSmMhHdDwW]?)/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (m === null) return null;
    if (m[2] === '' && re.lastIndex !== text.length) return null; // a bare number only at the end
    total += Number(m[1]) * UNIT_SECONDS[(m[2] || 's').toLowerCase()];
    if (total > INT_MAX) return null;
    i = re.lastIndex;
  }
  return total;
}

function relative(text: string, now: number): bigint {
  const secs = parseTimespec(text.slice(1));
  if (secs === null) throw new KeygenError(`keygen: invalid relative certificate time ${text}`);
  if (text[0] === '-' && secs > now)
    throw new KeygenError(`keygen: certificate time ${text} cannot be represented`);
  return BigInt(now + (text[0] === '-' ? -secs : secs));
}

/** parse_absolute_time: YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, local time unless it ends in Z or UTC. */
export function parseAbsoluteTime(text: string): bigint | null {
  let digits = text;
  let utc = false;
  if (digits.length > 1 && /z$/i.test(digits)) [digits, utc] = [digits.slice(0, -1), true];
  else if (digits.length > 3 && /utc$/i.test(digits)) [digits, utc] = [digits.slice(0, -3), true];
  if (!/^\d+$/.test(digits) || ![8, 12, 14].includes(digits.length)) return null;
  const part = (start: number, len: number) =>
    digits.length > start ? Number(digits.slice(start, start + len)) : 0;
  const [y, mo, d, h, mi, s] = [part(0, 4), part(4, 2), part(6, 2), part(8, 2), part(10, 2), part(12, 2)];
  // strptime's ranges for %m %d %H %M %S; day overflow rolls into the next month, as mktime does.
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const fields = Date.UTC(y, mo - 1, d, h, mi, s);
  // ssh-keygen hands mktime a zeroed struct tm (tm_isdst = 0), which reads the time as the zone's standard
  // time even in summer; the standard offset is the larger of January's and July's (POSIX mktime).
  const standardOffset = Math.max(
    new Date(y, 0, 1).getTimezoneOffset(),
    new Date(y, 6, 1).getTimezoneOffset(),
  );
  const ms = utc ? fields : fields + standardOffset * 60_000;
  if (!Number.isFinite(ms) || ms < 0) return null;
  return BigInt(Math.floor(ms / 1000));
}

function hexTime(text: string): bigint {
  if (!/^0x[0-9a-fA-F]+$/.test(text)) throw new KeygenError('keygen: invalid certificate time: not a number');
  const v = BigInt(text);
  if (v > UINT64_MAX) throw new KeygenError('keygen: invalid certificate time: out of range');
  return v;
}

function bound(text: string, now: number, open: 'always' | 'forever'): bigint | null {
  if (text[0] === '+' || text[0] === '-') return relative(text, now);
  if (text === open) return open === 'always' ? 0n : UINT64_MAX;
  if (text.startsWith('0x')) return hexTime(text);
  return parseAbsoluteTime(text);
}

/**
 * @param now seconds since the epoch
 * @example parseValidity('+52w', now) // { validAfter: minute before now, validBefore: now + 52 weeks }
 * @example parseValidity('20240101:20250101Z', now)
 * @throws KeygenError on a malformed or empty interval
 */
export function parseValidity(spec: string, now: number): Validity {
  if (spec.startsWith('+') && !spec.includes(':')) {
    const secs = parseTimespec(spec.slice(1));
    if (secs === null) throw new KeygenError(`keygen: invalid relative certificate life ${spec}`);
    // Backdated a minute "to avoid problems on hosts with poorly-synchronised clocks".
    return { validAfter: BigInt(Math.floor((now - 59) / 60) * 60), validBefore: BigInt(now + secs) };
  }
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1)
    throw new KeygenError(`keygen: invalid certificate life specification ${spec}`);
  const [fromText, toText] = [spec.slice(0, colon), spec.slice(colon + 1)];
  const validAfter = bound(fromText, now, 'always');
  if (validAfter === null) throw new KeygenError(`keygen: invalid from time "${fromText}"`);
  const validBefore = bound(toText, now, 'forever');
  if (validBefore === null) throw new KeygenError(`keygen: invalid to time "${toText}"`);
  if (validBefore <= validAfter) throw new KeygenError('keygen: empty certificate validity interval');
  return { validAfter, validBefore };
}
