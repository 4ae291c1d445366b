/**
 * Test helpers: stub keys and signatures, and an in-memory client/server pair driven step by step with a
 * bounded driver (a livelock fails the test instead of hanging it).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ClientAuth, type ClientAuthOptions, type ClientAuthOutput } from '../../src/auth/client-auth.js';
import {
  type AuthRequest,
  ServerAuth,
  type ServerAuthOptions,
  type ServerAuthOutput,
} from '../../src/auth/server-auth.js';
import { equalBytes, utf8 } from '../../src/crypto/bytes.js';
import { SshWriter } from '../../src/wire/writer.js';

export const SESSION_ID = utf8('session-id-of-this-connection-32');

/** A stand-in public-key blob: `string "ssh-ed25519" ‖ string name`. */
export function keyBlob(name: string): Uint8Array {
  return new SshWriter().string('ssh-ed25519').string(name).bytes();
}

/**
 * Stub signatures: HMAC-SHA256 keyed by the key blob. Only the test "holds" a key, by choosing to call it;
 * what matters here is that a signature is bound to one key and to the exact data.
 */
export function stubSign(publicKeyBlob: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, publicKeyBlob, data);
}

export function stubVerify(
  _alg: string,
  keyBlob: Uint8Array,
  signature: Uint8Array,
  data: Uint8Array,
): boolean {
  return equalBytes(signature, hmac(sha256, keyBlob, data));
}

export function makeServer(opts: Partial<ServerAuthOptions> = {}): ServerAuth {
  return new ServerAuth({
    sessionId: SESSION_ID,
    methods: ['publickey', 'password', 'keyboard-interactive'],
    verifySignature: stubVerify,
    ...opts,
  });
}

export function makeClient(opts: Partial<ClientAuthOptions> = {}): ClientAuth {
  return new ClientAuth({
    username: 'alice',
    sessionId: SESSION_ID,
    methods: [{ type: 'password' }],
    ...opts,
  });
}

export type ClientEvent = Exclude<ClientAuthOutput, { type: 'send' }>;
export type ServerEvent = Exclude<ServerAuthOutput, { type: 'send' }>;

export interface PairRun {
  client: ClientAuth;
  server: ServerAuth;
  clientEvents: ClientEvent[];
  serverEvents: ServerEvent[];
  /** Every decide request the application saw. */
  asked: AuthRequest[];
  /** Message numbers in the order they crossed, with their sender. */
  wire: string[];
}

/**
 * Runs both machines until neither has output. `onClient` answers the client's questions (it may call
 * answer*), `decide` answers the server's.
 */
export function runPair(
  client: ClientAuth,
  server: ServerAuth,
  onClient: (ev: ClientEvent, client: ClientAuth) => void,
  decide: (req: AuthRequest, server: ServerAuth) => Parameters<ServerAuth['decide']>[1],
): PairRun {
  const run: PairRun = { client, server, clientEvents: [], serverEvents: [], asked: [], wire: [] };
  client.start();
  for (let steps = 0; ; steps++) {
    if (steps > 10_000) throw new Error('auth pair did not settle');
    const c = client.poll();
    if (c) {
      if (c.type === 'send') {
        run.wire.push(`C${c.payload[0]}`);
        server.receive(c.payload);
      } else {
        run.clientEvents.push(c);
        onClient(c, client);
      }
      continue;
    }
    const s = server.poll();
    if (!s) return run;
    if (s.type === 'send') {
      run.wire.push(`S${s.payload[0]}`);
      client.receive(s.payload);
    } else {
      run.serverEvents.push(s);
      if (s.type === 'decide') {
        run.asked.push(s.request);
        server.decide(s.id, decide(s.request, server));
      }
    }
  }
}

/** Drains a server's outputs. */
export function drain<T>(m: { poll(): T | undefined }): T[] {
  const all: T[] = [];
  for (let x = m.poll(); x !== undefined; x = m.poll()) all.push(x);
  return all;
}
