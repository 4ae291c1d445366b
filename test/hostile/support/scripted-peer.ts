/**
 * A scripted SSH peer for hostile-input tests (security-checklist §4b): it completes a real key exchange
 * against the system under test, built from our own sans-I/O pieces (kex methods, negotiation, key schedule,
 * packet sealers, PacketDecoder), and the test decides every byte it sends: any payload at any point, packets
 * with chosen padding or length, raw bytes, corrupted MACs, floods.
 *
 * Outgoing framing is laid out here by hand rather than by PacketEncoder, so a test can break any field
 * (RFC 4253 §6) and the SUT's decoder is not checked against its own encoder's habits.
 *
 * Incoming bytes (what the SUT wrote) are parsed automatically: the identification line, packets, the SUT's
 * KEXINIT, key-exchange replies (answered into `pending`, sent when the test says so) and NEWKEYS (the
 * incoming keys switch exactly at that packet boundary, RFC 4253 §7.3).
 */

import { createSealer } from '../../../src/cipher/protection.js';
import { CIPHERS, DEFAULT_CIPHERS, DEFAULT_MACS } from '../../../src/cipher/registry.js';
import type { DirectionKeys, PacketSealer } from '../../../src/cipher/types.js';
import { hostKeySigner } from '../../../src/connection/accept.js';
import type { CryptoBackend, RandomSource } from '../../../src/crypto/backend.js';
import { concatBytes, utf8 } from '../../../src/crypto/bytes.js';
import { nodeCrypto } from '../../../src/crypto/index.js';
import { seededRandom } from '../../../src/crypto/random.js';
import type { KexInitLists } from '../../../src/kex/kexinit-lists.js';
import { type Negotiated, negotiate } from '../../../src/kex/negotiate.js';
import { KEX_METHODS } from '../../../src/kex/registry.js';
import type { KexExchange, KexResult } from '../../../src/kex/types.js';
import { generateKey } from '../../../src/keys/generate-key.js';
import type { PrivateKey } from '../../../src/keys/private-key.js';
import { type PayloadCompressor, ZlibCompressor } from '../../../src/transport/compression.js';
import { type Identification, IdentificationReader } from '../../../src/transport/identification.js';
import { directionKeys } from '../../../src/transport/key-schedule.js';
import { PacketDecoder } from '../../../src/transport/packet-decoder.js';
import { MSG } from '../../../src/wire/message-numbers.js';
import { decodeKexInit, encodeKexInit } from '../../../src/wire/transport-messages.js';

if (nodeCrypto === undefined) throw new Error('the hostile tests run under Node');
export const crypto: CryptoBackend = nodeCrypto;

export const STRICT_C = 'kex-strict-c-v00@openssh.com';
export const STRICT_S = 'kex-strict-s-v00@openssh.com';

export interface PeerOptions {
  /** The peer's own role; the SUT has the other one. */
  role: 'client' | 'server';
  seed?: string;
  /** Without CR LF. */
  identification?: string;
  kex?: string[];
  cipher?: string[];
  mac?: string[];
  compression?: string[];
  /** Put our strict-kex marker in the first KEXINIT (OpenSSH PROTOCOL §1.9). Default true. */
  strictKex?: boolean;
  /** Put ext-info-c / ext-info-s in the first KEXINIT (RFC 8308 §2.1). Default true. */
  extInfo?: boolean;
  /** Server role: the host key we prove. Default: an Ed25519 key from the seed. */
  hostKey?: PrivateKey;
}

/** A payload the SUT sent, with the sequence number it arrived under. */
export interface Received {
  seq: number;
  payload: Uint8Array;
}

interface Round {
  initial: boolean;
  ours?: Uint8Array;
  theirs?: Uint8Array;
  negotiated?: Negotiated;
  exchange?: KexExchange;
  result?: KexResult;
  sentNewKeys: boolean;
  receivedNewKeys: boolean;
}

export class ScriptedPeer {
  readonly role: 'client' | 'server';
  readonly random: RandomSource;
  readonly identLine: string;
  /** Server role: the host key we prove (a test may swap it, e.g. for a re-exchange). */
  hostKey: PrivateKey | undefined;
  readonly decoder = new PacketDecoder(crypto);
  /** Every payload the SUT sent, in order. */
  readonly received: Received[] = [];
  /** Key-exchange replies computed but not sent yet (the test or the harness sends them). */
  readonly pending: Uint8Array[] = [];
  sutIdentification?: Identification;
  sessionId?: Uint8Array;
  /** What the last finished exchange agreed on. */
  negotiated?: Negotiated;
  strict = false;
  round?: Round;
  kexCount = 0;
  /** Outgoing state: sealer and sequence number are ours to advance (or break). */
  sealer: PacketSealer = createSealer(crypto, undefined);
  seq = 0;
  compressor: PayloadCompressor | undefined;
  private readonly identReader: IdentificationReader;
  private readonly opts: PeerOptions;
  private outKeys?: DirectionKeys;

