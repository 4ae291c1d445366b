/**
 * Diffie-Hellman group exchange, RFC 4419 with the RFC 8270 minimum of 2048 bits:
 *   client → KEX_DH_GEX_REQUEST (min, n, max)      server → KEX_DH_GEX_GROUP (p, g)
 *   client → KEX_DH_GEX_INIT (e)                    server → KEX_DH_GEX_REPLY (K_S, f, signature of H)
 *   H = HASH(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ min ‖ n ‖ max ‖ p ‖ g ‖ e ‖ f ‖ K)
 * The server also answers the legacy KEX_DH_GEX_REQUEST_OLD (n only), hashing only n as old peers expect.
 */
import type { HashAlg } from '../crypto/backend.js';
import { KexError, UsageError } from '../errors.js';
import { type DhGroup, GEX_GROUPS } from './dh-groups.js';
import { bitLength, checkDhPublicValue, dhSharedSecret, generateDhKeyPair } from './dh-keys.js';
import { gexExchangeHash } from './exchange-hash.js';
import { exchangeMachine, type StepOutcome } from './exchange-machine.js';
import {
  decodeDhInit,
  decodeDhReply,
  decodeGexGroup,
  decodeGexRequest,
  decodeGexRequestOld,
  encodeDhInit,
  encodeDhReply,
  encodeGexGroup,
  encodeGexRequest,
  type GexRequest,
  KexMessage,
} from './messages.js';
import type { HostKeySigner, KexContext, KexMethod } from './types.js';

/** RFC 8270 §3: at least 2048 bits; 8192 is the largest group anyone ships (OpenSSH dh.h DH_GRP_MAX). */
export const GEX_MIN_BITS = 2048;
export const GEX_MAX_BITS = 8192;
export const DEFAULT_GEX_REQUEST: Readonly<GexRequest> = { min: GEX_MIN_BITS, n: 3072, max: GEX_MAX_BITS };

export interface GexOptions {
  /** What the client asks for; each field defaults to DEFAULT_GEX_REQUEST's. */
  request?: Partial<GexRequest>;
  /** The server's pool, any order. Default: the RFC 3526 groups of 2048..8192 bits. */
  groups?: readonly DhGroup[];
}

function checkRequestOption(r: GexRequest): void {
  if (!(GEX_MIN_BITS <= r.min && r.min <= r.n && r.n <= r.max && r.max <= GEX_MAX_BITS)) {
    throw new UsageError(
      `group-exchange request must satisfy 2048 ≤ min ≤ n ≤ max ≤ 8192 (got ${r.min}/${r.n}/${r.max})`,
    );
  }
}

/** RFC 4419 §3: the smallest group of at least n bits within [min, max], else the largest one within. */
export function chooseGexGroup(groups: readonly DhGroup[], req: GexRequest): DhGroup | undefined {
  const fitting = groups
    .filter((g) => g.bits >= req.min && g.bits <= req.max)
    .sort((a, b) => a.bits - b.bits);
  return fitting.find((g) => g.bits >= req.n) ?? fitting[fitting.length - 1];
}

/** Client-side check of the server's group (RFC 8270 §3: refuse p under 2048 bits; never over our max). */
function checkOfferedGroup(p: bigint, g: bigint, req: GexRequest): void {
  const bits = bitLength(p);
  if (bits < req.min || bits > req.max) {
    throw new KexError(`group-exchange prime of ${bits} bits is outside [${req.min}, ${req.max}]`, 'peer', {
      bits,
      min: req.min,
      max: req.max,
    });
  }
  if ((p & 1n) === 0n) throw new KexError('group-exchange modulus is even', 'peer');
  if (g < 2n || g > p - 2n) throw new KexError('group-exchange generator is outside [2, p-2]', 'peer');
}

