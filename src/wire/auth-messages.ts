/**
 * Codecs for the user-authentication messages (RFC 4252 §5, §7, §8; RFC 4256 §3 for keyboard-interactive),
 * and the exact bytes a publickey signature covers (RFC 4252 §7). Decoders take the whole payload, message
 * number included, and consume it exactly. Message number 60 means a different message in each method, so
 * the caller, who knows which method is pending, picks the decoder.
 */
import { DecodeError } from '../errors.js';
import { MSG, openMessage, readDisplayText } from './message-numbers.js';
import { type SshReader, WireLimits } from './reader.js';
import { SshWriter } from './writer.js';

export const AuthLimits = {
  /** Prompts in one INFO_REQUEST, and responses in one INFO_RESPONSE (checked before allocating). */
  maxPrompts: 64,
  /**
   * Bytes of one keyboard-interactive response that still decode. Longer ones are malformed; shorter but
   * implausible ones (OpenSSH's kbdint regress sends 101 bytes) are for the auth layer to refuse.
   */
  maxResponseBytes: 4096,
} as const;

export type UserauthMethodFields =
  | { method: 'none' }
  /** `newPassword` present ⇔ the wire boolean is TRUE (a password change, RFC 4252 §8). */
  | { method: 'password'; password: string; newPassword?: string }
  /** `signature` present ⇔ the wire boolean is TRUE; without it the request is a query (RFC 4252 §7). */
  | { method: 'publickey'; algorithm: string; publicKeyBlob: Uint8Array; signature?: Uint8Array }
  | { method: 'keyboard-interactive'; language?: string; submethods: string }
  /** Any other method (hostbased, gssapi-*): its name and the undecoded method-specific fields. */
  | { method: 'unsupported'; name: string; tail: Uint8Array };

export type UserauthRequest = { user: string; service: string } & UserauthMethodFields;

// RFC 4252 §5
//   byte     SSH_MSG_USERAUTH_REQUEST (50)
//   string   user name in ISO-10646 UTF-8
//   string   service name in US-ASCII
//   string   method name in US-ASCII
//   ....     method specific fields:
//     none                  (nothing)                                                       §5.2
//     password              boolean FALSE, string password | boolean TRUE, string old, string new   §8
//     publickey             boolean has-signature, string algorithm, string key blob, [string signature]  §7
//     keyboard-interactive  string language tag (deprecated), string submethods (UTF-8)    RFC 4256 §3.1
export function encodeUserauthRequest(req: UserauthRequest): Uint8Array {
  const w = new SshWriter(256).byte(MSG.USERAUTH_REQUEST).string(req.user).string(req.service);
  switch (req.method) {
    case 'none':
      w.string('none');
      break;
    case 'password':
      w.string('password')
        .boolean(req.newPassword !== undefined)
        .string(req.password);
      if (req.newPassword !== undefined) w.string(req.newPassword);
      break;
    case 'publickey':
      w.string('publickey')
        .boolean(req.signature !== undefined)
        .string(req.algorithm)
        .string(req.publicKeyBlob);
      if (req.signature !== undefined) w.string(req.signature);
      break;
    case 'keyboard-interactive':
      w.string('keyboard-interactive')
        .string(req.language ?? '')
        .string(req.submethods);
      break;
    case 'unsupported':
      w.string(req.name).raw(req.tail);
      break;
  }
  return w.bytes();
}

export function decodeUserauthRequest(payload: Uint8Array): UserauthRequest {
  const r = openMessage(payload, MSG.USERAUTH_REQUEST, 'USERAUTH_REQUEST');
  const user = r.utf8('user name');
  const service = r.ascii('service name', WireLimits.maxNameLength);
  const name = r.ascii('method name', WireLimits.maxNameLength);
  const req = { user, service, ...decodeMethodFields(r, name) };
  r.end();
  return req;
}

