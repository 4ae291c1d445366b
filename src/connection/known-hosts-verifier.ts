/**
 * A HostKeyVerifier backed by OpenSSH known_hosts files, with StrictHostKeyChecking as ssh_config(5) defines
 * it. Revoked keys are always refused; a known key is always accepted; what happens to an unknown or a
 * changed key depends on `strict`:
 *
 *     strict       unknown key                       changed key
 *     yes          refused                           refused
 *     ask          asked via `confirm`, then added   refused
 *     accept-new   added and accepted                refused
 *     no           added and accepted                accepted with a loud warning, not written
 *
 * With `no`, ssh(1) also turns off password authentication and forwardings for such a connection; a verifier
 * cannot do that, so the warning says so and the caller decides.
 *
 * Host certificates (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT", ssh(1) check_host_key): a certificate whose CA is
 * marked `@revoked`, or whose key is, is refused. One signed by a CA of an `@cert-authority` line for this host
 * is accepted when it verifies as a host certificate naming this host; otherwise (unknown CA, expired, wrong
 * principal...) the certified key is checked as a plain key, as ssh(1) retries "with plain key".
 */

import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { defaultCrypto } from '../crypto/index.js';
import { systemRandom } from '../crypto/random.js';
import { UsageError } from '../errors.js';
import type { Certificate } from '../keys/certificate.js';
import { hostCertificateTrust } from '../keys/certificate-known-hosts.js';
import { verifyCertificate } from '../keys/certificate-verify.js';
import { fingerprintSha256 } from '../keys/fingerprint.js';
import {
  formatKnownHostsLine,
  type KnownHostEntry,
  type KnownHosts,
  knownHostName,
  lookupHostKey,
} from '../keys/known-hosts.js';
import { appendKnownHost, readKnownHosts } from '../keys/known-hosts-file.js';
import type { HostKeyInfo, HostKeyVerifier } from './host-key-verifier.js';

export type StrictHostKeyChecking = 'yes' | 'ask' | 'accept-new' | 'no';

export interface KnownHostsVerifierOptions {
  /** Files to search, in order; new keys are appended to the first (e.g. ~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts). */
  files: readonly string[];
  /** ssh_config(5) StrictHostKeyChecking; defaults to `ask`, which refuses unknown keys when there is no `confirm`. */
  strict?: StrictHostKeyChecking;
  /** Write new host names hashed (ssh_config(5) HashKnownHosts). */
  hashNew?: boolean;
  /** Receives the user-facing messages ssh(1) would print (warnings, refusals, "Permanently added"). */
  onMessage?(text: string): void;
  /** Look the key up (and record it) under this name instead of the host and port (ssh_config(5) HostKeyAlias). */
  hostKeyAlias?: string;
  /** With `strict: 'ask'`: shown the question for an unknown key; `true` accepts and records it. */
  confirm?(question: string, info: HostKeyInfo): boolean | PromiseLike<boolean>;
  /** Salt source for hashed names; defaults to the system CSPRNG. */
  random?: RandomSource;
  /** Verifies host certificates' CA signatures; defaults to defaultCrypto(). */
  crypto?: CryptoBackend;
  /** The time host certificates are judged at, in milliseconds since 1970 (default Date.now). */
  now?: () => number;
}

/** The short names ssh(1) prints for key types (sshkey_type): ED25519, ECDSA, RSA; else the type itself. */
function typeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  return keyType;
}

const where = (e: KnownHostEntry) => `${e.source ?? 'known_hosts'}:${e.line}`;

function otherKeysNote(others: KnownHostEntry[]): string {
  if (others.length === 0) return '';
  const listed = others.map((e) => `  ${typeLabel(e.keyType)} ${fingerprintSha256(e.blob)} (${where(e)})`);
  return `\nKeys of a different type are already known for this host:\n${listed.join('\n')}`;
}

function changedMessage(name: string, info: HostKeyInfo, changed: KnownHostEntry[]): string {
  const label = typeLabel(info.key.type);
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    `The ${label} host key for ${name} has changed.`,
    `Expected: ${changed.map((e) => fingerprintSha256(e.blob)).join(', ')}`,
    `Offered:  ${info.fingerprint}`,
    ...changed.map((e) => `Offending ${typeLabel(e.keyType)} key in ${where(e)}`),
  ].join('\n');
}

/**
 * Builds the verifier. Files are read afresh on every check, so keys added meanwhile (by us or by ssh) count.
 * @example
 * connect({ host, port, verifyHostKey: knownHostsVerifier({
 *   files: [join(homedir(), '.ssh/known_hosts')], strict: 'accept-new', onMessage: console.error }) });
 */
