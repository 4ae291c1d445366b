/**
 * An agent client over any byte stream (a unix socket from agent-socket.ts, or a forwarded-agent SSH channel):
 * list keys, sign, add, remove, lock (draft-miller-ssh-agent-04 §4). Every method has a Promise form and a
 * cold Observable form (`$` suffix) that sends its request on subscribe.
 */
import { defer, type Observable } from 'rxjs';
import { utf8 } from '../crypto/bytes.js';
import { ConnectionLostError, ProtocolError, type SshError, UsageError } from '../errors.js';
import type { ByteIO } from '../io/byte-io.js';
import {
  isKeyType,
  keyTypeOfSignatureAlgorithm,
  type PrivateKey,
  type PublicKey,
  parsePublicKey,
  parseSignature,
  type SignatureAlgorithm,
} from '../keys/index.js';
import { SshReader } from '../wire/reader.js';
import { AgentClientCore, type AgentReply } from './agent-client-core.js';
import { AgentRefusedError } from './agent-error.js';
import { type AgentRequest, type AgentResponse, AgentSignFlag } from './agent-messages.js';

/** One key the agent holds. `publicKey` is null for types we cannot parse (certificates, FIDO keys). */
export interface AgentIdentity {
  keyBlob: Uint8Array;
  comment: string;
  publicKey: PublicKey | null;
}

export interface AgentAddOptions {
  /** The agent forgets the key after this many seconds (draft §4.2.6.1). */
  lifetimeSeconds?: number;
  /** The agent asks its user before each signature (draft §4.2.6.2). */
  confirm?: boolean;
  /** Comment stored with the key; default `key.comment`. */
  comment?: string;
}

type Settle = { resolve: (r: AgentResponse) => void; reject: (e: SshError) => void };

/**
 * @example
 * const agent = await connectAgent(); // SSH_AUTH_SOCK
 * for (const id of await agent.identities()) console.log(id.comment);
 * const sig = await agent.sign(id.keyBlob, data, 'rsa-sha2-256');
 */
export class AgentClient {
  private readonly core = new AgentClientCore();
  private readonly waiting = new Map<number, Settle>();
  private failure: SshError | null = null;

  constructor(private readonly io: ByteIO) {
    io.input.subscribe({
      next: (chunk) => this.onBytes(chunk),
      error: (e: unknown) => this.fail(new ConnectionLostError('agent connection failed', e)),
      complete: () => this.fail(new ConnectionLostError('agent closed the connection')),
    });
  }

  /** Lists the agent's keys (§4.4). A locked agent lists none. */
  async identities(): Promise<AgentIdentity[]> {
    const res = await this.call({ type: 'request-identities' }, 'listing keys');
    if (res.type !== 'identities') throw unexpected(res, 'IDENTITIES_ANSWER');
    return res.identities.map(({ keyBlob, comment }) => ({ keyBlob, comment, publicKey: tryParse(keyBlob) }));
  }

  /**
   * Asks the agent to sign `data` with the key whose blob is given (§4.5). For RSA keys `algorithm` picks the
   * hash via the flags of §4.5.1; the reply's algorithm must be the one asked for (or, when none is given,
   * one of the key's own), so an agent cannot downgrade rsa-sha2-512 to SHA-1 behind our back.
   * @returns the signature blob, `string algorithm ‖ string signature` (RFC 4253 §6.6)
   */
  async sign(
    key: Uint8Array | PublicKey,
    data: Uint8Array,
    algorithm?: SignatureAlgorithm,
  ): Promise<Uint8Array> {
    const keyBlob = key instanceof Uint8Array ? key : key.blob;
    const keyType = blobKeyType(keyBlob);
    if (algorithm !== undefined && isKeyType(keyType) && keyTypeOfSignatureAlgorithm(algorithm) !== keyType)
      throw new UsageError(`a ${keyType} key cannot make ${algorithm} signatures`);
    const flags =
      algorithm === 'rsa-sha2-256'
        ? AgentSignFlag.RSA_SHA2_256
        : algorithm === 'rsa-sha2-512'
          ? AgentSignFlag.RSA_SHA2_512
          : 0;
    const res = await this.call({ type: 'sign', keyBlob, data, flags }, 'to sign');
    if (res.type !== 'sign-response') throw unexpected(res, 'SIGN_RESPONSE');
    let got: string;
    try {
      got = parseSignature(res.signature).algorithm;
    } catch (e) {
      throw new ProtocolError(`agent sent a malformed signature: ${(e as Error).message}`);
    }
    const fits =
      algorithm !== undefined ? got === algorithm : !isKeyType(keyType) || sigFitsKey(got, keyType);
    if (!fits) throw new ProtocolError(`agent signed with ${got}, expected ${algorithm ?? keyType}`);
    return res.signature;
  }

