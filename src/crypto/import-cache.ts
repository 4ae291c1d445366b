/**
 * Remembers a platform key object (a node:crypto KeyObject) per caller key, so a host key signing many times
 * pays the import once. Entries are keyed weakly by the caller's own array/object and carry a snapshot of
 * its contents: if the caller wipes or reuses that array, the snapshot no longer matches and the key is
 * imported again, so a stale key object is never used.
 */

import type { RsaKey } from './backend.js';
import { equalBytes } from './bytes.js';

export class ImportCache<K extends object, S, V> {
  readonly #entries = new WeakMap<K, { snapshot: S; value: V }>();
  readonly #snapshot: (key: K) => S;
  readonly #matches: (snapshot: S, key: K) => boolean;

  constructor(snapshot: (key: K) => S, matches: (snapshot: S, key: K) => boolean) {
    this.#snapshot = snapshot;
    this.#matches = matches;
  }

  get(key: K, make: () => V): V {
    const hit = this.#entries.get(key);
    if (hit !== undefined && this.#matches(hit.snapshot, key)) return hit.value;
    const value = make();
    this.#entries.set(key, { snapshot: this.#snapshot(key), value });
    return value;
  }
}

/** Keyed by a key's bytes; the snapshot is a private copy, compared in constant time. */
export function bytesKeyCache<V>(): ImportCache<Uint8Array, Uint8Array, V> {
  return new ImportCache<Uint8Array, Uint8Array, V>(
    (key) => Uint8Array.from(key),
    (snapshot, key) => equalBytes(snapshot, key),
  );
}

const RSA_FIELDS = ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** Keyed by an RsaKey object; the snapshot is a shallow copy of its integer fields. */
export function rsaKeyCache<V>(): ImportCache<RsaKey, RsaKey, V> {
  return new ImportCache<RsaKey, RsaKey, V>(
    (key) => ({ ...key }),
    (snapshot, key) => RSA_FIELDS.every((f) => snapshot[f] === key[f]),
  );
}
