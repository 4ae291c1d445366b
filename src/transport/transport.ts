/**
 * The SSH transport layer (RFC 4253) as a sans-I/O state machine: bytes in, bytes and events out.
 *
 * House rules (h11 / quinn-proto style):
 * - No sockets, timers or global randomness: `receive(bytes)` and `handleTimeout()` are the only inputs besides
 *   commands; `pollTransmit()`, `pollEvent()` and `pollTimeout()` are the outputs. Clock and RandomSource are injected.
 * - Errors are sticky: the first fatal error sends DISCONNECT with its reason, emits `closed`, and every later
 *   input is ignored.
 * - Keys change exactly at packet boundaries: the decoder never decrypts past the packet it hands us.
 */

import { CIPHERS } from '../cipher/registry.js';
import { equalBytes } from '../crypto/bytes.js';
import {
  ConnectionLostError,
  DisconnectReason,
  HostKeyError,
  KexError,
  PeerDisconnectError,
  ProtocolError,
  SshError,
} from '../errors.js';
import type { KexInitLists } from '../kex/kexinit-lists.js';
import { guessWasRight, type Negotiated, negotiate } from '../kex/negotiate.js';
import { MSG } from '../wire/message-numbers.js';
import * as tm from '../wire/transport-messages.js';
import {
  EXT_INFO_CLIENT,
  EXT_INFO_SERVER,
  kexInitLists,
  STRICT_KEX_CLIENT,
  STRICT_KEX_SERVER,
} from './algorithms.js';
import { ZlibCompressor, ZlibDecompressor } from './compression.js';
import { ExtInfoPolicy, serverExtInfo } from './ext-info-policy.js';
import { HostKeyCheck } from './host-key-check.js';
import {
  encodeIdentification,
  type Identification,
  IdentificationReader,
  identificationLine,
} from './identification.js';
import { createExchange, directionOf, type KexRound } from './kex-round.js';
import { directionKeys } from './key-schedule.js';
import { classifyIncoming, sendableDuringKex } from './message-rules.js';
import { Outbox } from './outbox.js';
import { PacketDecoder } from './packet-decoder.js';
import { joinParts, PacketEncoder } from './packet-encoder.js';
import { defaultRekeyBytes, RekeyCounter } from './rekey-policy.js';
import type { TransportEvent } from './transport-events.js';
import type { TransportOptions } from './transport-options.js';

export type { TransportOptions } from './transport-options.js';

export class Transport {
  readonly role: 'client' | 'server';
  readonly ourIdentification: string;
  peerIdentification?: Identification;
  sessionId?: Uint8Array;
  negotiated?: Negotiated;
  strictKex = false;
  /** Extensions the peer announced in EXT_INFO (RFC 8308). */
  readonly peerExtensions = new Map<string, Uint8Array>();
  closed = false;

  private readonly identReader: IdentificationReader;
  private readonly decoder: PacketDecoder;
  private readonly encoder: PacketEncoder;
  private readonly outbox = new Outbox();
  private readonly events: TransportEvent[] = [];
  private readonly queued: Uint8Array[] = [];
  private queuedBytes = 0;
  private round?: KexRound;
  private kexCount = 0;
  private packetsSeen = 0;
  private readonly extInfo: ExtInfoPolicy;
  private holdForUpper = false;
  private authenticated = false;
  private readonly counter = new RekeyCounter();
  private rekeyBytes: number;
  private readonly hostKeyCheck = new HostKeyCheck();
  private lastSeq = 0;

  constructor(private readonly opts: TransportOptions) {
    this.role = opts.role;
    this.extInfo = new ExtInfoPolicy(opts.role);
    this.identReader = new IdentificationReader(opts.role === 'client');
    this.decoder = new PacketDecoder(opts.crypto, { maxPacketLength: opts.maxPacketLength });
    this.encoder = new PacketEncoder(opts.crypto, opts.random);
    this.ourIdentification = identificationLine(opts.software);
    this.rekeyBytes = opts.rekey?.bytes ?? defaultRekeyBytes(16);
    this.counter.reset(opts.clock());
    // RFC 4253 §4.2 / §7.1: both sides send their identification, then KEXINIT, without waiting.
    this.outbox.push(encodeIdentification(this.ourIdentification));
    this.startKex(true);
  }