  /** Adds a private key, constrained when options ask for it (§4.2). */
  async add(key: PrivateKey, options: AgentAddOptions = {}): Promise<void> {
    const { lifetimeSeconds, confirm } = options;
    if (lifetimeSeconds !== undefined && !(Number.isInteger(lifetimeSeconds) && lifetimeSeconds >= 0))
      throw new UsageError('lifetimeSeconds must be a non-negative integer');
    if (lifetimeSeconds !== undefined && lifetimeSeconds > 0xffffffff)
      throw new UsageError('lifetimeSeconds must fit in a uint32');
    const withComment = options.comment === undefined ? key : { ...key, comment: options.comment };
    const constraints = { lifetimeSeconds, confirm: confirm === true ? true : undefined };
    const res = await this.call({ type: 'add-identity', key: withComment, constraints }, 'to add the key');
    expectSuccess(res);
  }

  /** Removes one key (§4.3). */
  async remove(key: Uint8Array | PublicKey): Promise<void> {
    const keyBlob = key instanceof Uint8Array ? key : key.blob;
    expectSuccess(await this.call({ type: 'remove-identity', keyBlob }, 'to remove the key'));
  }

  /** Removes every key (§4.3). */
  async removeAll(): Promise<void> {
    expectSuccess(await this.call({ type: 'remove-all-identities' }, 'to remove all keys'));
  }

  /** Locks the agent with a passphrase (§4.6): it lists no keys and signs nothing until unlocked. */
  async lock(passphrase: string | Uint8Array): Promise<void> {
    expectSuccess(await this.call({ type: 'lock', passphrase: toBytes(passphrase) }, 'to lock'));
  }

  async unlock(passphrase: string | Uint8Array): Promise<void> {
    expectSuccess(await this.call({ type: 'unlock', passphrase: toBytes(passphrase) }, 'to unlock'));
  }

  identities$(): Observable<AgentIdentity[]> {
    return defer(() => this.identities());
  }
  sign$(
    key: Uint8Array | PublicKey,
    data: Uint8Array,
    algorithm?: SignatureAlgorithm,
  ): Observable<Uint8Array> {
    return defer(() => this.sign(key, data, algorithm));
  }
  add$(key: PrivateKey, options?: AgentAddOptions): Observable<void> {
    return defer(() => this.add(key, options));
  }
  remove$(key: Uint8Array | PublicKey): Observable<void> {
    return defer(() => this.remove(key));
  }
  removeAll$(): Observable<void> {
    return defer(() => this.removeAll());
  }
  lock$(passphrase: string | Uint8Array): Observable<void> {
    return defer(() => this.lock(passphrase));
  }
  unlock$(passphrase: string | Uint8Array): Observable<void> {
    return defer(() => this.unlock(passphrase));
  }

  /** Closes the connection; requests still waiting fail with ConnectionLostError. */
  close(): void {
    this.fail(new ConnectionLostError('agent client closed'));
  }

  /**
   * Sends any request and resolves with the agent's decoded reply (FAILURE included, as a value), for
   * extensions (§4.7) and anything the typed methods do not cover.
   */
  request(req: AgentRequest): Promise<AgentResponse> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<AgentResponse>((resolve, reject) => {
      const { id, bytes } = this.core.request(req);
      this.waiting.set(id, { resolve, reject });
      this.io.write(bytes);
    });
  }

  private async call(req: AgentRequest, operation: string): Promise<AgentResponse> {
    const res = await this.request(req);
    if (res.type === 'failure' || res.type === 'extension-failure') throw new AgentRefusedError(operation);
    return res;
  }

  private onBytes(chunk: Uint8Array): void {
    let replies: AgentReply[];
    try {
      replies = this.core.receive(chunk);
    } catch (e) {
      return this.fail(e as SshError);
    }
    for (const reply of replies) {
      const settle = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if ('error' in reply) settle?.reject(reply.error);
      else settle?.resolve(reply.response);
    }
  }

  private fail(err: SshError): void {
    if (this.failure) return;
    this.failure = err;
    for (const settle of this.waiting.values()) settle.reject(err);
    this.waiting.clear();
    this.io.end();
  }
}

function toBytes(v: string | Uint8Array): Uint8Array {
  if (typeof v === 'string') return utf8(v);
  if (v instanceof Uint8Array) return v;
  throw new UsageError('passphrase must be a string or Uint8Array');
}

function expectSuccess(res: AgentResponse): void {
  if (res.type !== 'success') throw unexpected(res, 'SUCCESS');
}

/** A reply of the wrong kind is the agent's fault, never a crash (cf. Go x/crypto CVE-2025-47913). */
function unexpected(res: AgentResponse, wanted: string): ProtocolError {
  const got = res.type === 'other' ? `message ${res.messageNumber}` : res.type;
  return new ProtocolError(`agent replied ${got}, expected ${wanted}`);
}

function tryParse(blob: Uint8Array): PublicKey | null {
  try {
    return parsePublicKey(blob);
  } catch {
    return null; // OpenSSH skips key types it does not know (authfd.c); we keep the blob for the caller
  }
}

/** The `string key-type` at the head of a key blob, or '' when the blob does not even have one. */
function blobKeyType(blob: Uint8Array): string {
  try {
    return new SshReader(blob, 'key blob').ascii('key type', 256);
  } catch {
    return '';
  }
}

function sigFitsKey(alg: string, keyType: string): boolean {
  return alg === 'rsa-sha2-256' || alg === 'rsa-sha2-512' ? keyType === 'ssh-rsa' : alg === keyType;
}
