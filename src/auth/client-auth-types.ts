/** What ClientAuth is configured with and what it asks of its caller (see client-auth.ts). */
import type { AuthError } from '../errors.js';
import type { KbdIntPrompt } from '../wire/auth-messages.js';

export type ClientAuthMethod =
  /** `none` is always tried, first or (after an opening publickey) last; an entry here adds nothing. */
  | { type: 'none' }
  | { type: 'password' }
  | { type: 'keyboard-interactive'; submethods?: string }
  | {
      type: 'publickey';
      keyType: string;
      publicKeyBlob: Uint8Array;
      /** Signature algorithms this key can make, preferred first (rsa: rsa-sha2-512, rsa-sha2-256, ssh-rsa). */
      algorithms: string[];
      /**
       * Sign at once: the first request for this key carries the signature (RFC 4252 §7), one round trip
       * fewer. For keys held here; an agent's or token's key asks first, so a refused key costs no signing
       * (nor a confirmation prompt on the device).
       */
      signAtOnce?: boolean;
    };

export interface ClientAuthOptions {
  username: string;
  /** The service to start once authenticated (RFC 4252 §5), 'ssh-connection' by default. */
  service?: string;
  sessionId: Uint8Array;
  methods: ClientAuthMethod[];
  /** From the server's EXT_INFO `server-sig-algs` (RFC 8308 §3.1), when known. */
  serverSigAlgs?: string[];
  /** Password and keyboard-interactive tries per method (OpenSSH NumberOfPasswordPrompts), 3 by default. */
  maxPromptAttempts?: number;
}

export type ClientAuthOutput =
  | { type: 'send'; payload: Uint8Array }
  | { type: 'banner'; message: string; language: string }
  | { type: 'need-password'; prompt?: string; changeRequest: boolean }
  | { type: 'need-kbdint'; name: string; instruction: string; prompts: KbdIntPrompt[] }
  | { type: 'need-signature'; algorithm: string; publicKeyBlob: Uint8Array; data: Uint8Array }
  | { type: 'method-result'; method: string; result: 'failure' | 'partial'; methodsLeft: string[] }
  | { type: 'success'; method: string }
  | { type: 'failed'; error: AuthError };
