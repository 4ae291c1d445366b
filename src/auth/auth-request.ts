/**
 * What the server's authentication state machine asks the application, and what the application may answer
 * (RFC 4252 §5-8, RFC 4256 §3). Which answers fit which question is a table, so misuse is refused by data.
 */
import type { KbdIntPrompt } from '../wire/auth-messages.js';

export type AuthRequest = { username: string; service: string } & (
  | { method: 'none' }
  | { method: 'password'; password: string; newPassword?: string }
  /** May this key be used? Accepting sends USERAUTH_PK_OK, never success: nothing has been proved yet. */
  | { method: 'publickey-query'; algorithm: string; publicKeyBlob: Uint8Array }
  /** The signature by exactly this key over this session, user and service has ALREADY been verified. */
  | { method: 'publickey'; algorithm: string; publicKeyBlob: Uint8Array }
  /** The client starts keyboard-interactive; answer with prompts (or accept / reject at once). */
  | { method: 'keyboard-interactive'; submethods: string }
  /** The answers to the prompts last sent, one per prompt. */
  | { method: 'keyboard-interactive-response'; responses: string[] }
);

export type Decision =
  | { result: 'accept' }
  | { result: 'reject' }
  /** This method succeeded but more are needed (RFC 4252 §5.1 partial success): the ones that may follow. */
  | { result: 'partial'; nextMethods: string[] }
  /** RFC 4252 §8: the password is right but expired; the client is asked for a new one. */
  | { result: 'change-password'; prompt: string }
  /** RFC 4256 §3.2: send these prompts; the answers come back as a keyboard-interactive-response. */
  | { result: 'prompts'; name?: string; instruction?: string; prompts: KbdIntPrompt[] };

/** The decisions that make sense for each request. */
export const DECISIONS_FOR: Readonly<Record<AuthRequest['method'], readonly Decision['result'][]>> = {
  none: ['accept', 'reject'],
  password: ['accept', 'reject', 'partial', 'change-password'],
  'publickey-query': ['accept', 'reject'],
  publickey: ['accept', 'reject', 'partial'],
  'keyboard-interactive': ['accept', 'reject', 'partial', 'prompts'],
  'keyboard-interactive-response': ['accept', 'reject', 'partial', 'prompts'],
};

/** The method name on the wire for a request (what FAILURE lists and partial success removes). */
export function wireMethod(method: AuthRequest['method']): string {
  switch (method) {
    case 'publickey-query':
      return 'publickey';
    case 'keyboard-interactive-response':
      return 'keyboard-interactive';
    default:
      return method;
  }
}
