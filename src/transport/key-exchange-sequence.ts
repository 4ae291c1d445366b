/**
 * The key exchange as a sequence (RFC 4253 §7): our KEXINIT, the peer's, the method's messages, the client's
 * host-key decision, and NEWKEYS in each direction, then the next exchange when one is due (RFC 4253 §9).
 * It holds back upper-layer messages while our own exchange runs, applies strict kex (OpenSSH PROTOCOL §1.9)
 * and places the server's EXT_INFO (RFC 8308 §2.4). The transport feeds it the packets its table hands over and
 * switches keys when told to; this class decides nothing about other messages.
 */
import { CIPHERS } from '../cipher/registry.js';
import type { DirectionKeys } from '../cipher/types.js';
import { equalBytes } from '../crypto/bytes.js';
import { HostKeyError, ProtocolError } from '../errors.js';
import type { KexInitLists } from '../kex/kexinit-lists.js';
import { guessWasRight, type Negotiated, negotiate } from '../kex/negotiate.js';
import * as tm from '../wire/transport-messages.js';
import {
  EXT_INFO_CLIENT,
  EXT_INFO_SERVER,
  kexInitLists,
  STRICT_KEX_CLIENT,
  STRICT_KEX_SERVER,
} from './algorithms.js';
import { type ExtInfoPolicy, serverExtInfo } from './ext-info-policy.js';
import { HostKeyCheck } from './host-key-check.js';
import { createExchange, directionOf, type KexRound } from './kex-round.js';
import { directionKeys } from './key-schedule.js';
import { type KexPhase, sendableDuringKex } from './message-rules.js';
import { defaultRekeyBytes, RekeyCounter } from './rekey-policy.js';
import type { TransportEvent } from './transport-events.js';
import type { TransportOptions } from './transport-options.js';

/** What the sequence needs from the transport around it. */
export interface KexLink {
  readonly ourIdentification: string;
  /** The peer's identification line (known before any packet, so before any KEXINIT). */
  peerIdentification(): string;
  /** Encodes and queues one packet for the socket. */
  write(payload: Uint8Array): void;
  emit(event: TransportEvent): void;
  /** NEWKEYS was sent or received: one direction switches to new keys at this packet boundary. */
  switchKeys(
    direction: 'in' | 'out',
    keys: DirectionKeys | undefined,
    resetSequence: boolean,
    n: Negotiated,
  ): void;
}

export class KeyExchangeSequence {
  sessionId?: Uint8Array;
  negotiated?: Negotiated;
  strictKex = false;
  /** Traffic since the last exchange; the transport counts it, the sequence decides when it is too much. */
  readonly counter = new RekeyCounter();

  private readonly role: 'client' | 'server';
  private round?: KexRound;
  private kexCount = 0;
  private readonly held: Uint8Array[] = [];
  private heldTotal = 0;
  private rekeyBytes: number;
  private readonly hostKeyCheck = new HostKeyCheck();

  constructor(
    private readonly opts: TransportOptions,
    private readonly extInfo: ExtInfoPolicy,
    private readonly link: KexLink,
  ) {
    this.role = opts.role;
    this.rekeyBytes = opts.rekey?.bytes ?? defaultRekeyBytes(16);
    this.counter.reset(opts.clock());
  }

  // ---- state the transport consults ----------------------------------------------------------------------

  get running(): boolean {
    return this.round !== undefined;
  }

  /** Client: the application has not yet answered for the server's host key; nothing is read meanwhile. */
  get awaitingHostKey(): boolean {
    return this.hostKeyCheck.pending;
  }

  /** For the message table: between the peer's KEXINIT and the peer's NEWKEYS only kex messages may arrive. */
  get phase(): KexPhase {
    return this.round?.theirs && !this.round.receivedNewKeys ? 'exchanging' : 'idle';
  }

  /** The first exchange under strict kex, when anything unexpected is fatal (PROTOCOL §1.9). */
  get strictInitial(): boolean {
    return this.strictKex && this.kexCount === 0;
  }

  /** The running exchange is over its deadline (the application's host-key decision does not count). */
  timedOut(now: number): boolean {
    const r = this.round;
    return !!r && !this.hostKeyCheck.pending && now - r.startedAt >= this.kexTimeoutMs;
  }