  // ---- inputs --------------------------------------------------------------------------------------------

  receive(bytes: Uint8Array): void {
    if (this.closed) return;
    try {
      if (!this.peerIdentification) {
        const r = this.identReader.push(bytes);
        if (!r) return;
        this.peerIdentification = r.identification;
        bytes = r.rest;
      }
      // Rekey volume counts bytes on the wire, in both directions (as OpenSSH does).
      this.counter.bytesIn += bytes.length;
      this.decoder.push(bytes);
      // While the client waits for the application's host-key answer nothing is read; a server that keeps
      // talking meanwhile gets at most one maximum packet held for it.
      if (this.hostKeyCheck.pending && this.decoder.buffered > this.decoder.maxPacketLength + 1024) {
        throw new ProtocolError('too much data while the host key is being verified');
      }
      this.pump();
    } catch (e) {
      this.fail(e);
    }
  }

  /** The byte stream ended (socket closed by the peer). */
  receiveEnd(): void {
    if (!this.closed) this.fail(new ConnectionLostError('connection closed by peer'));
  }

  handleTimeout(): void {
    if (this.closed) return;
    const now = this.opts.clock();
    const r = this.round;
    if (r && !this.hostKeyCheck.pending && now - r.startedAt >= (this.opts.kexTimeoutMs ?? 60_000)) {
      this.fail(new KexError('key exchange timed out', 'peer'));
      return;
    }
    const due = this.counter.deadline(this.opts.rekey?.seconds);
    if (!r && this.authenticated && due !== undefined && now >= due) this.startKex(false);
  }

  // ---- commands ------------------------------------------------------------------------------------------

  /**
   * Sends an upper-layer (or transport) message, `payload ‖ tail`; queued while our key exchange runs. A
   * tail (channel data) is copied once, straight into the packet; it is not kept, so the caller may reuse it.
   */
  send(payload: Uint8Array, tail?: Uint8Array): void {
    if (this.closed) return;
    if (this.round && !this.round.sentNewKeys && !sendableDuringKex(payload[0])) {
      // Queued past this call: joined into a copy of our own.
      const whole = tail ? joinParts(payload, tail) : payload;
      this.queued.push(whole);
      this.queuedBytes += whole.length;
      return;
    }
    this.write(payload, tail);
  }

  /** True while upper layers should hold back (a key exchange is holding too much of their output). */
  get congested(): boolean {
    return this.queuedBytes > (this.opts.maxQueuedBytes ?? 1 << 20);
  }

  /** Starts a key re-exchange now (either side may, at any time after the first one, RFC 4253 §9). */
  rekey(): void {
    if (!this.closed && !this.round && this.sessionId) this.startKex(false);
  }

