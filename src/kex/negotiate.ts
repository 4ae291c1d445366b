/**
 * Algorithm negotiation, RFC 4253 §7.1: for every category the chosen algorithm is the first one on the
 * client's list that is also on the server's list. Pure: two KEXINIT name-list sets in, names out.
 */
import { KexError } from '../errors.js';
import type { KexInitLists } from './kexinit-lists.js';

export interface Negotiated {
  kex: string;
  hostKey: string;
  cipherCS: string;
  cipherSC: string;
  /** `undefined` when the direction's cipher is AEAD: its tag is the MAC (OpenSSH, RFC 5647 §5.1 variant). */
  macCS: string | undefined;
  macSC: string | undefined;
  compCS: string;
  compSC: string;
}

export interface NegotiateOptions {
  isAead(cipher: string): boolean;
  /** Filters host-key algorithms we could never use (e.g. no key or verifier for it). Default: all. */
  hostKeyUsable?(alg: string): boolean;
  /** Which side we are, only to label `ours`/`theirs` in a KexError. Default 'client'. */
  side?: 'client' | 'server';
}

/**
 * Names that signal capabilities inside the kex list and are never key-exchange methods:
 * RFC 8308 §2.1 ext-info markers and OpenSSH's strict-kex markers (PROTOCOL §1.9).
 */
export const PSEUDO_KEX_NAMES: ReadonlySet<string> = new Set([
  'ext-info-c',
  'ext-info-s',
  'kex-strict-c-v00@openssh.com',
  'kex-strict-s-v00@openssh.com',
]);

type Category = keyof KexInitLists;

/**
 * @example
 * const chosen = negotiate(clientLists, serverLists, { isAead: (c) => c.endsWith('-gcm@openssh.com') });
 * chosen.kex; // e.g. 'curve25519-sha256'
 */
export function negotiate(client: KexInitLists, server: KexInitLists, opts: NegotiateOptions): Negotiated {
  const side = opts.side ?? 'client';
  const pick = (kind: Category, usable: (name: string) => boolean = () => true): string => {
    const theirs = new Set(server[kind]);
    for (const name of client[kind]) if (theirs.has(name) && usable(name)) return name;
    const [ours, peer] = side === 'client' ? [client[kind], server[kind]] : [server[kind], client[kind]];
    throw new KexError(`no common ${kind} algorithm`, 'policy', { kind, ours: [...ours], theirs: [...peer] });
  };

  const kex = pick('kex', (name) => !PSEUDO_KEX_NAMES.has(name));
  const hostKey = pick('hostKey', (name) => opts.hostKeyUsable?.(name) ?? true);
  const cipherCS = pick('cipherCS');
  const cipherSC = pick('cipherSC');
  // An AEAD cipher authenticates the packet itself; the MAC list is then ignored (OpenSSH kex.c choose_mac).
  const macCS = opts.isAead(cipherCS) ? undefined : pick('macCS');
  const macSC = opts.isAead(cipherSC) ? undefined : pick('macSC');
  const compCS = pick('compCS');
  const compSC = pick('compSC');
  return { kex, hostKey, cipherCS, cipherSC, macCS, macSC, compCS, compSC };
}

/**
 * RFC 4253 §7: a `first_kex_packet_follows` guess is right only when both sides list the same preferred kex
 * algorithm and the same preferred host-key algorithm. A wrong guess means the guessed packet is ignored.
 */
export function guessWasRight(client: KexInitLists, server: KexInitLists): boolean {
  return (
    client.kex.length > 0 &&
    client.hostKey.length > 0 &&
    client.kex[0] === server.kex[0] &&
    client.hostKey[0] === server.hostKey[0]
  );
}