  /** When the running exchange must be over; none while the application decides on the host key. */
  get deadline(): number | undefined {
    return this.round && !this.hostKeyCheck.pending ? this.round.startedAt + this.kexTimeoutMs : undefined;
  }

  /** When a time-based rekey is due, if the options ask for one. */
  get rekeyDeadline(): number | undefined {
    return this.counter.deadline(this.opts.rekey?.seconds);
  }

  /** No exchange runs and the traffic since the last one calls for another (RFC 4253 §9, RFC 4344 §3.1). */
  get volumeDue(): boolean {
    return !this.round && this.counter.due(this.rekeyBytes);
  }

  // ---- holding upper-layer messages (RFC 4253 §7.1) ------------------------------------------------------

  /** Messages of this type wait until our NEWKEYS has gone out. */
  holdsBack(type: number): boolean {
    return !!this.round && !this.round.sentNewKeys && !sendableDuringKex(type);
  }

  hold(message: Uint8Array): void {
    this.held.push(message);
    this.heldTotal += message.length;
  }

  get heldBytes(): number {
    return this.heldTotal;
  }

  // ---- the sequence --------------------------------------------------------------------------------------

  /** Sends our KEXINIT; the first one goes out with our identification, without waiting (RFC 4253 §7.1). */
  start(initial: boolean): void {
    const hostKeyAlgs =
      this.role === 'server' ? this.serverHostKeyAlgorithms() : this.opts.algorithms.hostKey;
    const lists = kexInitLists(
      this.role,
      this.opts.algorithms,
      hostKeyAlgs,
      initial,
      this.opts.strictKex ?? true,
    );
    const ours = tm.encodeKexInit({ cookie: this.opts.random(16), lists, firstKexPacketFollows: false });
    this.round = {
      initial,
      ours,
      ignoreNextKexPacket: false,
      sentNewKeys: false,
      receivedNewKeys: false,
      startedAt: this.opts.clock(),
    };
    this.link.write(ours);
  }

  onKexInit(p: Uint8Array): void {
    if (!this.round) this.start(false);
    const r = this.round!;
    if (r.theirs) throw new ProtocolError('second KEXINIT during a key exchange');
    const theirs = tm.decodeKexInit(p);
    r.theirs = p;
    const ourLists = tm.decodeKexInit(r.ours).lists;
    const [client, server] = this.role === 'client' ? [ourLists, theirs.lists] : [theirs.lists, ourLists];
    if (r.initial) this.noteInitialMarkers(theirs.lists);
    const negotiated = negotiate(client, server, {
      isAead: (c) => CIPHERS[c]?.aead ?? false,
      hostKeyUsable: (a) => this.role === 'client' || this.serverHostKeyAlgorithms().includes(a),
    });
    r.negotiated = negotiated;
    if (theirs.firstKexPacketFollows && !guessWasRight(client, server)) r.ignoreNextKexPacket = true;
    r.exchange = createExchange(this.role, negotiated, {
      crypto: this.opts.crypto,
      random: this.opts.random,
      ourIdentification: this.link.ourIdentification,
      peerIdentification: this.link.peerIdentification(),
      ourKexInit: r.ours,
      peerKexInit: p,
      hostKeys: this.opts.hostKeys ?? [],
    });
    for (const m of r.exchange.start()) this.link.write(m);
  }