  /** Client: the application's verdict on the server's host key (RFC 4251 §4.1). */
  answerHostKey(accepted: boolean, reason = 'host key not accepted'): void {
    if (this.closed || !this.hostKeyCheck.pending) return;
    this.hostKeyCheck.settle();
    if (!accepted) {
      this.fail(new HostKeyError(reason));
      return;
    }
    try {
      this.sendNewKeys();
      this.pump();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Called once user authentication succeeded: enables delayed compression and volume-based rekeying. */
  setAuthenticated(): void {
    if (this.authenticated) return;
    this.authenticated = true;
    this.extInfo.close();
    const n = this.negotiated;
    // zlib@openssh.com: compression starts after USERAUTH_SUCCESS (OpenSSH PROTOCOL §1.2).
    if (n) {
      this.applyCompression('out', n);
      this.applyCompression('in', n);
    }
  }

  /** RFC 4253 §11.4 reply for a message an upper layer does not know. */
  sendUnimplemented(): void {
    this.write(tm.encodeUnimplemented(this.lastSeq));
  }

  /** Local, orderly close: SSH_MSG_DISCONNECT with the given reason (RFC 4253 §11.1). */
  disconnect(
    reason: number = DisconnectReason.BY_APPLICATION,
    description = 'disconnected by application',
  ): void {
    if (this.closed) return;
    this.write(tm.encodeDisconnect(reason, description));
    this.closed = true;
    this.events.push({ type: 'closed', reason, description, byPeer: false });
  }

  /** Ends the connection with an error: DISCONNECT with the error's reason unless the peer or network ended it. */
  fail(e: unknown): void {
    if (this.closed) return;
    const err =
      e instanceof SshError
        ? e
        : new SshError(
            `internal error: ${(e as Error)?.message ?? e}`,
            DisconnectReason.PROTOCOL_ERROR,
            'local',
            { cause: e },
          );
    if (!(err instanceof PeerDisconnectError) && !(err instanceof ConnectionLostError)) {
      try {
        this.write(tm.encodeDisconnect(err.reason, err.message));
      } catch {
        // The encoder itself failed; nothing more can be sent.
      }
    }
    this.closed = true;
    this.events.push({
      type: 'closed',
      reason: err.reason,
      description: err instanceof PeerDisconnectError ? err.description : err.message,
      byPeer: err instanceof PeerDisconnectError,
      error: err,
    });
  }

  // ---- outputs -------------------------------------------------------------------------------------------

  /** All bytes ready for the socket, as one buffer (one write per batch). */
  pollTransmit(): Uint8Array | undefined {
    return this.outbox.take();
  }

  /** The packets ready for the socket, as they are, for adapters that write a batch at once (ByteIO.writev). */
  pollTransmitBatch(): Uint8Array[] | undefined {
    return this.outbox.takeBatch();
  }

  pollEvent(): TransportEvent | undefined {
    return this.events.shift();
  }

  /** The next instant `handleTimeout` should run, if any. */
  pollTimeout(): number | undefined {
    if (this.closed) return undefined;
    // Every exchange, the first included, has a deadline, except while the application decides on the host key.
    if (this.round)
      return this.hostKeyCheck.pending
        ? undefined
        : this.round.startedAt + (this.opts.kexTimeoutMs ?? 60_000);
    return this.authenticated ? this.counter.deadline(this.opts.rekey?.seconds) : undefined;
  }

  /** Bytes received but not yet processed (held while paused for a host-key decision). */
  get bufferedIn(): number {
    return this.decoder.buffered;
  }

  get inKex(): boolean {
    return this.round !== undefined;
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private write(payload: Uint8Array, tail?: Uint8Array): void {
    const packet = this.encoder.encode(payload, tail);
    this.outbox.push(packet);
    this.counter.bytesOut += packet.length;
    this.counter.packetsOut++;
    if (!this.round && this.authenticated && this.counter.due(this.rekeyBytes)) this.startKex(false);
  }

  /**
   * Continues decoding after the upper layer handled the message it was given. Returns true when that
   * produced new events.
   */
  resume(): boolean {
    if (this.closed || !this.holdForUpper) return false;
    this.holdForUpper = false;
    const before = this.events.length;
    try {
      this.pump();
    } catch (e) {
      this.fail(e);
    }
    return this.events.length > before;
  }

  /**
   * Decodes and handles packets until one is for the upper layer, then stops until `resume()`: the upper layer
   * handles each message before the next packet is even decrypted, so whatever it changes (delayed compression
   * after USERAUTH_SUCCESS, a reply to send) takes effect in order, however the bytes were split into reads.
   */
  private pump(): void {
    while (!this.closed && !this.hostKeyCheck.pending && !this.holdForUpper) {
      const seq = this.decoder.seq;
      const payload = this.decoder.next();
      if (!payload) return;
      this.lastSeq = seq;
      this.counter.packetsIn++;
      this.handlePacket(payload);
      if (!this.round && this.authenticated && this.counter.due(this.rekeyBytes)) this.startKex(false);
    }
  }

  private handlePacket(p: Uint8Array): void {
    if (p.length === 0) throw new ProtocolError('empty packet payload');
    const type = p[0];
    const first = this.packetsSeen++ === 0;
    // RFC 4253 §7.1 and PROTOCOL §1.9: key exchange starts at once, so the first packet must be KEXINIT.
    if (first && type !== MSG.KEXINIT)
      throw new ProtocolError(`first packet was message ${type}, not KEXINIT`);
    const extInfoInPlace = this.extInfo.next();
    const phase = this.round?.theirs && !this.round.receivedNewKeys ? 'exchanging' : 'idle';
    const strictInitial = this.strictKex && this.kexCount === 0;
    switch (classifyIncoming(type, phase, strictInitial)) {
      case 'unexpected':
        throw new ProtocolError(
          `unexpected message ${type}${strictInitial ? ' during strict key exchange' : ''}`,
        );
      case 'unimplemented':
        this.write(tm.encodeUnimplemented(this.lastSeq));
        return;
      case 'pass-up':
        if (!this.sessionId) throw new ProtocolError(`message ${type} before key exchange`);
        this.events.push({ type: 'message', payload: p });
        this.holdForUpper = true;
        return;
      case 'handle':
        break;
    }
    switch (type) {
      case MSG.DISCONNECT: {
        const d = tm.decodeDisconnect(p);
        throw new PeerDisconnectError(d.reason as never, d.description);
      }
      case MSG.IGNORE:
        return;
      case MSG.DEBUG: {
        const d = tm.decodeDebug(p);
        this.events.push({ type: 'debug', message: d.message, alwaysDisplay: d.alwaysDisplay });
        return;
      }
      case MSG.UNIMPLEMENTED:
        this.events.push({ type: 'unimplemented', sequence: tm.decodeUnimplemented(p) });
        return;
      case MSG.EXT_INFO:
        return this.onExtInfo(p, extInfoInPlace);
      case MSG.KEXINIT:
        return this.onKexInit(p);
      case MSG.NEWKEYS:
        return this.onNewKeys(p);
      case MSG.PING:
        // Queued like any reply while our own key exchange runs (RFC 4253 §7.1).
        this.send(tm.encodePong(tm.decodePing(p)));
        return;
      case MSG.PONG:
        this.events.push({ type: 'pong', data: tm.decodePong(p) });
        return;
      default:
        return this.onKexMethodMessage(p);
    }
  }

  private startKex(initial: boolean): void {
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
    this.write(ours);
  }

  private serverHostKeyAlgorithms(): string[] {
    const have = new Set((this.opts.hostKeys ?? []).flatMap((k) => k.algorithms));
    return this.opts.algorithms.hostKey.filter((a) => have.has(a));
  }

  private onKexInit(p: Uint8Array): void {
    if (!this.round) this.startKex(false);
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
      ourIdentification: this.ourIdentification,
      peerIdentification: this.peerIdentification!.line,
      ourKexInit: r.ours,
      peerKexInit: p,
      hostKeys: this.opts.hostKeys ?? [],
    });
    for (const m of r.exchange.start()) this.write(m);
  }

  private noteInitialMarkers(theirs: KexInitLists): void {
    const peerStrict = this.role === 'client' ? STRICT_KEX_SERVER : STRICT_KEX_CLIENT;
    this.strictKex = (this.opts.strictKex ?? true) && theirs.kex.includes(peerStrict);
    this.extInfo.peerWantsIt = theirs.kex.includes(
      this.role === 'client' ? EXT_INFO_SERVER : EXT_INFO_CLIENT,
    );
    // OpenSSH PROTOCOL §1.9: with strict kex the KEXINIT must have been the very first packet (it was: checked above).
  }

  private onKexMethodMessage(p: Uint8Array): void {
    const r = this.round;
    if (!r?.exchange || r.result) throw new ProtocolError(`unexpected key exchange message ${p[0]}`);
    if (r.ignoreNextKexPacket) {
      r.ignoreNextKexPacket = false; // RFC 4253 §7: the peer's wrong guess is discarded
      return;
    }
    const { send, result } = r.exchange.receive(p);
    for (const m of send) this.write(m);
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
    this.events.push({ type: 'host-key', algorithm: n.hostKey, blob: result.hostKeyBlob });
  }

  private sendNewKeys(): void {
    const r = this.round!;
    const n = r.negotiated!;
    const [outDir, outCipher, outMac] = directionOf(this.role, n, 'out');
    const outKeys = directionKeys(this.opts.crypto, r.result!, this.sessionId!, outDir, outCipher, outMac);
    this.write(tm.encodeNewKeys());
    this.encoder.setKeys(outKeys);
    if (this.strictKex) this.encoder.resetSequence(); // PROTOCOL §1.9
    this.applyCompression('out', n);
    r.sentNewKeys = true;
    // RFC 8308 §2.4: the server's EXT_INFO is the next packet after its first NEWKEYS.
    if (r.initial && this.role === 'server' && this.extInfo.peerWantsIt)
      this.write(serverExtInfo(this.opts.serverSigAlgs));
    for (const q of this.queued.splice(0)) this.write(q);
    this.queuedBytes = 0;
    if (r.receivedNewKeys) this.finishKex();
  }

  /**
   * Sets one direction's compression for the keys just switched to: plain `zlib` at once, `zlib@openssh.com`
   * once authenticated, each time with a fresh stream, as OpenSSH restarts zlib at every NEWKEYS.
   */
  private applyCompression(direction: 'in' | 'out', n: Negotiated): void {
    const name = directionOf(this.role, n, direction)[0] === 'clientToServer' ? n.compCS : n.compSC;
    const on = name === 'zlib' || (name === 'zlib@openssh.com' && this.authenticated);
    if (direction === 'out') this.encoder.setCompression(on ? new ZlibCompressor() : undefined);
    else this.decoder.setDecompression(on ? new ZlibDecompressor(this.decoder.maxPacketLength) : undefined);
  }

  private onNewKeys(p: Uint8Array): void {
    const r = this.round;
    if (!r?.result || r.receivedNewKeys) throw new ProtocolError('NEWKEYS before the key exchange finished');
    tm.decodeNewKeys(p);
    this.decoder.setKeys(r.inKeys);
    if (this.strictKex) this.decoder.resetSequence(); // PROTOCOL §1.9
    const n = r.negotiated!;
    this.applyCompression('in', n);
    r.receivedNewKeys = true;
    // RFC 8308 §2.1: we always announce ext-info-c / ext-info-s, so the peer may send EXT_INFO here.
    if (r.initial) this.extInfo.open();
    if (r.sentNewKeys) this.finishKex();
  }

  private finishKex(): void {
    const r = this.round!;
    this.round = undefined;
    this.kexCount++;
    this.negotiated = r.negotiated;
    this.counter.reset(this.opts.clock());
    const blockSize = CIPHERS[r.negotiated!.cipherCS]?.blockSize ?? 16;
    this.rekeyBytes = this.opts.rekey?.bytes ?? defaultRekeyBytes(blockSize);
    this.events.push({
      type: 'kex-complete',
      initial: r.initial,
      algorithms: r.negotiated!,
      strictKex: this.strictKex,
      hostKey: r.result!.hostKeyBlob,
    });
  }

  private onExtInfo(p: Uint8Array, inPlace: boolean): void {
    this.extInfo.accept(inPlace, this.authenticated);
    const ext = tm.decodeExtInfo(p);
    for (const [k, v] of ext) this.peerExtensions.set(k, v);
    this.events.push({ type: 'ext-info', extensions: ext });
  }
}