function decodeMethodFields(r: SshReader, name: string): UserauthMethodFields {
  switch (name) {
    case 'none':
      return { method: 'none' };
    case 'password': {
      const change = r.boolean('change flag');
      const password = r.utf8('password');
      return change
        ? { method: 'password', password, newPassword: r.utf8('new password') }
        : { method: 'password', password };
    }
    case 'publickey': {
      const hasSignature = r.boolean('has-signature flag');
      const algorithm = r.ascii('public key algorithm', WireLimits.maxNameLength);
      const publicKeyBlob = r.string('public key blob');
      if (!hasSignature) return { method: 'publickey', algorithm, publicKeyBlob };
      return { method: 'publickey', algorithm, publicKeyBlob, signature: r.string('signature') };
    }
    case 'keyboard-interactive': {
      const language = r.ascii('language tag');
      return { method: 'keyboard-interactive', language, submethods: r.utf8('submethods') };
    }
    default:
      return { method: 'unsupported', name, tail: r.rest() };
  }
}

/**
 * The bytes a publickey signature covers (RFC 4252 §7). Binding the session id, user, service, algorithm and
 * key means a signature cannot be replayed on another connection, for another account, or for another key.
 *   string   session identifier
 *   byte     SSH_MSG_USERAUTH_REQUEST (50)
 *   string   user name
 *   string   service name
 *   string   "publickey"
 *   boolean  TRUE
 *   string   public key algorithm name
 *   string   public key blob
 */
export function publickeySignedData(
  sessionId: Uint8Array,
  user: string,
  service: string,
  algorithm: string,
  publicKeyBlob: Uint8Array,
): Uint8Array {
  return new SshWriter(128 + sessionId.length + publicKeyBlob.length)
    .string(sessionId)
    .byte(MSG.USERAUTH_REQUEST)
    .string(user)
    .string(service)
    .string('publickey')
    .boolean(true)
    .string(algorithm)
    .string(publicKeyBlob)
    .bytes();
}

export interface UserauthFailure {
  /** "Authentications that can continue". */
  methods: string[];
  partialSuccess: boolean;
}

// RFC 4252 §5.1
//   byte       SSH_MSG_USERAUTH_FAILURE (51)
//   name-list  authentications that can continue
//   boolean    partial success
export function encodeUserauthFailure(methods: readonly string[], partialSuccess: boolean): Uint8Array {
  return new SshWriter(64).byte(MSG.USERAUTH_FAILURE).nameList(methods).boolean(partialSuccess).bytes();
}

export function decodeUserauthFailure(payload: Uint8Array): UserauthFailure {
  const r = openMessage(payload, MSG.USERAUTH_FAILURE, 'USERAUTH_FAILURE');
  const methods = r.nameList('authentications that can continue');
  const partialSuccess = r.boolean('partial success');
  r.end();
  return { methods, partialSuccess };
}

// RFC 4252 §5.1
//   byte  SSH_MSG_USERAUTH_SUCCESS (52)
export function encodeUserauthSuccess(): Uint8Array {
  return Uint8Array.of(MSG.USERAUTH_SUCCESS);
}

export function decodeUserauthSuccess(payload: Uint8Array): void {
  openMessage(payload, MSG.USERAUTH_SUCCESS, 'USERAUTH_SUCCESS').end();
}

export interface UserauthBanner {
  message: string;
  language: string;
}

// RFC 4252 §5.4
//   byte    SSH_MSG_USERAUTH_BANNER (53)
//   string  message in ISO-10646 UTF-8
//   string  language tag
export function encodeUserauthBanner(message: string, language = ''): Uint8Array {
  return new SshWriter(64 + message.length * 3)
    .byte(MSG.USERAUTH_BANNER)
    .string(message)
    .string(language)
    .bytes();
}

export function decodeUserauthBanner(payload: Uint8Array): UserauthBanner {
  const r = openMessage(payload, MSG.USERAUTH_BANNER, 'USERAUTH_BANNER');
  const message = readDisplayText(r, 'message');
  const language = r.ascii('language tag');
  r.end();
  return { message, language };
}

export interface UserauthPkOk {
  algorithm: string;
  publicKeyBlob: Uint8Array;
}

// RFC 4252 §7
//   byte    SSH_MSG_USERAUTH_PK_OK (60)
//   string  public key algorithm name from the request
//   string  public key blob from the request
export function encodeUserauthPkOk(algorithm: string, publicKeyBlob: Uint8Array): Uint8Array {
  return new SshWriter(64 + publicKeyBlob.length)
    .byte(MSG.USERAUTH_PK_OK)
    .string(algorithm)
    .string(publicKeyBlob)
    .bytes();
}

