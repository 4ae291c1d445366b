/**
 * Diffie-Hellman over a fixed group, RFC 4253 §8: diffie-hellman-group1-sha1 (Oakley group 2),
 * group14-sha1 (RFC 4253 §8.2) and the RFC 8268 methods group14-sha256, group15..18-sha512.
 *   client → SSH_MSG_KEXDH_INIT (e);  server → SSH_MSG_KEXDH_REPLY (K_S, f, signature of H)
 *   H = HASH(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ e ‖ f ‖ K)
 */
import type { HashAlg } from '../crypto/backend.js';
import type { DhGroup } from './dh-groups.js';
import { checkDhPublicValue, dhSharedSecret, generateDhKeyPair } from './dh-keys.js';
import { dhExchangeHash } from './exchange-hash.js';
import { exchangeMachine } from './exchange-machine.js';
import { decodeDhInit, decodeDhReply, encodeDhInit, encodeDhReply, KexMessage } from './messages.js';
import type { KexMethod } from './types.js';

export function fixedGroupDh(name: string, hash: HashAlg, group: DhGroup): KexMethod {
  const { p, g } = group;
  return {
    name,
    hash,
    client(ctx) {
      return exchangeMachine(() => {
        const pair = generateDhKeyPair(ctx.crypto, ctx.random, p, g);
        let x = pair.x;
        const e = pair.publicValue;
        return {
          send: [encodeDhInit(e)],
          next: {
            [KexMessage.KEXDH_REPLY]: (payload) => {
              const reply = decodeDhReply(payload);
              try {
                checkDhPublicValue(reply.f, p, 'f');
                const sharedSecret = dhSharedSecret(ctx.crypto, reply.f, x, p);
                const exchangeHash = dhExchangeHash(ctx, hash, reply.hostKey, e, reply.f, sharedSecret);
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
      }, true);
    },
    server(ctx, hostKey) {
      return exchangeMachine(
        () => ({
          send: [],
          next: {
            [KexMessage.KEXDH_INIT]: (payload) => {
              const { e } = decodeDhInit(payload);
              checkDhPublicValue(e, p, 'e');
              const { x, publicValue: f } = generateDhKeyPair(ctx.crypto, ctx.random, p, g);
              const sharedSecret = dhSharedSecret(ctx.crypto, e, x, p);
              const exchangeHash = dhExchangeHash(ctx, hash, hostKey.blob, e, f, sharedSecret);
              const signature = hostKey.sign(exchangeHash);
              return {
                send: [encodeDhReply({ hostKey: hostKey.blob, f, signature })],
                result: { sharedSecret, exchangeHash, hostKeyBlob: hostKey.blob, signature, hash },
              };
            },
          },
        }),
        false,
      );
    },
  };
}
