/**
 * One key exchange, from our KEXINIT to both NEWKEYS (RFC 4253 §7), as the transport tracks it, and the pieces
 * of it that depend only on the role: which exchange object runs, and which negotiated names key each direction.
 */
import type { DirectionKeys } from '../cipher/types.js';
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { utf8 } from '../crypto/bytes.js';
import { KexError } from '../errors.js';
import type { Negotiated } from '../kex/negotiate.js';
import { KEX_METHODS } from '../kex/registry.js';
import type { KexExchange, KexResult } from '../kex/types.js';
import type { ServerHostKey } from './transport-events.js';

export interface KexRound {
  initial: boolean;
  ours: Uint8Array;
  theirs?: Uint8Array;
  negotiated?: Negotiated;
  exchange?: KexExchange;
  result?: KexResult;
  inKeys?: DirectionKeys;
  ignoreNextKexPacket: boolean;
  sentNewKeys: boolean;
  receivedNewKeys: boolean;
  startedAt: number;
}

export type Role = 'client' | 'server';

/** Direction, cipher and MAC names for our outgoing or incoming keys (RFC 4253 §7.2 letters follow from it). */
export function directionOf(role: Role, n: Negotiated, dir: 'in' | 'out') {
  const clientToServer = (dir === 'out') === (role === 'client');
  return clientToServer
    ? (['clientToServer', n.cipherCS, n.macCS] as const)
    : (['serverToClient', n.cipherSC, n.macSC] as const);
}

export interface ExchangeInputs {
  crypto: CryptoBackend;
  random: RandomSource;
  ourIdentification: string;
  peerIdentification: string;
  ourKexInit: Uint8Array;
  peerKexInit: Uint8Array;
  hostKeys: readonly ServerHostKey[];
}

/** Creates the negotiated method's exchange for our role; the server signs with a key for the chosen algorithm. */
export function createExchange(role: Role, negotiated: Negotiated, x: ExchangeInputs): KexExchange {
  const method = KEX_METHODS[negotiated.kex];
  if (!method) throw new KexError(`no implementation for ${negotiated.kex}`, 'local');
  const client = role === 'client';
  const ctx = {
    crypto: x.crypto,
    random: x.random,
    clientVersion: utf8(client ? x.ourIdentification : x.peerIdentification),
    serverVersion: utf8(client ? x.peerIdentification : x.ourIdentification),
    clientKexInit: client ? x.ourKexInit : x.peerKexInit,
    serverKexInit: client ? x.peerKexInit : x.ourKexInit,
  };
  if (client) return method.client(ctx);
  const key = x.hostKeys.find((k) => k.algorithms.includes(negotiated.hostKey));
  if (!key) throw new KexError(`no host key for ${negotiated.hostKey}`, 'local');
  return method.server(ctx, { blob: key.blob, sign: (h) => key.sign(h, negotiated.hostKey) });
}
