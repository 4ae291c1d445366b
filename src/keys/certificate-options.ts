/**
 * The critical-options and extensions sections of an OpenSSH certificate (PROTOCOL.certkeys "Critical
 * options", "Extensions"). Both are a sequence of tuples inside one `string`:
 *
 *     string name
 *     string data        (empty for a flag; `string value` for the options that take one)
 *
 * "Options must be lexically ordered by name ... Each named option may only appear once": the decoder refuses
 * out-of-order or repeated names, so one name can never be read two ways by two verifiers.
 */
import { utf8 } from '../crypto/bytes.js';
import { DecodeError, UsageError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';

/** Option name → its raw data field, in the (sorted) order of the certificate. */
export type CertificateOptions = ReadonlyMap<string, Uint8Array>;

/**
 * What `signCertificate` takes for a section, in the same terms as `ssh-keygen -O`:
 * - a list of names: flags, each with empty data (`['permit-pty', 'permit-port-forwarding']`);
 * - a record: `true` is a flag, a string is carried as `string value` (as force-command and source-address
 *   are), a Uint8Array is the data field as is.
 */
export type CertificateOptionsInput =
  | readonly string[]
  | Readonly<Record<string, true | string | Uint8Array>>;

/** Byte-wise comparison of names, as C's strcmp orders them (PROTOCOL.certkeys "lexically ordered"). */
function compareNames(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** A name as OpenSSH reads it (sshbuf_get_cstring): UTF-8 text without NUL bytes. */
export function readCString(r: SshReader, field: string): string {
  const s = r.utf8(field);
  if (s.includes('\0')) throw new DecodeError(`certificate: ${field} contains a NUL byte`);
  return s;
}

/**
 * Decodes one section. `section` is the contents of the outer string.
 * @throws DecodeError on a truncated tuple, an empty, unsorted or repeated name
 */
export function parseCertificateOptions(section: Uint8Array, what: string): CertificateOptions {
  const r = new SshReader(section, `certificate ${what}`);
  const out = new Map<string, Uint8Array>();
  let previous: Uint8Array | null = null;
  while (r.remaining > 0) {
    const start = r.offset;
    const name = readCString(r, `${what} name`);
    const nameBytes = section.subarray(start + 4, r.offset);
    if (name.length === 0) throw new DecodeError(`certificate: ${what} has an empty name`);
    const data = r.string(`${what} ${name} data`);
    if (previous !== null) {
      const order = compareNames(previous, nameBytes);
      if (order === 0) throw new DecodeError(`certificate: ${what} '${name}' appears twice`);
      if (order > 0) throw new DecodeError(`certificate: ${what} are not sorted by name ('${name}')`);
    }
    previous = nameBytes;
    out.set(name, data.slice());
  }
  return out;
}

/** The data field of a value option: exactly one `string value` (auth-options.c refuses extra data). */
export function optionStringValue(name: string, data: Uint8Array): string {
  const r = new SshReader(data, `certificate option ${name}`);
  const value = readCString(r, `${name} value`);
  r.end();
  return value;
}

function optionData(name: string, value: true | string | Uint8Array): Uint8Array {
  if (value === true) return new Uint8Array(0);
  if (typeof value === 'string') {
    if (value.includes('\0')) throw new UsageError(`certificate option ${name}: value contains a NUL byte`);
    return new SshWriter(value.length + 8).string(value).bytes();
  }
  if (value instanceof Uint8Array) return value;
  throw new UsageError(`certificate option ${name}: value must be true, a string or a Uint8Array`);
}

/**
 * Encodes one section, sorting the names as PROTOCOL.certkeys requires (whatever order the caller used).
 * @throws UsageError on an empty or NUL-containing name, or a name given twice in a list
 */
export function encodeCertificateOptions(input: CertificateOptionsInput | undefined): Uint8Array {
  const entries: [Uint8Array, string, Uint8Array][] = [];
  const pairs: [string, true | string | Uint8Array][] = Array.isArray(input)
    ? (input as readonly string[]).map((n) => [n, true])
    : Object.entries(input ?? {});
  for (const [name, value] of pairs) {
    if (typeof name !== 'string' || name.length === 0 || name.includes('\0'))
      throw new UsageError(`certificate option name ${JSON.stringify(name)} is empty or contains NUL`);
    entries.push([utf8(name), name, optionData(name, value)]);
  }
  entries.sort((a, b) => compareNames(a[0], b[0]));
  const w = new SshWriter(64);
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && compareNames(entries[i - 1][0], entries[i][0]) === 0)
      throw new UsageError(`certificate option ${entries[i][1]} is given twice`);
    w.string(entries[i][0]).string(entries[i][2]);
  }
  return w.bytes();
}