  constructor(opts: PeerOptions) {
    this.opts = opts;
    this.role = opts.role;
    const seed = opts.seed ?? 'scripted-peer';
    this.random = seededRandom(`${seed}/peer`);
    this.identLine = opts.identification ?? 'SSH-2.0-scripted_peer';
    this.identReader = new IdentificationReader(opts.role === 'client');
    this.hostKey =
      opts.role === 'server'
        ? (opts.hostKey ?? generateKey(crypto, 'ssh-ed25519', { random: seededRandom(`${seed}/host`) }))
        : undefined;
  }

  // ---- what we send ----------------------------------------------------------------------------------

  identification(line = this.identLine): Uint8Array {
    return utf8(`${line}\r\n`);
  }

  /** The lists our KEXINIT would carry; `initial` adds the marker names. */
  lists(initial: boolean): KexInitLists {
    const o = this.opts;
    const kex = [...(o.kex ?? ['curve25519-sha256'])];
    if (initial && (o.extInfo ?? true)) kex.push(this.role === 'client' ? 'ext-info-c' : 'ext-info-s');
    if (initial && (o.strictKex ?? true)) kex.push(this.role === 'client' ? STRICT_C : STRICT_S);
    const cipher = [...(o.cipher ?? DEFAULT_CIPHERS)];
    const mac = [...(o.mac ?? DEFAULT_MACS)];
    const comp = [...(o.compression ?? ['none'])];
    const hostKey = this.hostKey ? hostKeySigner(this.hostKey, crypto).algorithms : ['ssh-ed25519'];
    return {
      kex,
      hostKey: [...hostKey],
      cipherCS: cipher,
      cipherSC: [...cipher],
      macCS: mac,
      macSC: [...mac],
      compCS: comp,
      compSC: [...comp],
      langCS: [],
      langSC: [],
    };
  }

  /**
   * Our KEXINIT payload, remembered as this round's I_C / I_S. `lists` replaces the defaults (to send
   * hostile lists); a KEXINIT after the first kex starts a re-exchange.
   */
  kexInit(lists?: KexInitLists, firstKexPacketFollows = false): Uint8Array {
    const initial = this.kexCount === 0 && !this.round?.ours;
    const payload = encodeKexInit({
      cookie: this.random(16),
      lists: lists ?? this.lists(initial),
      firstKexPacketFollows,
    });
    this.round ??= { initial: this.kexCount === 0, sentNewKeys: false, receivedNewKeys: false };
    this.round.ours = payload;
    this.maybeStartExchange();
    return payload;
  }

  /** One packet, framed by RFC 4253 §6 and protected with the current keys. */
  packet(payload: Uint8Array): Uint8Array {
    const body = this.compressor ? this.compressor.compress(payload) : payload;
    return this.seal(this.frame(body));
  }

  /**
   * `packet_length ‖ padding_length ‖ payload ‖ padding` in the clear. `padding` overrides the computed
   * padding length (the padding bytes are still that many), `paddingField` writes a different value into
   * the padding_length byte, `extra` appends bytes that break block alignment.
   */
  frame(body: Uint8Array, o: { padding?: number; paddingField?: number; extra?: number } = {}): Uint8Array {
    const { blockSize, alignFrom } = this.sealer;
    let padding = blockSize - ((4 + 1 + body.length - alignFrom) % blockSize);
    if (padding < 4) padding += blockSize;
    if (o.padding !== undefined) padding = o.padding;
    const packetLength = 1 + body.length + padding + (o.extra ?? 0);
    const plain = new Uint8Array(4 + packetLength);
    new DataView(plain.buffer).setUint32(0, packetLength);
    plain[4] = o.paddingField ?? padding;
    plain.set(body, 5);
    return plain;
  }

  /** Protects a plaintext packet (any layout) with the current keys and advances the sequence number. */
  seal(plain: Uint8Array): Uint8Array {
    const wire = new Uint8Array(plain.length + this.sealer.trailerLength);
    wire.set(plain);
    this.sealer.seal(this.seq, wire);
    this.seq = (this.seq + 1) >>> 0;
    return wire;
  }

  /** Bytes a packet of `payloadLength` bytes takes on the wire under the current keys (no compression). */
  wireLength(payloadLength: number): number {
    return this.frame(new Uint8Array(payloadLength)).length + this.sealer.trailerLength;
  }

  /** True when our half of the exchange is done and NEWKEYS is due. */
  get readyForNewKeys(): boolean {
    const r = this.round;
    return !!r?.result && !r.sentNewKeys && this.pending.length === 0;
  }

  /** NEWKEYS as a packet under the old keys; everything after it goes out under the new ones (§7.3). */
  newKeys(): Uint8Array {
    const r = this.round;
    if (!r?.result || !this.outKeys) throw new Error('scripted peer: NEWKEYS before the exchange finished');
    const wire = this.packet(Uint8Array.of(MSG.NEWKEYS));
    this.sealer = createSealer(crypto, this.outKeys);
    if (this.strict) this.seq = 0; // PROTOCOL §1.9: every NEWKEYS resets the sequence number
    r.sentNewKeys = true;
    this.finishRound();
    return wire;
  }