export function dhGroupExchange(name: string, hash: HashAlg, options: GexOptions = {}): KexMethod {
  const request: GexRequest = { ...DEFAULT_GEX_REQUEST, ...options.request };
  checkRequestOption(request);
  const pool = options.groups ?? GEX_GROUPS;

  /** Server: after choosing a group, wait for KEX_DH_GEX_INIT. `hashed` is what H covers of the request. */
  const serverInit = (
    ctx: KexContext,
    hostKey: HostKeySigner,
    group: DhGroup,
    hashed: GexRequest | { n: number },
  ): StepOutcome => ({
    send: [encodeGexGroup(group)],
    next: {
      [KexMessage.KEX_DH_GEX_INIT]: (payload) => {
        const { e } = decodeDhInit(payload, KexMessage.KEX_DH_GEX_INIT);
        checkDhPublicValue(e, group.p, 'e');
        const { x, publicValue: f } = generateDhKeyPair(ctx.crypto, ctx.random, group.p, group.g);
        const sharedSecret = dhSharedSecret(ctx.crypto, e, x, group.p);
        const exchangeHash = gexExchangeHash(ctx, hash, hostKey.blob, hashed, group, e, f, sharedSecret);
        const signature = hostKey.sign(exchangeHash);
        return {
          send: [encodeDhReply({ hostKey: hostKey.blob, f, signature }, KexMessage.KEX_DH_GEX_REPLY)],
          result: { sharedSecret, exchangeHash, hostKeyBlob: hostKey.blob, signature, hash },
        };
      },
    },
  });

  const noGroup = (req: GexRequest): KexError =>
    new KexError(`no group-exchange group within [${req.min}, ${req.max}] bits`, 'policy', { ...req });

  return {
    name,
    hash,
    client(ctx) {
      return exchangeMachine(
        () => ({
          send: [encodeGexRequest(request)],
          next: {
            [KexMessage.KEX_DH_GEX_GROUP]: (groupPayload) => {
              const group = decodeGexGroup(groupPayload);
              checkOfferedGroup(group.p, group.g, request);
              const pair = generateDhKeyPair(ctx.crypto, ctx.random, group.p, group.g);
              let x = pair.x;
              const e = pair.publicValue;
              return {
                send: [encodeDhInit(e, KexMessage.KEX_DH_GEX_INIT)],
                next: {
                  [KexMessage.KEX_DH_GEX_REPLY]: (payload) => {
                    const reply = decodeDhReply(payload, KexMessage.KEX_DH_GEX_REPLY);
                    try {
                      checkDhPublicValue(reply.f, group.p, 'f');
                      const sharedSecret = dhSharedSecret(ctx.crypto, reply.f, x, group.p);
                      const exchangeHash = gexExchangeHash(
                        ctx,
                        hash,
                        reply.hostKey,
                        request,
                        group,
                        e,
                        reply.f,
                        sharedSecret,
                      );
                      return {
                        send: [],
                        result: {
                          sharedSecret,
                          exchangeHash,
                          hostKeyBlob: reply.hostKey,
                          signature: reply.signature,
                          hash,
                        },
                      };
                    } finally {
                      x = 0n;
                    }
                  },
                },
              };
            },
          },
        }),
        true,
      );
    },
    server(ctx, hostKey) {
      return exchangeMachine(
        () => ({
          send: [],
          next: {
            [KexMessage.KEX_DH_GEX_REQUEST]: (payload) => {
              const req = decodeGexRequest(payload);
              // RFC 4419 §3 implies min ≤ n ≤ max; OpenSSH refuses anything else ("bad parameters").
              if (!(req.min <= req.n && req.n <= req.max)) {
                throw new KexError(
                  `group-exchange request ${req.min}/${req.n}/${req.max} is not ordered`,
                  'peer',
                  { ...req },
                );
              }
              const group = chooseGexGroup(pool, req);
              if (group === undefined) throw noGroup(req);
              return serverInit(ctx, hostKey, group, req);
            },
            [KexMessage.KEX_DH_GEX_REQUEST_OLD]: (payload) => {
              const { n } = decodeGexRequestOld(payload);
              // Old clients state only a preference; the RFC 8270 floor and our ceiling still apply.
              const bounded = {
                min: GEX_MIN_BITS,
                n: Math.min(Math.max(n, GEX_MIN_BITS), GEX_MAX_BITS),
                max: GEX_MAX_BITS,
              };
              const group = chooseGexGroup(pool, bounded);
              if (group === undefined) throw noGroup(bounded);
              return serverInit(ctx, hostKey, group, { n });
            },
          },
        }),
        false,
      );
    },
  };
}
