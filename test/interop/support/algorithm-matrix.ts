/**
 * The algorithm coverage plan shared by the interop suites. The full cross product of kex × host key ×
 * cipher × MAC is far too large for real processes, so each dimension is covered on its own: every kex
 * method once, every host-key algorithm once, and every cipher once per MAC (an AEAD cipher ignores the
 * MAC list, so it appears once). Everything not being tested is left to ordinary negotiation.
 */
import type { Negotiated } from '../../../src/kex/negotiate.js';

/** One connection of the matrix: the algorithms forced for it (single-entry lists on one side). */
export interface MatrixCase {
  /** Readable test name, e.g. `kex curve25519-sha256`. */
  label: string;
  kex?: string;
  hostKey?: string;
  cipher?: string;
  /** Absent for AEAD ciphers, whose tag is the MAC (OpenSSH PROTOCOL.chacha20poly1305, RFC 5647 §5.1). */
  mac?: string;
}

export interface AlgorithmSets {
  kex: readonly string[];
  hostKey: readonly string[];
  cipher: readonly string[];
  mac: readonly string[];
}

/** The key type inside the blob a host-key algorithm presents (RFC 8332 §3: rsa-sha2-* sign with ssh-rsa keys). */
export const keyTypeOf = (algorithm: string): string =>
  algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm;

/** Names on both lists, in `ours` order. */
export const intersect = (ours: readonly string[], theirs: readonly string[]): string[] =>
  ours.filter((name) => theirs.includes(name));

export function matrixCases(both: AlgorithmSets, isAead: (cipher: string) => boolean): MatrixCase[] {
  const cases: MatrixCase[] = [];
  for (const kex of both.kex) cases.push({ label: `kex ${kex}`, kex });
  for (const hostKey of both.hostKey) cases.push({ label: `host key ${hostKey}`, hostKey });
  for (const cipher of both.cipher) {
    if (isAead(cipher)) cases.push({ label: `cipher ${cipher}`, cipher });
    else for (const mac of both.mac) cases.push({ label: `cipher ${cipher} + mac ${mac}`, cipher, mac });
  }
  return cases;
}

/** Escapes a literal for use inside a RegExp. */
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** End of an OpenSSH log line: sshd adds ` [preauth]` before authentication, and both write CRLF. */
const LINE_END = '(?: \\[preauth\\])?\\r?$';

/** The four `kex:` lines OpenSSH logs at DEBUG1 for one exchange, as whole-line patterns. */
export function kexLogLines(n: Negotiated): RegExp[] {
  const esc = escapeRegExp;
  const dir = (d: string, cipher: string, mac: string | undefined, comp: string) =>
    new RegExp(
      `^debug1: kex: ${esc(d)} cipher: ${esc(cipher)} MAC: ${esc(mac ?? '<implicit>')} compression: ${esc(comp)}${LINE_END}`,
      'm',
    );
  return [
    new RegExp(`^debug1: kex: algorithm: ${esc(n.kex)}${LINE_END}`, 'm'),
    new RegExp(`^debug1: kex: host key algorithm: ${esc(n.hostKey)}${LINE_END}`, 'm'),
    dir('client->server', n.cipherCS, n.macCS, n.compCS),
    dir('server->client', n.cipherSC, n.macSC, n.compSC),
  ];
}