  /** A key exchange method message (numbers 30-49). */
  onMethodMessage(p: Uint8Array): void {
    const r = this.round;
    if (!r?.exchange || r.result) throw new ProtocolError(`unexpected key exchange message ${p[0]}`);
    if (r.ignoreNextKexPacket) {
      r.ignoreNextKexPacket = false; // RFC 4253 §7: the peer's wrong guess is discarded
      return;
    }
    const { send, result } = r.exchange.receive(p);
    for (const m of send) this.link.write(m);
    if (!result) return;
    r.result = result;
    if (r.initial) this.sessionId = result.exchangeHash;
    const n = r.negotiated!;
    const [inDir, inCipher, inMac] = directionOf(this.role, n, 'in');
    r.inKeys = directionKeys(this.opts.crypto, result, this.sessionId!, inDir, inCipher, inMac);
    if (this.role === 'server') {
      this.sendNewKeys();
      return;
    }
    this.hostKeyCheck.verify(this.opts.crypto, result, n.hostKey);
    if (!r.initial) {
      if (!equalBytes(result.hostKeyBlob, this.hostKeyCheck.acceptedBlob!))
        throw new HostKeyError('server host key changed during rekey');
      this.sendNewKeys();
      return;
    }
    this.hostKeyCheck.request(result.hostKeyBlob);
    this.link.emit({ type: 'host-key', algorithm: n.hostKey, blob: result.hostKeyBlob });
  }

  /** Client: the application's verdict on the server's host key; throws HostKeyError when it refused. */
  answerHostKey(accepted: boolean, reason: string): void {
    this.hostKeyCheck.settle();
    if (!accepted) throw new HostKeyError(reason);
    this.sendNewKeys();
  }

  onNewKeys(p: Uint8Array): void {
    const r = this.round;
    if (!r?.result || r.receivedNewKeys) throw new ProtocolError('NEWKEYS before the key exchange finished');
    tm.decodeNewKeys(p);
    this.link.switchKeys('in', r.inKeys, this.strictKex, r.negotiated!); // strict: PROTOCOL §1.9
    r.receivedNewKeys = true;
    // RFC 8308 §2.1: we always announce ext-info-c / ext-info-s, so the peer may send EXT_INFO here.
    if (r.initial) this.extInfo.open();
    if (r.sentNewKeys) this.finish();
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private get kexTimeoutMs(): number {
    return this.opts.kexTimeoutMs ?? 60_000;
  }

  private serverHostKeyAlgorithms(): string[] {
    const have = new Set((this.opts.hostKeys ?? []).flatMap((k) => k.algorithms));
    return this.opts.algorithms.hostKey.filter((a) => have.has(a));
  }

  private noteInitialMarkers(theirs: KexInitLists): void {
    const peerStrict = this.role === 'client' ? STRICT_KEX_SERVER : STRICT_KEX_CLIENT;
    this.strictKex = (this.opts.strictKex ?? true) && theirs.kex.includes(peerStrict);
    this.extInfo.peerWantsIt = theirs.kex.includes(
      this.role === 'client' ? EXT_INFO_SERVER : EXT_INFO_CLIENT,
    );
    // OpenSSH PROTOCOL §1.9: with strict kex the KEXINIT must have been the very first packet (the transport
    // checked that before handing it over).
  }

  private sendNewKeys(): void {
    const r = this.round!;
    const n = r.negotiated!;
    const [outDir, outCipher, outMac] = directionOf(this.role, n, 'out');
    const outKeys = directionKeys(this.opts.crypto, r.result!, this.sessionId!, outDir, outCipher, outMac);
    this.link.write(tm.encodeNewKeys());
    this.link.switchKeys('out', outKeys, this.strictKex, n); // strict: PROTOCOL §1.9
    r.sentNewKeys = true;
    // RFC 8308 §2.4: the server's EXT_INFO is the next packet after its first NEWKEYS.
    if (r.initial && this.role === 'server' && this.extInfo.peerWantsIt)
      this.link.write(serverExtInfo(this.opts.serverSigAlgs));
    for (const q of this.held.splice(0)) this.link.write(q);
    this.heldTotal = 0;
    if (r.receivedNewKeys) this.finish();
  }

  private finish(): void {
    const r = this.round!;
    this.round = undefined;
    this.kexCount++;
    this.negotiated = r.negotiated;
    this.counter.reset(this.opts.clock());
    const blockSize = CIPHERS[r.negotiated!.cipherCS]?.blockSize ?? 16;
    this.rekeyBytes = this.opts.rekey?.bytes ?? defaultRekeyBytes(blockSize);
    this.link.emit({
      type: 'kex-complete',
      initial: r.initial,
      algorithms: r.negotiated!,
      strictKex: this.strictKex,
      hostKey: r.result!.hostKeyBlob,
    });
  }
}
