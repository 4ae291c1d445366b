/**
 * A system under test (a ServerCore or ClientCore, driven synchronously: the cores are sans-I/O) joined to a
 * ScriptedPeer. The harness moves the SUT's output into the peer after every input, keeps every event the
 * SUT reported, and records every byte the peer delivered so a session can be replayed into a fresh core.
 */

import { hostKeySigner } from '../../../src/connection/accept.js';
import { ClientCore, type ClientCoreOptions } from '../../../src/connection/client-core.js';
import type { CoreEvent } from '../../../src/connection/core-events.js';
import { ServerCore, type ServerCoreOptions } from '../../../src/connection/server-core.js';
import { concatBytes } from '../../../src/crypto/bytes.js';
import { seededRandom } from '../../../src/crypto/random.js';
import { generateKey } from '../../../src/keys/generate-key.js';
import { type AlgorithmPreferences, defaultPreferences } from '../../../src/transport/algorithms.js';
import {
  encodeUserauthFailure,
  encodeUserauthRequest,
  encodeUserauthSuccess,
} from '../../../src/wire/auth-messages.js';
import {
  encodeExtInfo,
  encodeServiceAccept,
  encodeServiceRequest,
} from '../../../src/wire/transport-messages.js';
import { crypto, type PeerOptions, ScriptedPeer } from './scripted-peer.js';

export type Sut = ServerCore | ClientCore;

/** What the harness needs of a system under test: a core, or an adapter around accept()/connect(). */
export interface SutPort {
  receive(bytes: Uint8Array): void;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): CoreEvent | undefined;
  readonly closed: boolean;
}

/** A bounded loop: a livelock in the SUT or the harness fails the test instead of hanging it. */
const MAX_ROUNDS = 10_000;

export class Harness<C extends SutPort> {
  /** Every event the SUT reported, in order. */
  readonly events: CoreEvent[] = [];
  /** Every chunk the peer delivered to the SUT, in order (a replayable recording). */
  readonly peerWire: Uint8Array[] = [];
  /** Every chunk the SUT wrote. */
  readonly sutWire: Uint8Array[] = [];
  /** Set when the peer could not parse what the SUT wrote. */
  peerReadError: unknown;
  /** Client SUT: answer the host-key question with `true` as soon as it is asked. */
  autoAcceptHostKey = true;
  /** Peer bytes after which the SUT is not read any more (a peer that stopped reading). */
  stopReading = false;

  constructor(
    readonly sut: C,
    readonly peer: ScriptedPeer,
    readonly clock: { now: number },
  ) {}

  /** Hands bytes to the SUT and collects what it does in response. Exceptions are NOT caught. */
  deliver(bytes: Uint8Array): void {
    this.peerWire.push(bytes);
    this.sut.receive(bytes);
    this.pump();
  }

  /** Sends payloads as packets in one delivery. */
  send(...payloads: Uint8Array[]): void {
    this.deliver(concatBytes(...payloads.map((p) => this.peer.packet(p))));
  }

  /** Drains the SUT's output into the peer and its events into `events`. */
  pump(): void {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let progressed = false;
      if (!this.stopReading) {
        const out = this.sut.pollTransmit();
        if (out) {
          progressed = true;
          this.sutWire.push(out);
          try {
            this.peer.read(out);
          } catch (e) {
            this.peerReadError ??= e;
          }
        }
      }
      for (let e = this.sut.pollEvent(); e; e = this.sut.pollEvent()) {
        progressed = true;
        this.events.push(e);
        if (e.type === 'host-key' && this.autoAcceptHostKey && this.sut instanceof ClientCore)
          this.sut.answerHostKey(true);
      }
      if (!progressed) return;
    }
    throw new Error('harness: the SUT kept producing output (livelock?)');
  }

  /** Identification and KEXINIT, as a real peer sends them without waiting (RFC 4253 §4.2, §7.1). */
  start(): void {
    this.deliver(concatBytes(this.peer.identification(), this.peer.packet(this.peer.kexInit())));
  }

  /**
   * Sends what the peer's exchange has ready: pending method replies, then NEWKEYS when due, and (server
   * peer) `extInfo` right after its first NEWKEYS. Returns false when there was nothing to send.
   */
  step(extInfo?: Map<string, Uint8Array | string>): boolean {
    const chunks = this.peer.takePending().map((p) => this.peer.packet(p));
    if (this.peer.readyForNewKeys) {
      const first = this.peer.kexCount === 0;
      chunks.push(this.peer.newKeys());
      if (first && extInfo) chunks.push(this.peer.packet(encodeExtInfo(extInfo)));
    }
    if (chunks.length === 0) return false;
    this.deliver(concatBytes(...chunks));
    return true;
  }

  /** Runs the key exchange to its end (the initial one, or a re-exchange already started). */
  handshake(opts: { extInfo?: Map<string, Uint8Array | string> } = {}): void {
    if (this.peer.kexCount === 0 && !this.peer.round?.ours) this.start();
    const before = this.peer.kexCount;
    for (let i = 0; i < 20; i++) {
      this.pump();
      if (this.sut.closed) throw new Error(`handshake: SUT closed: ${this.closedInfo()?.description}`);
      if (this.peer.kexCount > before) return;
      this.step(opts.extInfo);
    }
    throw new Error('handshake: did not finish');
  }

  /** Starts a re-exchange from the peer's side and runs it. */
  rekey(opts: { lists?: ReturnType<ScriptedPeer['lists']>; before?: () => void } = {}): void {
    this.send(this.peer.kexInit(opts.lists));
    opts.before?.();
    this.handshake();
  }

  kexEvents(): number {
    return this.events.filter((e) => e.type === 'kex').length;
  }

  closedInfo(): Extract<CoreEvent, { type: 'closed' }>['info'] | undefined {
    const e = this.events.find((x): x is Extract<CoreEvent, { type: 'closed' }> => x.type === 'closed');
    return e?.info;
  }

  /** The last authentication question the server SUT asked the application. */
  lastDecision(): Extract<CoreEvent, { type: 'auth-decide' }> {
    const asks = this.events.filter(
      (e): e is Extract<CoreEvent, { type: 'auth-decide' }> => e.type === 'auth-decide',
    );
    if (asks.length === 0) throw new Error('harness: no auth-decide event');
    return asks[asks.length - 1];
  }

  /** The types of the events the SUT reported, in order. */
  eventTypes(): string[] {
    return this.events.map((e) => e.type);
  }

  /** Payloads the SUT sent of one message number. */
  sent(type: number): Uint8Array[] {
    return this.peer.sent(type);
  }

  /** The message numbers of everything the SUT sent since `from` (an index into peer.received). */
  sentTypesSince(from: number): number[] {
    return this.peer.received.slice(from).map((r) => r.payload[0]);
  }
}

