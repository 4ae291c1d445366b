/** What a connection core reports to the edge (the RxJS layer or any other driver). */

import type { ChannelEvent } from '../channel/channel-mux.js';
import type { ChannelRequest } from '../channel/channel-requests.js';
import type { SshError } from '../errors.js';
import type { Negotiated } from '../kex/negotiate.js';

export interface DisconnectInfo {
  /** RFC 4253 §11.1 reason code. */
  reason: number;
  description: string;
  /** True when the peer sent SSH_MSG_DISCONNECT; false when we ended it (or the network did). */
  byPeer: boolean;
  /** The typed error, when the connection ended abnormally. */
  error?: SshError;
}

export interface KexInfo {
  initial: boolean;
  algorithms: Negotiated;
  strictKex: boolean;
}

export type AuthPromptEvent =
  | { type: 'need-password'; prompt?: string; changeRequest: boolean }
  | { type: 'need-kbdint'; name: string; instruction: string; prompts: { prompt: string; echo: boolean }[] }
  | { type: 'need-signature'; algorithm: string; publicKeyBlob: Uint8Array; data: Uint8Array };

export type CoreEvent =
  | { type: 'host-key'; algorithm: string; blob: Uint8Array }
  | { type: 'kex'; info: KexInfo }
  | { type: 'ext-info'; extensions: Map<string, Uint8Array> }
  | { type: 'banner'; message: string }
  | { type: 'auth-prompt'; prompt: AuthPromptEvent }
  | { type: 'auth-attempt'; method: string; result: 'failure' | 'partial'; methodsLeft: string[] }
  | { type: 'auth-decide'; id: number; request: unknown }
  | { type: 'authenticated'; username: string; method: string; methods: string[] }
  | { type: 'message'; payload: Uint8Array }
  /** A channel event; requests come with their decoded form. */
  | { type: 'channel'; event: ChannelEvent; request?: ChannelRequest }
  | {
      type: 'global-request';
      name: string;
      wantReply: boolean;
      data: Uint8Array;
      reply(ok: boolean, data?: Uint8Array): void;
    }
  | { type: 'debug'; message: string }
  | { type: 'pong'; data: Uint8Array }
  | { type: 'closed'; info: DisconnectInfo };
