/**
 * A sans-I/O ssh-agent holding keys in memory (draft-miller-ssh-agent-04 §4): one unframed request in, one
 * unframed response out, time passed in as `now` (milliseconds on any monotonic clock). It owns the keys it
 * holds and wipes them when they are removed or expire.
 */
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { toHex } from '../crypto/bytes.js';
import { defaultCrypto } from '../crypto/index.js';
import { systemRandom } from '../crypto/random.js';
import { UsageError } from '../errors.js';
import {
  type PrivateKey,
  type PublicKey,
  readPrivateKeyBody,
  type SignatureAlgorithm,
  wipePrivateKey,
  writePrivateKeyBody,
} from '../keys/index.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';
import { AgentLock } from './agent-lock.js';
import {
  AGENT_MAX_IDENTITIES,
  type AgentKeyConstraints,
  type AgentRequest,
  type AgentResponse,
  AgentSignFlag,
  decodeAgentRequest,
  encodeAgentResponse,
} from './agent-messages.js';

/** What a confirmation callback is told about a pending signature (draft §4.2.6.2). */
export interface AgentConfirmRequest {
  publicKey: PublicKey;
  comment: string;
}

export interface AgentServerOptions {
  crypto?: CryptoBackend;
  /** Salt for the lock passphrase hash; default systemRandom. */
  random?: RandomSource;
  /**
   * Asked before each signature with a key added under the confirm constraint; without it such signatures
   * are refused, as OpenSSH's agent does when it has no askpass to ask with.
   */
  confirm?: (request: AgentConfirmRequest) => boolean;
  /** Keys held at most (default 2048, what OpenSSH clients accept in one list); more are refused. */
  maxKeys?: number;
}

/** A held key as the owner of the agent sees it. */
export interface AgentKeyInfo {
  publicKey: PublicKey;
  comment: string;
  confirm: boolean;
  /** When the key will be forgotten, on the caller's clock; undefined for no limit. */
  expiresAt: number | undefined;
}

interface Entry {
  key: PrivateKey;
  comment: string;
  confirm: boolean;
  expiresAt: number | undefined;
}

const FAILURE: AgentResponse = { type: 'failure' };
const SUCCESS: AgentResponse = { type: 'success' };

/**
 * @example
 * const agent = new AgentServer();
 * const reply = agent.handle(requestBytes, performance.now()); // unframed; see agentStream for framing
 */
export class AgentServer {
  private readonly keys = new Map<string, Entry>(); // hex(public key blob) → entry, in insertion order
  private readonly lock: AgentLock;
  private readonly crypto: CryptoBackend;
  private readonly maxKeys: number;

  constructor(private readonly options: AgentServerOptions = {}) {
    this.crypto = options.crypto ?? defaultCrypto();
    this.lock = new AgentLock(this.crypto, options.random ?? systemRandom);
    this.maxKeys = options.maxKeys ?? AGENT_MAX_IDENTITIES;
  }

  get locked(): boolean {
    return this.lock.locked;
  }

  /**
   * Answers one request. A malformed request gets FAILURE and leaves the agent as it was (the frame
   * boundary is intact, so the connection can go on, as with OpenSSH).
   */
  handle(message: Uint8Array, now: number): Uint8Array {
    let req: AgentRequest;
    try {
      req = decodeAgentRequest(message);
    } catch {
      return encodeAgentResponse(FAILURE);
    }
    return encodeAgentResponse(this.respond(req, now));
  }

  /** Answers one decoded request. */
  respond(req: AgentRequest, now: number): AgentResponse {
    this.expire(now);
    // §4.6: a locked agent lists no keys and refuses everything but UNLOCK.
    if (this.lock.locked) {
      if (req.type === 'unlock') return this.lock.unlock(req.passphrase, now) ? SUCCESS : FAILURE;
      if (req.type === 'request-identities') return { type: 'identities', identities: [] };
      return FAILURE;
    }
    switch (req.type) {
      case 'request-identities':
        return {
          type: 'identities',
          identities: [...this.keys.values()].map((e) => ({
            keyBlob: e.key.publicKey.blob,
            comment: e.comment,
          })),
        };
      case 'sign':
        return this.sign(req.keyBlob, req.data, req.flags);
      case 'add-identity':
        return this.store(req.key, req.key.comment, req.constraints, now) ? SUCCESS : FAILURE;
      case 'remove-identity':
        return this.drop(toHex(req.keyBlob)) ? SUCCESS : FAILURE;
      case 'remove-all-identities':
        for (const id of [...this.keys.keys()]) this.drop(id);
        return SUCCESS;
      case 'lock':
        return this.lock.lock(req.passphrase) ? SUCCESS : FAILURE;
      case 'unlock':
        return FAILURE; // not locked
      case 'extension':
      case 'unsupported':
        return FAILURE; // §4.7: an agent that does not know an extension answers FAILURE
    }
  }