  /** zlib / zlib@openssh.com in both directions from the next packet on. */
  enableCompression(): void {
    this.compressor ??= new ZlibCompressor();
    this.decoder.enableDecompression();
  }

  takePending(): Uint8Array[] {
    return this.pending.splice(0);
  }

  // ---- what the SUT sent -----------------------------------------------------------------------------

  /** Parses SUT output; returns the payloads decoded from it (also appended to `received`). */
  read(bytes: Uint8Array): Received[] {
    const out: Received[] = [];
    if (!this.sutIdentification) {
      const r = this.identReader.push(bytes);
      if (!r) return out;
      this.sutIdentification = r.identification;
      bytes = r.rest;
    }
    this.decoder.push(bytes);
    for (;;) {
      const seq = this.decoder.seq;
      const payload = this.decoder.next();
      if (!payload) break;
      const item = { seq, payload: payload.slice() };
      this.received.push(item);
      out.push(item);
      this.onPayload(item.payload);
    }
    return out;
  }

  /** Payloads of one message number the SUT sent. */
  sent(type: number): Uint8Array[] {
    return this.received.filter((r) => r.payload[0] === type).map((r) => r.payload);
  }

  private onPayload(p: Uint8Array): void {
    const type = p[0];
    if (type === MSG.KEXINIT) {
      if (!this.round || this.round.theirs)
        this.round = { initial: this.kexCount === 0, sentNewKeys: false, receivedNewKeys: false };
      this.round.theirs = p;
      this.maybeStartExchange();
    } else if (type >= 30 && type <= 49 && this.round?.exchange && !this.round.result) {
      const { send, result } = this.round.exchange.receive(p);
      this.pending.push(...send);
      if (result) this.onResult(result);
    } else if (type === MSG.NEWKEYS && this.round?.result) {
      this.decoder.setKeys(this.keysFor('in'));
      if (this.strict) this.decoder.resetSequence();
      this.round.receivedNewKeys = true;
      this.finishRound();
    } else if (type === MSG.USERAUTH_SUCCESS && this.role === 'client') {
      // zlib@openssh.com starts after USERAUTH_SUCCESS (OpenSSH PROTOCOL §1.2, delayed compression).
      if (this.round === undefined && this.negotiatedDelayedCompression()) this.enableCompression();
    }
  }

  private negotiatedDelayedCompression(): boolean {
    return this.negotiated?.compCS === 'zlib@openssh.com';
  }

  private maybeStartExchange(): void {
    const r = this.round;
    if (!r?.ours || !r.theirs || r.exchange || !this.sutIdentification) return;
    const ours = decodeKexInit(r.ours).lists;
    const theirs = decodeKexInit(r.theirs).lists;
    const [client, server] = this.role === 'client' ? [ours, theirs] : [theirs, ours];
    if (r.initial) {
      const sutMarker = this.role === 'client' ? STRICT_S : STRICT_C;
      const ourMarker = this.role === 'client' ? STRICT_C : STRICT_S;
      this.strict = theirs.kex.includes(sutMarker) && ours.kex.includes(ourMarker);
    }
    r.negotiated = negotiate(client, server, { isAead: (c) => CIPHERS[c]?.aead ?? false });
    const method = KEX_METHODS[r.negotiated.kex];
    const [clientKexInit, serverKexInit] = this.role === 'client' ? [r.ours, r.theirs] : [r.theirs, r.ours];
    const [cv, sv] =
      this.role === 'client'
        ? [this.identLine, this.sutIdentification.line]
        : [this.sutIdentification.line, this.identLine];
    const ctx = {
      crypto,
      random: this.random,
      clientVersion: utf8(cv),
      serverVersion: utf8(sv),
      clientKexInit,
      serverKexInit,
    };
    if (this.role === 'client') {
      r.exchange = method.client(ctx);
    } else {
      const signer = hostKeySigner(this.hostKey!, crypto);
      const alg = r.negotiated.hostKey;
      r.exchange = method.server(ctx, { blob: signer.blob, sign: (h) => signer.sign(h, alg) });
    }
    this.pending.push(...r.exchange.start());
  }

  private onResult(result: KexResult): void {
    const r = this.round!;
    r.result = result;
    this.sessionId ??= result.exchangeHash;
    this.outKeys = this.keysFor('out');
  }

  private keysFor(which: 'in' | 'out'): DirectionKeys {
    const r = this.round!;
    const n = r.negotiated!;
    const cs = (which === 'out') === (this.role === 'client');
    return cs
      ? directionKeys(crypto, r.result!, this.sessionId!, 'clientToServer', n.cipherCS, n.macCS)
      : directionKeys(crypto, r.result!, this.sessionId!, 'serverToClient', n.cipherSC, n.macSC);
  }

  private finishRound(): void {
    const r = this.round!;
    if (!r.sentNewKeys || !r.receivedNewKeys) return;
    this.negotiated = r.negotiated;
    this.round = undefined;
    this.kexCount++;
  }
}

/** Concatenates packets into one delivery. */
export function joined(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts);
}
