/**
 * Algorithm preferences and the name-lists we put in KEXINIT (RFC 4253 §7.1). Orders are data: the first
 * entry is the most preferred. Pseudo-algorithms that only signal support are added here, in the first
 * KEXINIT only: `ext-info-c` / `ext-info-s` (RFC 8308 §2.1) and the strict-kex markers (OpenSSH PROTOCOL §1.9).
 */
import { DEFAULT_CIPHERS, DEFAULT_MACS } from '../cipher/registry.js';
import type { KexInitLists } from '../kex/kexinit-lists.js';
import { DEFAULT_KEX } from '../kex/registry.js';
import { DEFAULT_HOST_KEY_ALGORITHMS } from '../keys/key-types.js';

export interface AlgorithmPreferences {
  kex: readonly string[];
  hostKey: readonly string[];
  cipher: readonly string[];
  mac: readonly string[];
  compression: readonly string[];
}

export const EXT_INFO_CLIENT = 'ext-info-c';
export const EXT_INFO_SERVER = 'ext-info-s';
export const STRICT_KEX_CLIENT = 'kex-strict-c-v00@openssh.com';
export const STRICT_KEX_SERVER = 'kex-strict-s-v00@openssh.com';

export const DEFAULT_COMPRESSION: readonly string[] = ['none', 'zlib@openssh.com'];

/**
 * ChaCha20-Poly1305 first: the order for a backend without native AES. In JavaScript AES-GCM runs at a few
 * tens of MB/s (GHASH and table-free AES are slow) while ChaCha20-Poly1305 (WebAssembly) runs at hundreds.
 */
export const DEFAULT_CIPHERS_WITHOUT_NATIVE_AES: readonly string[] = Object.freeze([
  'chacha20-poly1305@openssh.com',
  ...DEFAULT_CIPHERS.filter((c) => c !== 'chacha20-poly1305@openssh.com'),
]);

/**
 * Our default lists. The cipher order follows the backend: node:crypto (OpenSSL, which uses the CPU's AES
 * instructions) puts AES-GCM first; the pure-JS backend puts ChaCha20-Poly1305 first.
 */
export function defaultPreferences(crypto?: { readonly name: string }): AlgorithmPreferences {
  return {
    kex: DEFAULT_KEX,
    hostKey: DEFAULT_HOST_KEY_ALGORITHMS,
    cipher: crypto && crypto.name !== 'node' ? DEFAULT_CIPHERS_WITHOUT_NATIVE_AES : DEFAULT_CIPHERS,
    mac: DEFAULT_MACS,
    compression: DEFAULT_COMPRESSION,
  };
}

/**
 * Applies an OpenSSH-style list edit to a default list: `+a,b` appends, `-a,b` removes, `^a,b` puts first,
 * anything else replaces (ssh_config(5) KexAlgorithms etc.).
 */
export function editAlgorithmList(base: readonly string[], spec: string): string[] {
  const names = spec
    .slice(/^[+\-^]/.test(spec) ? 1 : 0)
    .split(',')
    .filter(Boolean);
  switch (spec[0]) {
    case '+':
      return [...base, ...names.filter((n) => !base.includes(n))];
    case '-':
      return base.filter((n) => !names.includes(n));
    case '^':
      return [...names, ...base.filter((n) => !names.includes(n))];
    default:
      return names;
  }
}

export function kexInitLists(
  role: 'client' | 'server',
  prefs: AlgorithmPreferences,
  hostKeyAlgorithms: readonly string[],
  initial: boolean,
  strictKex: boolean,
): KexInitLists {
  const kex = [...prefs.kex];
  if (initial) {
    kex.push(role === 'client' ? EXT_INFO_CLIENT : EXT_INFO_SERVER);
    if (strictKex) kex.push(role === 'client' ? STRICT_KEX_CLIENT : STRICT_KEX_SERVER);
  }
  return {
    kex,
    hostKey: [...hostKeyAlgorithms],
    cipherCS: [...prefs.cipher],
    cipherSC: [...prefs.cipher],
    macCS: [...prefs.mac],
    macSC: [...prefs.mac],
    compCS: [...prefs.compression],
    compSC: [...prefs.compression],
    langCS: [],
    langSC: [],
  };
}
