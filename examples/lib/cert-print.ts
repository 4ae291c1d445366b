/**
 * `ssh-keygen -L`: a certificate's fields in ssh-keygen's layout (ssh-keygen.c print_cert / show_options,
 * OpenSSH 9.x), with times in local time as format_absolute_time prints them. Adapted from the renderer in
 * test/keys/certificate-fixtures.ts (which prints UTC only).
 */
import { CERT_VALID_FOREVER, type Certificate } from '../../src/keys/certificate.js';
import { optionStringValue } from '../../src/keys/certificate-options.js';
import { type FingerprintHash, fingerprintOf } from './keygen-fingerprint.js';
import { readKeyText, shortTypeName } from './keygen-key-text.js';

const MAX_DATE_MS = 8.64e15; // the largest instant a JS Date holds (ECMA-262 §21.4.1.1)

/** Days since 1970-01-01 to a proleptic Gregorian date (the civil_from_days method). */
function civilFromDays(days: bigint): [bigint, number, number] {
  const z = days + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const month = Number(mp < 10n ? mp + 3n : mp - 9n);
  return [yoe + era * 400n + (month <= 2 ? 1n : 0n), month, day];
}

const pad2 = (n: number | bigint) => String(n).padStart(2, '0');

/**
 * format_absolute_time: `YYYY-MM-DDTHH:MM:SS` in the local time zone (TZ). Times past what a Date holds
 * use the zone offset of the last representable instant.
 */
export function formatLocalTime(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  const offsetMinutes = -new Date(Math.min(ms, MAX_DATE_MS)).getTimezoneOffset();
  const local = seconds + BigInt(offsetMinutes) * 60n;
  const days = local >= 0n ? local / 86400n : (local - 86399n) / 86400n;
  const secs = local - days * 86400n;
  const [y, m, d] = civilFromDays(days);
  return `${y}-${pad2(m)}-${pad2(d)}T${pad2(secs / 3600n)}:${pad2((secs / 60n) % 60n)}:${pad2(secs % 60n)}`;
}

/** sshkey_format_cert_validity: `forever`, `before T`, `after T` or `from T to T`. */
export function formatValidity(validAfter: bigint, validBefore: bigint): string {
  if (validAfter === 0n && validBefore === CERT_VALID_FOREVER) return 'forever';
  if (validAfter === 0n) return `before ${formatLocalTime(validBefore)}`;
  if (validBefore === CERT_VALID_FOREVER) return `after ${formatLocalTime(validAfter)}`;
  return `from ${formatLocalTime(validAfter)} to ${formatLocalTime(validBefore)}`;
}

/** Extensions ssh-keygen shows as bare names. */
const FLAG_EXTENSIONS = new Set([
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
  'no-touch-required',
]);

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** show_options: one indented line per option; unknown ones show their data in hex. */
function optionLines(options: ReadonlyMap<string, Uint8Array>, critical: boolean): string {
  if (options.size === 0) return '(none)\n';
  let out = '\n';
  for (const [name, data] of options) {
    out += `                ${name}`;
    if (!critical && FLAG_EXTENSIONS.has(name)) out += '\n';
    else if (critical && (name === 'force-command' || name === 'source-address'))
      out += ` ${optionStringValue(name, data)}\n`;
    else if (critical && name === 'verify-required') out += '\n';
    else if (data.length > 0) out += ` UNKNOWN OPTION: ${hex(data)} (len ${data.length})\n`;
    else out += ' UNKNOWN FLAG OPTION\n';
  }
  return out;
}

/** print_cert: the indented block under the `path:` header line. */
export function renderCertificate(c: Certificate, hash: FingerprintHash): string {
  const principals =
    c.principals.length === 0
      ? '(none)\n'
      : `${c.principals.map((p) => `\n                ${p}`).join('')}\n`;
  return (
    `        Type: ${c.type} ${c.certType} certificate\n` +
    `        Public key: ${shortTypeName(c.publicKey, true)} ${fingerprintOf(c.publicKey, hash)}\n` +
    `        Signing CA: ${shortTypeName(c.signatureKey)} ${fingerprintOf(c.signatureKey, hash)} (using ${c.signatureAlgorithm})\n` +
    `        Key ID: "${c.keyId}"\n` +
    `        Serial: ${c.serial}\n` +
    `        Valid: ${formatValidity(c.validAfter, c.validBefore)}\n` +
    `        Principals: ${principals}` +
    `        Critical Options: ${optionLines(c.criticalOptions, true)}` +
    `        Extensions: ${optionLines(c.extensions, false)}`
  );
}

export interface ShownCertificates {
  stdout: string;
  /** One line per line that is not a certificate. */
  errors: string[];
  /** True when at least one certificate was shown (ssh-keygen then exits 0). */
  ok: boolean;
}

/**
 * do_show_cert: every certificate line of a file, headed `path:` for the first line and `path:N:` after.
 * @param path as shown in headers (`(stdin)` for standard input)
 */
export function showCertificates(
  path: string,
  text: string,
  hash: FingerprintHash,
  fromStdin = false,
): ShownCertificates {
  const out: ShownCertificates = { stdout: '', errors: [], ok: false };
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/^[ \t]+/, '').replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const found = readKeyText(line);
    if (found === null) out.errors.push(`keygen: ${path}:${n + 1}: invalid key`);
    else if (found.certificate === undefined)
      out.errors.push(`keygen: ${path}:${n + 1} is not a certificate`);
    else {
      out.ok = true;
      out.stdout += !fromStdin && n === 0 ? `${path}:\n` : `${path}:${n + 1}:\n`;
      out.stdout += renderCertificate(found.certificate, hash);
    }
  }
  return out;
}
