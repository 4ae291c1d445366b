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

import type { DirectionKeys } from '../cipher/types.js';
import {
  ConnectionLostError,
  DisconnectReason,
  KexError,
  PeerDisconnectError,
  ProtocolError,
} from '../errors.js';
import type { Negotiated } from '../kex/negotiate.js';
import { MSG } from '../wire/message-numbers.js';
import * as tm from '../wire/transport-messages.js';
import { ZlibCompressor, ZlibDecompressor } from './compression.js';
import { ExtInfoPolicy } from './ext-info-policy.js';
import { asSshError, closedEvent, owesDisconnect } from './failure.js';
import {
  encodeIdentification,
  type Identification,
  IdentificationReader,
  identificationLine,
} from './identification.js';
import { directionOf } from './kex-round.js';
import { KeyExchangeSequence } from './key-exchange-sequence.js';
import { classifyIncoming } from './message-rules.js';
import { Outbox } from './outbox.js';
import { PacketDecoder } from './packet-decoder.js';
import { joinParts, PacketEncoder } from './packet-encoder.js';
import type { TransportEvent } from './transport-events.js';
import type { TransportOptions } from './transport-options.js';

export type { TransportOptions } from './transport-options.js';

export class Transport {
  readonly role: 'client' | 'server';
  readonly ourIdentification: string;
  peerIdentification?: Identification;
  /** Extensions the peer announced in EXT_INFO (RFC 8308). */
  readonly peerExtensions = new Map<string, Uint8Array>();
  closed = false;

  private readonly identReader: IdentificationReader;
  private readonly decoder: PacketDecoder;
  private readonly encoder: PacketEncoder;
  private readonly outbox = new Outbox();
  private readonly events: TransportEvent[] = [];
  private readonly kex: KeyExchangeSequence;
  private packetsSeen = 0;
  private readonly extInfo: ExtInfoPolicy;
  private holdForUpper = false;
  private authenticated = false;
  private lastSeq = 0;

  constructor(private readonly opts: TransportOptions) {
    this.role = opts.role;
    this.extInfo = new ExtInfoPolicy(opts.role);
    this.identReader = new IdentificationReader(opts.role === 'client');
    this.decoder = new PacketDecoder(opts.crypto, { maxPacketLength: opts.maxPacketLength });
    this.encoder = new PacketEncoder(opts.crypto, opts.random);
    this.ourIdentification = identificationLine(opts.software);
    this.kex = new KeyExchangeSequence(opts, this.extInfo, {
      ourIdentification: this.ourIdentification,
      peerIdentification: () => this.peerIdentification!.line,
      write: (payload) => this.write(payload),
      emit: (event) => this.events.push(event),
      switchKeys: (direction, keys, resetSequence, n) => this.switchKeys(direction, keys, resetSequence, n),
    });
    // RFC 4253 §4.2 / §7.1: both sides send their identification, then KEXINIT, without waiting.
    this.outbox.push(encodeIdentification(this.ourIdentification));
    this.kex.start(true);
  }

  get sessionId(): Uint8Array | undefined {
    return this.kex.sessionId;
  }

  get negotiated(): Negotiated | undefined {
    return this.kex.negotiated;
  }

