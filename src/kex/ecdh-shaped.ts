/**
 * Methods with one round trip of ephemeral values: client sends Q_C in message 30, server answers with
 * K_S, Q_S and a signature in message 31, and H = HASH(V_C ‖ V_S ‖ I_C ‖ I_S ‖ K_S ‖ Q_C ‖ Q_S ‖ K).
 * RFC 5656 §4 (ECDH), RFC 8731 §3 (X25519) and mlkem768x25519-sha256 all share this shape; each supplies
 * only its key agreement.
 */
import type { HashAlg } from '../crypto/backend.js';
import { ecdhExchangeHash } from './exchange-hash.js';
import { exchangeMachine } from './exchange-machine.js';
import { decodeEcdhInit, decodeEcdhReply, encodeEcdhInit, encodeEcdhReply, KexMessage } from './messages.js';
import type { KexContext, KexMethod } from './types.js';

export interface EphemeralKey {
  publicValue: Uint8Array;
  /** K, encoded as hashed, from the peer's public value. Wipes the private key, also on failure. */
  agree(peerValue: Uint8Array): Uint8Array;
}

export interface KeyAgreement {
  /** The client's ephemeral key; its public value is Q_C. */
  clientKey(ctx: KexContext): EphemeralKey;
  /** The server's answer to Q_C: Q_S and K. */
  serverAnswer(
    ctx: KexContext,
    clientValue: Uint8Array,
  ): { publicValue: Uint8Array; sharedSecret: Uint8Array };
}

/** For Diffie-Hellman-style agreements the server's answer is its own ephemeral key and the same `agree`. */
export function symmetricAgreement(generate: (ctx: KexContext) => EphemeralKey): KeyAgreement {
  return {
    clientKey: generate,
    serverAnswer(ctx, clientValue) {
      const own = generate(ctx);
      return { publicValue: own.publicValue, sharedSecret: own.agree(clientValue) };
    },
  };
}

export function ecdhShapedMethod(name: string, hash: HashAlg, agreement: KeyAgreement): KexMethod {
  return {
    name,
    hash,
    client(ctx) {
      return exchangeMachine(() => {
        const own = agreement.clientKey(ctx);
        return {
          send: [encodeEcdhInit(own.publicValue)],
          next: {
            [KexMessage.KEX_ECDH_REPLY]: (payload) => {
              const reply = decodeEcdhReply(payload);
              const sharedSecret = own.agree(reply.publicValue);
              const exchangeHash = ecdhExchangeHash(
                ctx,
                hash,
                reply.hostKey,
                own.publicValue,
                reply.publicValue,
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
            [KexMessage.KEX_ECDH_INIT]: (payload) => {
              const { publicValue: clientValue } = decodeEcdhInit(payload);
              const answer = agreement.serverAnswer(ctx, clientValue);
              const { sharedSecret } = answer;
              const exchangeHash = ecdhExchangeHash(
                ctx,
                hash,
                hostKey.blob,
                clientValue,
                answer.publicValue,
                sharedSecret,
              );
              const signature = hostKey.sign(exchangeHash);
              return {
                send: [
                  encodeEcdhReply({ hostKey: hostKey.blob, publicValue: answer.publicValue, signature }),
                ],
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
