/** Shared helpers for certificate tests: a CA, certificates it signs, and an in-memory client/server run. */
import type { Subscription } from 'rxjs';
import type { AcceptOptions } from '../../src/connection/accept.js';
import type { ConnectOptions } from '../../src/connection/connect.js';
import type { Connection } from '../../src/connection/connection.js';
import { defaultCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import {
  type CertificateRole,
  generateKey,
  type KeyType,
  type PrivateKey,
  type SignCertificateOptions,
  signCertificate,
} from '../../src/keys/index.js';
import { connectedPair } from '../../src/testing/index.js';

export const crypto = defaultCrypto();

let keys = 0;
/** A fresh key; RSA keys are slow to make, so tests use few. */
export function newKey(type: KeyType = 'ssh-ed25519'): PrivateKey {
  return generateKey(crypto, type, { random: seededRandom(`cert-test/${keys++}`), bits: 2048 });
}

/** Signs a certificate for `key`, valid from the epoch to forever unless told otherwise. */
export function certify(
  ca: PrivateKey,
  key: PrivateKey,
  type: CertificateRole,
  principals: string[],
  extra: Partial<SignCertificateOptions> = {},
): Uint8Array {
  return signCertificate(crypto, {
    publicKey: key.publicKey,
    caKey: ca,
    type,
    keyId: `test-${type}`,
    principals,
    random: seededRandom(`nonce/${keys++}`),
    ...extra,
  });
}

export const sameKey = (a: { blob: Uint8Array }, b: { blob: Uint8Array }) =>
  a.blob.length === b.blob.length && a.blob.every((x, i) => x === b.blob[i]);

/**
 * Runs one in-memory handshake; resolves with both connections (still open: call `close`) or rejects with
 * the client's error (and closes everything).
 */
export async function handshake(
  client: Partial<ConnectOptions>,
  server: Partial<AcceptOptions>,
): Promise<{ client: Connection; server: Connection; close(): void }> {
  const { client$, server$ } = connectedPair({ client, server: { authFailureDelayMs: 0, ...server } });
  const subs: Subscription[] = [];
  const close = () => {
    for (const s of subs) s.unsubscribe();
  };
  const serverConn = new Promise<Connection>((resolve, reject) => {
    subs.push(server$.subscribe({ next: resolve, error: reject }));
  });
  serverConn.catch(() => undefined); // the client's error is the one reported
  try {
    const clientConn = await new Promise<Connection>((resolve, reject) => {
      subs.push(client$.subscribe({ next: resolve, error: reject }));
    });
    return { client: clientConn, server: await serverConn, close };
  } catch (e) {
    close();
    throw e;
  }
}