export function decodeUserauthPkOk(payload: Uint8Array): UserauthPkOk {
  const r = openMessage(payload, MSG.USERAUTH_PK_OK, 'USERAUTH_PK_OK');
  const algorithm = r.ascii('public key algorithm', WireLimits.maxNameLength);
  const publicKeyBlob = r.string('public key blob');
  r.end();
  return { algorithm, publicKeyBlob };
}

export interface UserauthPasswdChangeReq {
  prompt: string;
  language: string;
}

// RFC 4252 §8
//   byte    SSH_MSG_USERAUTH_PASSWD_CHANGEREQ (60)
//   string  prompt in ISO-10646 UTF-8
//   string  language tag
export function encodeUserauthPasswdChangeReq(prompt: string, language = ''): Uint8Array {
  return new SshWriter(64).byte(MSG.USERAUTH_PASSWD_CHANGEREQ).string(prompt).string(language).bytes();
}

export function decodeUserauthPasswdChangeReq(payload: Uint8Array): UserauthPasswdChangeReq {
  const r = openMessage(payload, MSG.USERAUTH_PASSWD_CHANGEREQ, 'USERAUTH_PASSWD_CHANGEREQ');
  const prompt = r.utf8('prompt');
  const language = r.ascii('language tag');
  r.end();
  return { prompt, language };
}

export interface KbdIntPrompt {
  prompt: string;
  echo: boolean;
}

export interface UserauthInfoRequest {
  name: string;
  instruction: string;
  language: string;
  prompts: KbdIntPrompt[];
}

// RFC 4256 §3.2
//   byte     SSH_MSG_USERAUTH_INFO_REQUEST (60)
//   string   name (ISO-10646 UTF-8)
//   string   instruction (ISO-10646 UTF-8)
//   string   language tag (deprecated)
//   int      num-prompts
//   repeat num-prompts times:
//     string   prompt (ISO-10646 UTF-8)
//     boolean  echo
export function encodeUserauthInfoRequest(req: UserauthInfoRequest): Uint8Array {
  const w = new SshWriter(128).byte(MSG.USERAUTH_INFO_REQUEST).string(req.name).string(req.instruction);
  w.string(req.language).uint32(req.prompts.length);
  for (const p of req.prompts) w.string(p.prompt).boolean(p.echo);
  return w.bytes();
}

export function decodeUserauthInfoRequest(payload: Uint8Array): UserauthInfoRequest {
  const r = openMessage(payload, MSG.USERAUTH_INFO_REQUEST, 'USERAUTH_INFO_REQUEST');
  const name = r.utf8('name');
  const instruction = r.utf8('instruction');
  const language = r.ascii('language tag');
  const count = checkedCount(r, 'num-prompts', 5);
  const prompts: KbdIntPrompt[] = [];
  for (let i = 0; i < count; i++) prompts.push({ prompt: r.utf8('prompt'), echo: r.boolean('echo') });
  r.end();
  return { name, instruction, language, prompts };
}

// RFC 4256 §3.4
//   byte    SSH_MSG_USERAUTH_INFO_RESPONSE (61)
//   int     num-responses
//   repeat num-responses times:
//     string  response (ISO-10646 UTF-8)
export function encodeUserauthInfoResponse(responses: readonly string[]): Uint8Array {
  const w = new SshWriter(64).byte(MSG.USERAUTH_INFO_RESPONSE).uint32(responses.length);
  for (const s of responses) w.string(s);
  return w.bytes();
}

export function decodeUserauthInfoResponse(payload: Uint8Array): string[] {
  const r = openMessage(payload, MSG.USERAUTH_INFO_RESPONSE, 'USERAUTH_INFO_RESPONSE');
  const count = checkedCount(r, 'num-responses', 4);
  const responses: string[] = [];
  for (let i = 0; i < count; i++) responses.push(r.utf8('response', AuthLimits.maxResponseBytes));
  r.end();
  return responses;
}

/** A repeat count, capped and checked against the bytes left (each entry is at least `minEntryBytes`). */
function checkedCount(r: SshReader, field: string, minEntryBytes: number): number {
  const count = r.uint32(field);
  if (count > AuthLimits.maxPrompts)
    throw new DecodeError(`${field} is ${count}, over ${AuthLimits.maxPrompts}`);
  if (count * minEntryBytes > r.remaining)
    throw new DecodeError(`${field} is ${count}, more than the message holds`);
  return count;
}