export function knownHostsVerifier(opts: KnownHostsVerifierOptions): HostKeyVerifier {
  if (opts.files.length === 0) throw new UsageError('knownHostsVerifier: at least one file is needed');
  const strict = opts.strict ?? 'ask';
  const say = (text: string) => opts.onMessage?.(text);
  return (info) => check(info);

  async function check(offered: HostKeyInfo): Promise<boolean> {
    let info = offered;
    const host = opts.hostKeyAlias ?? info.host;
    if (host === undefined) {
      say('Host key verification failed: no host name to look the key up under.');
      return false;
    }
    // ssh(1): a HostKeyAlias replaces both the name and the port.
    const port = opts.hostKeyAlias === undefined ? (info.port ?? 22) : 22;
    const name = knownHostName(host, port);
    let files: KnownHosts[];
    try {
      files = await Promise.all(opts.files.map(readKnownHosts));
    } catch (e) {
      // Fail closed: a file we cannot read might hold the entry that says this key changed or was revoked.
      say(`Host key verification failed: cannot read known_hosts: ${(e as Error).message}`);
      return false;
    }
    for (const s of files.flatMap((f) => f.skipped))
      say(`${s.source}:${s.line}: skipped malformed known_hosts line (${s.reason})`);
    const entries = files.flatMap((f) => f.entries);
    if (info.certificate) {
      const verdict = checkCertificate(info.certificate, entries, host, port, name);
      if (verdict !== 'plain') return verdict;
      // ssh(1): "No matching CA found. Retry with plain key": from here on the certified key stands alone.
      info = { ...info, blob: info.key.blob, certificate: undefined };
    }
    const found = lookupHostKey(entries, host, port, info.blob);
    const label = typeLabel(info.key.type);
    switch (found.status) {
      case 'match':
        return true;
      case 'revoked':
        say(
          `WARNING: The ${label} host key for ${name} is marked as revoked (${where(found.revoked[0])}).\n` +
            'This could mean that a stolen key is being used to impersonate this host.',
        );
        return false;
      case 'mismatch':
        say(changedMessage(name, info, found.changed));
        if (strict !== 'no') {
          say(`Host key for ${name} has changed and you have requested strict checking.`);
          return false;
        }
        say(
          'StrictHostKeyChecking is off: connecting anyway. Do NOT send passwords or forward agents or ports ' +
            'over this connection until the key change is explained.',
        );
        return true;
      case 'unknown':
        return unknown(info, host, port, name, label, found.others);
    }
  }

  /** true / false for a certificate judged by a known CA or a revocation; 'plain' to check its key instead. */
  function checkCertificate(
    cert: Certificate,
    entries: KnownHostEntry[],
    host: string,
    port: number,
    name: string,
  ): boolean | 'plain' {
    const trust = hostCertificateTrust(entries, host, port);
    const label = `${typeLabel(cert.publicKey.type)}-CERT`;
    if (trust.revoked?.(cert.signatureKey, cert) || trust.revoked?.(cert.publicKey, cert)) {
      say(
        `WARNING: The ${label} host key for ${name} is marked as revoked.\n` +
          'This could mean that a stolen key is being used to impersonate this host.',
      );
      return false;
    }
    if (!trust.trustedCas(cert.signatureKey)) return 'plain';
    const verdict = verifyCertificate(opts.crypto ?? defaultCrypto(), cert, {
      now: (opts.now ?? Date.now)() / 1000,
      type: 'host',
      ...trust,
    });
    if (verdict.ok) return true;
    say(`Certificate invalid: ${verdict.reason}`);
    return 'plain';
  }

  async function unknown(
    info: HostKeyInfo,
    host: string,
    port: number,
    name: string,
    label: string,
    others: KnownHostEntry[],
  ): Promise<boolean> {
    const note = otherKeysNote(others);
    if (strict === 'yes') {
      say(`No ${label} host key is known for ${name} and you have requested strict checking.${note}`);
      return false;
    }
    if (strict === 'ask') {
      const question =
        `The authenticity of host '${name}' can't be established.\n` +
        `${label} key fingerprint is ${info.fingerprint}.${note}\n` +
        'Are you sure you want to continue connecting?';
      if (!opts.confirm) {
        say(`${question}\nNo way to ask (no confirm callback): Host key verification failed.`);
        return false;
      }
      if ((await opts.confirm(question, info)) !== true) {
        say('Host key verification failed.');
        return false;
      }
    }
    const file = opts.files[0];
    try {
      const line = formatKnownHostsLine(host, port, info.key, {
        hash: opts.hashNew,
        random: opts.random ?? systemRandom,
      });
      await appendKnownHost(file, line);
      say(`Warning: Permanently added '${name}' (${label}) to the list of known hosts.${note}`);
    } catch (e) {
      // ssh(1) goes on when it cannot record the key: the user (or policy) has already accepted it.
      say(`Failed to add the host to the list of known hosts (${file}): ${(e as Error).message}`);
    }
    return true;
  }
}
