/**
 * Picks the crypto backend for the platform. `node:crypto` is loaded with a guarded dynamic import, so this
 * module also loads in a browser bundle, where only the noble backend exists.
 *
 * @example
 * import { defaultCrypto } from './crypto/index.js';
 * const crypto = defaultCrypto(); // node:crypto under Node, noble elsewhere
 * crypto.hash('sha256', bytes);
 */

import type { CryptoBackend } from './backend.js';
import { nobleCrypto } from './noble-backend.js';
import { createNodeBackend } from './node-backend.js';

export type * from './backend.js';
export { createNobleBackend, type NobleBackendOptions, nobleCrypto } from './noble-backend.js';
export { createNodeBackend } from './node-backend.js';
export { seededRandom, systemRandom } from './random.js';

async function loadNodeCrypto(): Promise<typeof import('node:crypto') | undefined> {
  try {
    const mod = await import('node:crypto');
    // Bundlers may hand back an empty stub for node builtins instead of failing the import.
    return typeof mod.createCipheriv === 'function' ? mod : undefined;
  } catch {
    return undefined;
  }
}

const loaded = await loadNodeCrypto();

/** The node:crypto backend, or undefined where `node:crypto` cannot be imported (browsers, workers). */
export const nodeCrypto: CryptoBackend | undefined =
  loaded === undefined ? undefined : createNodeBackend(loaded);

/** Every backend available here (node first): run a test suite once per entry to keep them in step. */
export const cryptoBackends: readonly CryptoBackend[] =
  nodeCrypto === undefined ? [nobleCrypto] : [nodeCrypto, nobleCrypto];

/** The fastest backend available: node:crypto when importable, else noble. */
export function defaultCrypto(): CryptoBackend {
  return nodeCrypto ?? nobleCrypto;
}
