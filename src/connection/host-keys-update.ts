/**
 * Client side of OpenSSH's host-key rotation (PROTOCOL §2.5, what `ssh -o UpdateHostKeys=yes` does): when the
 * server announces its host keys (hostkeys-00), ask it at once to prove the ones we do not know
 * (hostkeys-prove-00), verify every signature, and report the result. Unproven keys are never reported.
 */
import type { Subscription } from 'rxjs';
import {
  decodeGlobalRequestPayload,
  decodeHostkeysProveReply,
  encodeGlobalRequestPayload,
} from '../channel/global-request-payloads.js';
import type { CryptoBackend } from '../crypto/backend.js';
import { equalBytes } from '../crypto/bytes.js';
import { type PublicKey, parsePublicKey } from '../keys/public-key.js';
import { verifySignature } from '../keys/signature.js';
import type { Connection } from './connection.js';
import {
  HOSTKEYS_NAME,
  HOSTKEYS_PROVE_NAME,
  hostKeyProofData,
  rsaProofAlgorithm,
} from './host-keys-proof.js';

/** The server's host keys as it announced and proved them. */
export interface HostKeysUpdate {
  /** Every announced key that is the one the key exchange verified, already known, or proved just now. */
  readonly keys: readonly PublicKey[];
  /** The keys among `keys` that were proved by hostkeys-prove-00 on this connection. */
  readonly proven: readonly PublicKey[];
}

export interface HostKeysUpdateOptions {
  crypto: CryptoBackend;
  /** Keys the application already trusts (e.g. in known_hosts): they are reported without a proof. */
  isKnown?(key: PublicKey): boolean;
}

/** Far more keys than any server holds: a flood, ignored. */
const MAX_ANNOUNCED_KEYS = 64;

/**
 * Watches for hostkeys-00 and reports the proved keys with `report`; only the first announcement counts. Call
 * it before the handshake starts: the host key the key exchange verified is known by definition.
 */
export function learnHostKeys(
  connection: Connection,
  opts: HostKeysUpdateOptions,
  report: (update: HostKeysUpdate) => void,
): Subscription {
  let seen = false;
  let kexBlob: Uint8Array | undefined;
  const sub = connection.events$.subscribe((e) => {
    if (e.type === 'host-key') kexBlob = e.blob;
  });
  sub.add(
    connection.globalRequests$.subscribe((req) => {
      if (req.name !== HOSTKEYS_NAME || seen) return;
      seen = true;
      const announced = parseAnnounced(req.data);
      if (!announced) return;
      const known = (k: PublicKey) =>
        (kexBlob !== undefined && equalBytes(k.blob, kexBlob)) || opts.isKnown?.(k) === true;
      const knownKeys = announced.filter(known);
      const unknown = announced.filter((k) => !known(k));
      if (unknown.length === 0) return report({ keys: knownKeys, proven: [] });
      const payload = { type: HOSTKEYS_PROVE_NAME, hostKeys: unknown.map((k) => k.blob) } as const;
      sub.add(
        connection.globalRequest(HOSTKEYS_PROVE_NAME, encodeGlobalRequestPayload(payload)).subscribe({
          next: ({ ok, data }) => {
            if (ok && proved(connection, opts.crypto, unknown, data))
              report({ keys: [...knownKeys, ...unknown], proven: unknown });
          },
          error: () => {}, // the connection ended first: nothing was proved
        }),
      );
    }),
  );
  return sub;
}

/** The announced plain keys we can parse, without duplicates; undefined when the request is malformed. */
function parseAnnounced(data: Uint8Array): PublicKey[] | undefined {
  let blobs: Uint8Array[];
  try {
    const p = decodeGlobalRequestPayload(HOSTKEYS_NAME, data);
    blobs = p.type === HOSTKEYS_NAME ? p.hostKeys : [];
  } catch {
    return undefined;
  }
  if (blobs.length > MAX_ANNOUNCED_KEYS) return undefined;
  const keys: PublicKey[] = [];
  for (const blob of blobs) {
    // Types we do not support (certificates, security keys, DSA) are skipped, as OpenSSH skips them.
    let key: PublicKey;
    try {
      key = parsePublicKey(blob);
    } catch {
      continue;
    }
    if (!keys.some((k) => equalBytes(k.blob, key.blob))) keys.push(key);
  }
  return keys;
}

/** PROTOCOL §2.5: one signature per key, in request order, each over the proof data; all must verify. */
function proved(connection: Connection, crypto: CryptoBackend, keys: PublicKey[], data: Uint8Array): boolean {
  let signatures: Uint8Array[];
  try {
    signatures = decodeHostkeysProveReply(data, keys.length);
  } catch {
    return false;
  }
  // After an RSA key exchange the proof must use its algorithm (as OpenSSH's client insists). Otherwise sshd
  // signs RSA proofs with its default, SHA-1 `ssh-rsa` (serverloop.c), which OpenSSH's client accepts too: a
  // proof over our session id cannot be replayed, so SHA-1 collisions do not help an impostor here.
  const kexAlgorithm = connection.algorithms.hostKey;
  const rsaAllowed = kexAlgorithm.startsWith('rsa-sha2-')
    ? [rsaProofAlgorithm(kexAlgorithm)]
    : (['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] as const);
  return keys.every((key, i) =>
    verifySignature(
      crypto,
      key,
      signatures[i],
      hostKeyProofData(connection.sessionId, key.blob),
      key.type === 'ssh-rsa' ? rsaAllowed : [key.type],
    ),
  );
}