  get strictKex(): boolean {
    return this.kex.strictKex;
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
      this.kex.counter.bytesIn += bytes.length;
      this.decoder.push(bytes);
      // While the client waits for the application's host-key answer nothing is read; a server that keeps
      // talking meanwhile gets at most one maximum packet held for it.
      if (this.kex.awaitingHostKey && this.decoder.buffered > this.decoder.maxPacketLength + 1024) {
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
    if (this.kex.timedOut(now)) {
      this.fail(new KexError('key exchange timed out', 'peer'));
      return;
    }
    const due = this.kex.rekeyDeadline;
    if (!this.kex.running && this.authenticated && due !== undefined && now >= due) this.kex.start(false);
  }

  // ---- commands ------------------------------------------------------------------------------------------

  /**
   * Sends an upper-layer (or transport) message, `payload ‖ tail`; queued while our key exchange runs. A
   * tail (channel data) is copied once, straight into the packet; it is not kept, so the caller may reuse it.
   */
  send(payload: Uint8Array, tail?: Uint8Array): void {
    if (this.closed) return;
    if (this.kex.holdsBack(payload[0])) {
      // Held past this call: joined into a copy of our own.
      this.kex.hold(tail ? joinParts(payload, tail) : payload);
      return;
    }
    this.write(payload, tail);
  }

  /** True while upper layers should hold back (a key exchange is holding too much of their output). */
  get congested(): boolean {
    return this.kex.heldBytes > (this.opts.maxQueuedBytes ?? 1 << 20);
  }

  /** Starts a key re-exchange now (either side may, at any time after the first one, RFC 4253 §9). */
  rekey(): void {
    if (!this.closed && !this.kex.running && this.sessionId) this.kex.start(false);
  }

  /** Client: the application's verdict on the server's host key (RFC 4251 §4.1). */
  answerHostKey(accepted: boolean, reason = 'host key not accepted'): void {
    if (this.closed || !this.kex.awaitingHostKey) return;
    try {
      this.kex.answerHostKey(accepted, reason);
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
    const err = asSshError(e);
    if (owesDisconnect(err)) {
      try {
        this.write(tm.encodeDisconnect(err.reason, err.message));
      } catch {
        // The encoder itself failed; nothing more can be sent.
      }
    }
    this.closed = true;
    this.events.push(closedEvent(err));
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
    if (this.kex.running) return this.kex.deadline;
    return this.authenticated ? this.kex.rekeyDeadline : undefined;
  }

  /** Bytes received but not yet processed (held while paused for a host-key decision). */
  get bufferedIn(): number {
    return this.decoder.buffered;
  }

  get inKex(): boolean {
    return this.kex.running;
  }

  // ---- internals -----------------------------------------------------------------------------------------

  private write(payload: Uint8Array, tail?: Uint8Array): void {
    // A packet may come as several buffers (a cipher's own output: length, ciphertext, tag) that the socket
    // writes back to back; joining them would cost an allocation and a copy per packet.
    for (const part of this.encoder.encodeParts(payload, tail)) {
      this.outbox.push(part);
      this.kex.counter.bytesOut += part.length;
    }
    this.kex.counter.packetsOut++;
    this.rekeyIfDue();
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
    while (!this.closed && !this.kex.awaitingHostKey && !this.holdForUpper) {
      const seq = this.decoder.seq;
      const payload = this.decoder.next();
      if (!payload) return;
      this.lastSeq = seq;
      this.kex.counter.packetsIn++;
      this.handlePacket(payload);
      this.rekeyIfDue();
    }
  }

  /** Volume-based rekeying (RFC 4253 §9) starts once the user is authenticated. */
  private rekeyIfDue(): void {
    if (this.authenticated && this.kex.volumeDue) this.kex.start(false);
  }

  private handlePacket(p: Uint8Array): void {
    if (p.length === 0) throw new ProtocolError('empty packet payload');
    const type = p[0];
    const first = this.packetsSeen++ === 0;
    // RFC 4253 §7.1 and PROTOCOL §1.9: key exchange starts at once, so the first packet must be KEXINIT.
    if (first && type !== MSG.KEXINIT)
      throw new ProtocolError(`first packet was message ${type}, not KEXINIT`);
    const extInfoInPlace = this.extInfo.next();
    const strictInitial = this.kex.strictInitial;
    switch (classifyIncoming(type, this.kex.phase, strictInitial)) {
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
        return this.kex.onKexInit(p);
      case MSG.NEWKEYS:
        return this.kex.onNewKeys(p);
      case MSG.PING:
        // Queued like any reply while our own key exchange runs (RFC 4253 §7.1).
        this.send(tm.encodePong(tm.decodePing(p)));
        return;
      case MSG.PONG:
        this.events.push({ type: 'pong', data: tm.decodePong(p) });
        return;
      default:
        return this.kex.onMethodMessage(p);
    }
  }

  /** NEWKEYS went out or came in: that direction's keys change here, at a packet boundary. */
  private switchKeys(
    direction: 'in' | 'out',
    keys: DirectionKeys | undefined,
    resetSequence: boolean,
    n: Negotiated,
  ): void {
    const coder = direction === 'out' ? this.encoder : this.decoder;
    coder.setKeys(keys);
    if (resetSequence) coder.resetSequence();
    this.applyCompression(direction, n);
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

  private onExtInfo(p: Uint8Array, inPlace: boolean): void {
    this.extInfo.accept(inPlace, this.authenticated);
    const ext = tm.decodeExtInfo(p);
    for (const [k, v] of ext) this.peerExtensions.set(k, v);
    this.events.push({ type: 'ext-info', extensions: ext });
  }
}