export interface SutOptions {
  seed?: string;
  algorithms?: Partial<AlgorithmPreferences>;
  strictKex?: boolean;
  peer?: Omit<PeerOptions, 'role'>;
}

export const USER = 'alice';

/** A ServerCore (the SUT) and a scripted client. */
export function serverUnderTest(
  o: SutOptions & { server?: Partial<ServerCoreOptions> } = {},
): Harness<ServerCore> {
  const seed = o.seed ?? 'hostile';
  const clock = { now: 1_000_000 };
  const hostKey = generateHostKey(seed);
  const signer = hostKeySigner(hostKey, crypto);
  const sut = new ServerCore({
    crypto,
    random: seededRandom(`${seed}/sut`),
    clock: () => clock.now,
    algorithms: { ...defaultPreferences(), ...o.algorithms },
    strictKex: o.strictKex ?? true,
    hostKeys: [signer],
    serverSigAlgs: [...signer.algorithms],
    authMethods: ['publickey', 'password', 'keyboard-interactive'],
    authFailureDelayMs: 0,
    ...o.server,
  });
  return new Harness(sut, new ScriptedPeer({ ...o.peer, role: 'client', seed }), clock);
}

/** A ClientCore (the SUT) and a scripted server. */
export function clientUnderTest(
  o: SutOptions & { client?: Partial<ClientCoreOptions> } = {},
): Harness<ClientCore> {
  const seed = o.seed ?? 'hostile';
  const clock = { now: 1_000_000 };
  const sut = new ClientCore({
    crypto,
    random: seededRandom(`${seed}/sut`),
    clock: () => clock.now,
    algorithms: { ...defaultPreferences(), ...o.algorithms },
    strictKex: o.strictKex ?? true,
    username: USER,
    authMethods: [{ type: 'password' }],
    ...o.client,
  });
  const hostKey = generateHostKey(seed);
  return new Harness(sut, new ScriptedPeer({ ...o.peer, role: 'server', seed, hostKey }), clock);
}

function generateHostKey(seed: string) {
  return generateKey(crypto, 'ssh-ed25519', { random: seededRandom(`${seed}/host`) });
}

/** Server SUT: SERVICE_REQUEST, a password request, and the application's accept. */
export function authenticateServer(h: Harness<ServerCore>, user = USER): void {
  h.send(encodeServiceRequest('ssh-userauth'));
  h.send(encodeUserauthRequest({ user, service: 'ssh-connection', method: 'password', password: 'secret' }));
  const ask = h.lastDecision();
  h.sut.decide(ask.id, { result: 'accept' });
  h.pump();
  if (!h.sut.authenticated) throw new Error('authenticate: the server did not accept');
}

/** Client SUT (password method): SERVICE_ACCEPT, FAILURE to `none`, the password, SUCCESS. */
export function authenticateClient(h: Harness<ClientCore>): void {
  h.send(encodeServiceAccept('ssh-userauth'));
  h.send(encodeUserauthFailure(['password'], false));
  h.sut.answerPassword('secret');
  h.pump();
  h.send(encodeUserauthSuccess());
  if (!h.sut.authenticated) throw new Error('authenticate: the client did not take SUCCESS');
}
