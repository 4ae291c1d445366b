/**
 * Server side of OpenSSH's host-key rotation (PROTOCOL §2.5): once the client is authenticated, announce every
 * plain host key (hostkeys-00, no reply wanted) and answer hostkeys-prove-00 with one signature per requested
 * key, so a client with UpdateHostKeys can learn keys it has not seen yet.
 */
import type { Subscription } from 'rxjs';
import {
  decodeGlobalRequestPayload,
  encodeGlobalRequestPayload,
  encodeHostkeysProveReply,
} from '../channel/global-request-payloads.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { equalBytes } from '../crypto/bytes.js';
import type { PrivateKey } from '../keys/private-key.js';
import type { Connection, GlobalRequestMsg } from './connection.js';
import {
  HOSTKEYS_NAME,
  HOSTKEYS_PROVE_NAME,
  hostKeyProofData,
  rsaProofAlgorithm,
} from './host-keys-proof.js';

/** More keys in one prove request than any server holds is a flood, refused without signing. */
const MAX_PROVE_KEYS = 64;

/**
 * Subscribes to the connection's global requests to answer hostkeys-prove-00, then sends hostkeys-00. Call it
 * before the application sees the connection, so no prove request can slip past unanswered.
 */
export function announceHostKeys(
  connection: Connection,
  keys: readonly PrivateKey[],
  crypto: CryptoBackend,
): Subscription {
  const sub = connection.globalRequests$.subscribe((req) => {
    if (req.name === HOSTKEYS_PROVE_NAME) proveHostKeys(connection, keys, crypto, req);
  });
  const payload = { type: HOSTKEYS_NAME, hostKeys: keys.map((k) => k.publicKey.blob) } as const;
  connection.sendGlobalRequest(HOSTKEYS_NAME, encodeGlobalRequestPayload(payload));
  return sub;
}

function proveHostKeys(
  connection: Connection,
  keys: readonly PrivateKey[],
  crypto: CryptoBackend,
  req: GlobalRequestMsg,
): void {
  let blobs: Uint8Array[];
  try {
    const p = decodeGlobalRequestPayload(req.name, req.data);
    blobs = p.type === HOSTKEYS_PROVE_NAME ? p.hostKeys : [];
  } catch {
    return req.reply(false); // a malformed request is refused, as sshd does
  }
  if (blobs.length === 0 || blobs.length > MAX_PROVE_KEYS) return req.reply(false);
  const owned = blobs.map((b) => keys.find((k) => equalBytes(k.publicKey.blob, b)));
  // PROTOCOL §2.5: a key we never announced cannot be proved; the whole request fails.
  if (owned.some((k) => !k)) return req.reply(false);
  const rsaAlgorithm = rsaProofAlgorithm(connection.algorithms.hostKey);
  const signatures = (owned as PrivateKey[]).map((k) =>
    k.sign(
      crypto,
      hostKeyProofData(connection.sessionId, k.publicKey.blob),
      k.type === 'ssh-rsa' ? rsaAlgorithm : undefined,
    ),
  );
  req.reply(true, encodeHostkeysProveReply(signatures));
}