  /**
   * Adds a key from the owner's side (not through the protocol). The agent keeps its own copy, so wiping it
   * on removal does not touch the caller's key.
   * @throws UsageError when the agent is locked or full, or the constraints are refused
   */
  addKey(key: PrivateKey, constraints: AgentKeyConstraints, now: number): void {
    const w = new SshWriter(1024);
    writePrivateKeyBody(w, key);
    const copy = readPrivateKeyBody(new SshReader(w.peek(), 'private key'));
    w.peek().fill(0);
    if (this.lock.locked || !this.store(copy, key.comment, constraints, now)) {
      wipePrivateKey(copy);
      throw new UsageError('agent is locked or full, or the constraints are not supported');
    }
  }

  /** The keys held now (locked or not), expired ones dropped first. */
  list(now: number): AgentKeyInfo[] {
    this.expire(now);
    return [...this.keys.values()].map((e) => ({
      publicKey: e.key.publicKey,
      comment: e.comment,
      confirm: e.confirm,
      expiresAt: e.expiresAt,
    }));
  }

  /** Drops and wipes every key whose lifetime ended at or before `now`. */
  expire(now: number): void {
    for (const [id, e] of this.keys) if (e.expiresAt !== undefined && e.expiresAt <= now) this.drop(id);
  }

  /** The earliest key expiry, for the edge to set one timer; undefined when no key has a lifetime. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const e of this.keys.values())
      if (e.expiresAt !== undefined && (next === undefined || e.expiresAt < next)) next = e.expiresAt;
    return next;
  }

  private store(key: PrivateKey, comment: string, c: AgentKeyConstraints, now: number): boolean {
    const id = toHex(key.publicKey.blob);
    // Unknown constraint extensions must be refused, not ignored: they restrict use (§4.2.6.3).
    if (c.extension !== undefined || (!this.keys.has(id) && this.keys.size >= this.maxKeys)) {
      wipePrivateKey(key);
      return false;
    }
    const old = this.keys.get(id);
    if (old && old.key !== key) wipePrivateKey(old.key);
    this.keys.delete(id); // re-adding replaces the key and its constraints, and moves it to the end
    const expiresAt = c.lifetimeSeconds === undefined ? undefined : now + c.lifetimeSeconds * 1000;
    this.keys.set(id, { key, comment, confirm: c.confirm === true, expiresAt });
    return true;
  }

  private drop(id: string): boolean {
    const e = this.keys.get(id);
    if (!e) return false;
    this.keys.delete(id);
    wipePrivateKey(e.key);
    return true;
  }

  /** §4.5, §4.5.1: the flags choose the RSA hash; without one an RSA key makes ssh-rsa (SHA-1), as OpenSSH's agent does. */
  private sign(keyBlob: Uint8Array, data: Uint8Array, flags: number): AgentResponse {
    const e = this.keys.get(toHex(keyBlob));
    if (!e) return FAILURE;
    if (e.confirm && !this.confirmed(e)) return FAILURE;
    let algorithm: SignatureAlgorithm | undefined;
    if (e.key.type === 'ssh-rsa') {
      if (flags & AgentSignFlag.RSA_SHA2_256) algorithm = 'rsa-sha2-256';
      else if (flags & AgentSignFlag.RSA_SHA2_512) algorithm = 'rsa-sha2-512';
      else algorithm = 'ssh-rsa';
    }
    try {
      return { type: 'sign-response', signature: e.key.sign(this.crypto, data, algorithm) };
    } catch {
      return FAILURE;
    }
  }

  private confirmed(e: Entry): boolean {
    try {
      return this.options.confirm?.({ publicKey: e.key.publicKey, comment: e.comment }) === true;
    } catch {
      return false;
    }
  }
}
