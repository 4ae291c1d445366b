/**
 * Test helpers for certificates: drive `ssh-keygen -s` / `-L` in UTC, render a parsed Certificate in the exact
 * text `ssh-keygen -L` prints (ssh-keygen.c print_cert / show_options, OpenSSH 9.x), and build certificate
 * bodies by hand so negative tests can sign structurally bad certificates with a real CA.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CryptoBackend } from '../../src/crypto/backend.js';
import { concatBytes } from '../../src/crypto/bytes.js';
import type { Certificate } from '../../src/keys/certificate.js';
import { formatCertificateLine } from '../../src/keys/certificate-line.js';
import { optionStringValue } from '../../src/keys/certificate-options.js';
import { fingerprintSha256, type PrivateKey, type PublicKey } from '../../src/keys/index.js';
import { SshWriter } from '../../src/wire/writer.js';

/** ssh-keygen with TZ=UTC, so `-V` dates and `-L` output are in UTC. Throws (with stderr) on a non-zero exit. */
export function keygenUtc(args: string[]): string {
  return execFileSync('ssh-keygen', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'UTC' },
  });
}

/** Writes our certificate to `dir/name` and returns what `ssh-keygen -L -f` prints for it. */
export function keygenShow(dir: string, name: string, cert: Certificate, comment = ''): string {
  const path = join(dir, name);
  writeFileSync(path, `${formatCertificateLine(cert, comment)}\n`);
  return keygenUtc(['-L', '-f', path]);
}

function sshkeyTypeLabel(key: PublicKey): string {
  return key.type === 'ssh-ed25519' ? 'ED25519' : key.type === 'ssh-rsa' ? 'RSA' : 'ECDSA';
}

function utcStamp(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
}

function validity(c: Certificate): string {
  const forever = 0xffff_ffff_ffff_ffffn;
  if (c.validAfter === 0n && c.validBefore === forever) return 'forever';
  if (c.validAfter === 0n) return `before ${utcStamp(c.validBefore)}`;
  if (c.validBefore === forever) return `after ${utcStamp(c.validAfter)}`;
  return `from ${utcStamp(c.validAfter)} to ${utcStamp(c.validBefore)}`;
}

const FLAG_NAMES = new Set([
  'permit-X11-forwarding',
  'permit-agent-forwarding',
  'permit-port-forwarding',
  'permit-pty',
  'permit-user-rc',
  'no-touch-required',
]);

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function optionLines(options: ReadonlyMap<string, Uint8Array>, critical: boolean): string {
  if (options.size === 0) return '(none)\n';
  let out = '\n';
  for (const [name, data] of options) {
    out += `                ${name}`;
    if (!critical && FLAG_NAMES.has(name)) out += '\n';
    else if (critical && (name === 'force-command' || name === 'source-address'))
      out += ` ${optionStringValue(name, data)}\n`;
    else if (critical && name === 'verify-required') out += '\n';
    else if (data.length > 0) out += ` UNKNOWN OPTION: ${hex(data)} (len ${data.length})\n`;
    else out += ' UNKNOWN FLAG OPTION\n';
  }
  return out;
}

/** Our fields in the layout of `ssh-keygen -L -f path` (first line `path:`). */
export function renderLikeKeygen(path: string, c: Certificate): string {
  const principals =
    c.principals.length === 0
      ? '(none)\n'
      : `${c.principals.map((p) => `\n                ${p}`).join('')}\n`;
  return (
    `${path}:\n` +
    `        Type: ${c.type} ${c.certType} certificate\n` +
    `        Public key: ${sshkeyTypeLabel(c.publicKey)}-CERT ${fingerprintSha256(c.publicKey)}\n` +
    `        Signing CA: ${sshkeyTypeLabel(c.signatureKey)} ${fingerprintSha256(c.signatureKey)} (using ${c.signatureAlgorithm})\n` +
    `        Key ID: "${c.keyId}"\n` +
    `        Serial: ${c.serial}\n` +
    `        Valid: ${validity(c)}\n` +
    `        Principals: ${principals}` +
    `        Critical Options: ${optionLines(c.criticalOptions, true)}` +
    `        Extensions: ${optionLines(c.extensions, false)}`
  );
}

/** Hand-built certificate fields, written verbatim (no sorting, no checks) so tests can break any of them. */
export interface RawCertificate {
  type?: string;
  nonce?: Uint8Array;
  /** The plain key blob; its fields after the type string are copied in. */
  key: PublicKey;
  serial?: bigint;
  certType?: number;
  keyId?: string;
  /** The principals section contents; default one string 'alice'. */
  principals?: Uint8Array;
  validAfter?: bigint;
  validBefore?: bigint;
  critical?: Uint8Array;
  extensions?: Uint8Array;
  reserved?: Uint8Array;
  /** The signature key blob; default the CA's public key. */
  signatureKey?: Uint8Array;
}

/** `(string name, string data)*` exactly in the given order. */
export function rawOptions(pairs: [string, Uint8Array][]): Uint8Array {
  const w = new SshWriter();
  for (const [n, d] of pairs) w.string(n).string(d);
  return w.bytes();
}

export function rawStrings(items: (string | Uint8Array)[]): Uint8Array {
  const w = new SshWriter();
  for (const s of items) w.string(s);
  return w.bytes();
}

/** Builds and CA-signs a certificate blob from raw fields. */
export function buildRawCertificate(crypto: CryptoBackend, ca: PrivateKey, f: RawCertificate): Uint8Array {
  const typeLen = 4 + new DataView(f.key.blob.buffer, f.key.blob.byteOffset).getUint32(0);
  const body = new SshWriter()
    .string(f.type ?? `${f.key.type}-cert-v01@openssh.com`)
    .string(f.nonce ?? new Uint8Array(32).fill(7))
    .raw(f.key.blob.subarray(typeLen))
    .uint64(f.serial ?? 1n)
    .uint32(f.certType ?? 1)
    .string(f.keyId ?? 'raw')
    .string(f.principals ?? rawStrings(['alice']))
    .uint64(f.validAfter ?? 0n)
    .uint64(f.validBefore ?? 0xffff_ffff_ffff_ffffn)
    .string(f.critical ?? new Uint8Array(0))
    .string(f.extensions ?? new Uint8Array(0))
    .string(f.reserved ?? new Uint8Array(0))
    .string(f.signatureKey ?? ca.publicKey.blob)
    .bytes();
  return concatBytes(body, new SshWriter().string(ca.sign(crypto, body)).bytes());
}
