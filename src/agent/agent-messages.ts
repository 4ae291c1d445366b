/**
 * Agent protocol messages (draft-miller-ssh-agent-04, the protocol of OpenSSH's ssh-agent; PROTOCOL.agent
 * lists OpenSSH's extensions). Requests go client → agent, responses agent → client; each codec works on one
 * unframed message (see agent-framing.ts for the uint32 length prefix).
 */
import { DecodeError } from '../errors.js';
import { type PrivateKey, readPrivateKeyBody, wipePrivateKey, writePrivateKeyBody } from '../keys/index.js';
import { SshReader } from '../wire/reader.js';
import { SshWriter } from '../wire/writer.js';

/** Message numbers, draft-miller-ssh-agent-04 §5.1. */
export const AgentMessageNumber = {
  FAILURE: 5,
  SUCCESS: 6,
  REQUEST_IDENTITIES: 11,
  IDENTITIES_ANSWER: 12,
  SIGN_REQUEST: 13,
  SIGN_RESPONSE: 14,
  ADD_IDENTITY: 17,
  REMOVE_IDENTITY: 18,
  REMOVE_ALL_IDENTITIES: 19,
  LOCK: 22,
  UNLOCK: 23,
  ADD_ID_CONSTRAINED: 25,
  EXTENSION: 27,
  EXTENSION_FAILURE: 28,
} as const;

/** SIGN_REQUEST flags, draft-miller-ssh-agent-04 §5.3: pick the RSA signature hash (RFC 8332). */
export const AgentSignFlag = { RSA_SHA2_256: 2, RSA_SHA2_512: 4 } as const;

/** Key constraint identifiers, draft-miller-ssh-agent-04 §5.2 (255 is the extension form since -03). */
export const AgentConstraint = { LIFETIME: 1, CONFIRM: 2, EXTENSION: 255 } as const;

/** OpenSSH's MAX_AGENT_IDENTITIES (authfd.c): a longer identity list is refused as malformed. */
export const AGENT_MAX_IDENTITIES = 2048;

/** Limits on fields of messages we accept (the frame cap bounds them too; these keep errors precise). */
const MAX_EXTENSION_NAME = 256;

export interface AgentKeyConstraints {
  /** Seconds until the agent forgets the key (§4.2.6.1); 0 means "already expired", as in OpenSSH. */
  lifetimeSeconds?: number;
  /** Ask the user before each use of the key (§4.2.6.2). */
  confirm?: boolean;
  /**
   * A constraint extension (§4.2.6.3): its data has no length prefix, so nothing after it can be parsed by
   * an agent that does not know the name; the decoder keeps the rest of the message here.
   */
  extension?: { name: string; data: Uint8Array };
}

export type AgentRequest =
  | { type: 'request-identities' }
  | { type: 'sign'; keyBlob: Uint8Array; data: Uint8Array; flags: number }
  | { type: 'add-identity'; key: PrivateKey; constraints: AgentKeyConstraints }
  | { type: 'remove-identity'; keyBlob: Uint8Array }
  | { type: 'remove-all-identities' }
  | { type: 'lock'; passphrase: Uint8Array }
  | { type: 'unlock'; passphrase: Uint8Array }
  | { type: 'extension'; name: string; contents: Uint8Array }
  /** A well-formed frame whose number we do not implement (smartcards, protocol 1): answered FAILURE. */
  | { type: 'unsupported'; messageNumber: number };

export interface AgentIdentityEntry {
  keyBlob: Uint8Array;
  comment: string;
}

export type AgentResponse =
  | { type: 'success' }
  | { type: 'failure' }
  | { type: 'extension-failure' }
  | { type: 'identities'; identities: AgentIdentityEntry[] }
  | { type: 'sign-response'; signature: Uint8Array }
  /** Any other number: an extension's own reply, or a broken agent. The client decides what it expects. */
  | { type: 'other'; messageNumber: number; body: Uint8Array };

const lenient = new TextDecoder('utf-8', { fatal: false });

function hasConstraints(c: AgentKeyConstraints): boolean {
  return c.lifetimeSeconds !== undefined || c.confirm === true || c.extension !== undefined;
}

/**
 *     byte SSH_AGENTC_REQUEST_IDENTITIES                         §4.4
 *     byte SSH_AGENTC_SIGN_REQUEST, string key blob, string data, uint32 flags      §4.5
 *     byte SSH_AGENTC_ADD_IDENTITY | ADD_ID_CONSTRAINED, string type, contents, string comment,
 *          constraint[] (constrained form only)                  §4.2
 *     byte SSH_AGENTC_REMOVE_IDENTITY, string key blob           §4.3
 *     byte SSH_AGENTC_REMOVE_ALL_IDENTITIES                      §4.3
 *     byte SSH_AGENTC_LOCK | UNLOCK, string passphrase           §4.6
 *     byte SSH_AGENTC_EXTENSION, string name, contents           §4.7
 */
export function encodeAgentRequest(req: AgentRequest): Uint8Array {
  const N = AgentMessageNumber;
  switch (req.type) {
    case 'request-identities':
      return Uint8Array.of(N.REQUEST_IDENTITIES);
    case 'sign':
      return new SshWriter(req.data.length + req.keyBlob.length + 16)
        .byte(N.SIGN_REQUEST)
        .string(req.keyBlob)
        .string(req.data)
        .uint32(req.flags)
        .bytes();
    case 'add-identity': {
      const constrained = hasConstraints(req.constraints);
      const w = new SshWriter(1024).byte(constrained ? N.ADD_ID_CONSTRAINED : N.ADD_IDENTITY);
      writePrivateKeyBody(w, req.key);
      if (constrained) writeConstraints(w, req.constraints);
      const out = w.bytes();
      w.peek().fill(0); // the writer's buffer held the private key; only the returned copy remains
      return out;
    }
    case 'remove-identity':
      return new SshWriter(req.keyBlob.length + 8).byte(N.REMOVE_IDENTITY).string(req.keyBlob).bytes();
    case 'remove-all-identities':
      return Uint8Array.of(N.REMOVE_ALL_IDENTITIES);
    case 'lock':
    case 'unlock':
      return new SshWriter(req.passphrase.length + 8)
        .byte(req.type === 'lock' ? N.LOCK : N.UNLOCK)
        .string(req.passphrase)
        .bytes();
    case 'extension':
      return new SshWriter(req.contents.length + 64)
        .byte(N.EXTENSION)
        .string(req.name)
        .raw(req.contents)
        .bytes();
    case 'unsupported':
      return Uint8Array.of(req.messageNumber);
  }
}

/**
 *     byte SSH_AGENT_CONSTRAIN_LIFETIME, uint32 seconds
 *     byte SSH_AGENT_CONSTRAIN_CONFIRM
 *     byte SSH_AGENT_CONSTRAIN_EXTENSION, string name, extension-specific data     §4.2.6
 */
function writeConstraints(w: SshWriter, c: AgentKeyConstraints): void {
  if (c.lifetimeSeconds !== undefined) w.byte(AgentConstraint.LIFETIME).uint32(c.lifetimeSeconds);
  if (c.confirm) w.byte(AgentConstraint.CONFIRM);
  if (c.extension) w.byte(AgentConstraint.EXTENSION).string(c.extension.name).raw(c.extension.data);
}

function readConstraints(r: SshReader): AgentKeyConstraints {
  const c: AgentKeyConstraints = {};
  while (r.remaining > 0) {
    const id = r.byte('constraint');
    if (id === AgentConstraint.LIFETIME) {
      if (c.lifetimeSeconds !== undefined)
        throw new DecodeError('agent add: lifetime constraint given twice');
      c.lifetimeSeconds = r.uint32('lifetime');
    } else if (id === AgentConstraint.CONFIRM) {
      if (c.confirm) throw new DecodeError('agent add: confirm constraint given twice');
      c.confirm = true;
    } else if (id === AgentConstraint.EXTENSION) {
      c.extension = {
        name: r.ascii('constraint extension name', MAX_EXTENSION_NAME),
        data: r.rest().slice(),
      };
    } else {
      throw new DecodeError(`agent add: unknown constraint ${id}`);
    }
  }
  return c;
}

/**
 * Decodes a request (the agent side). Numbers we do not implement come back as `unsupported` so the agent
 * can answer FAILURE and keep the connection, as draft-miller-ssh-agent-04 §4.1 asks.
 * @throws DecodeError on a truncated, trailing or inconsistent message of a number we implement
 */
export function decodeAgentRequest(message: Uint8Array): AgentRequest {
  const r = new SshReader(message, 'agent request');
  const n = r.byte('message number');
  const N = AgentMessageNumber;
  let req: AgentRequest;
  switch (n) {
    case N.REQUEST_IDENTITIES:
      req = { type: 'request-identities' };
      break;
    case N.SIGN_REQUEST: {
      const keyBlob = r.string('key blob').slice();
      const data = r.string('data').slice();
      req = { type: 'sign', keyBlob, data, flags: r.uint32('flags') };
      break;
    }
    case N.ADD_IDENTITY:
    case N.ADD_ID_CONSTRAINED: {
      const key = readPrivateKeyBody(r);
      try {
        const constraints = n === N.ADD_ID_CONSTRAINED ? readConstraints(r) : {};
        r.end();
        return { type: 'add-identity', key, constraints };
      } catch (e) {
        wipePrivateKey(key); // refused after the key was decoded: do not leave its copy behind
        throw e;
      }
    }
    case N.REMOVE_IDENTITY:
      req = { type: 'remove-identity', keyBlob: r.string('key blob').slice() };
      break;
    case N.REMOVE_ALL_IDENTITIES:
      req = { type: 'remove-all-identities' };
      break;
    case N.LOCK:
    case N.UNLOCK:
      req = { type: n === N.LOCK ? 'lock' : 'unlock', passphrase: r.string('passphrase').slice() };
      break;
    case N.EXTENSION:
      req = {
        type: 'extension',
        name: r.ascii('extension name', MAX_EXTENSION_NAME),
        contents: r.rest().slice(),
      };
      break;
    default:
      return { type: 'unsupported', messageNumber: n };
  }
  r.end();
  return req;
}

/**
 *     byte SSH_AGENT_SUCCESS | SSH_AGENT_FAILURE | SSH_AGENT_EXTENSION_FAILURE      §4.1, §4.7
 *     byte SSH_AGENT_IDENTITIES_ANSWER, uint32 nkeys, nkeys × (string key blob, string comment)   §4.4
 *     byte SSH_AGENT_SIGN_RESPONSE, string signature             §4.5
 */
export function encodeAgentResponse(res: AgentResponse): Uint8Array {
  const N = AgentMessageNumber;
  switch (res.type) {
    case 'success':
      return Uint8Array.of(N.SUCCESS);
    case 'failure':
      return Uint8Array.of(N.FAILURE);
    case 'extension-failure':
      return Uint8Array.of(N.EXTENSION_FAILURE);
    case 'identities': {
      const w = new SshWriter(256).byte(N.IDENTITIES_ANSWER).uint32(res.identities.length);
      for (const id of res.identities) w.string(id.keyBlob).string(id.comment);
      return w.bytes();
    }
    case 'sign-response':
      return new SshWriter(res.signature.length + 8).byte(N.SIGN_RESPONSE).string(res.signature).bytes();
    case 'other':
      return new SshWriter(res.body.length + 1).byte(res.messageNumber).raw(res.body).bytes();
  }
}

/**
 * Decodes a response (the client side). The identity count is checked against OpenSSH's cap and against
 * the bytes actually present (each entry takes at least 8) before any array is sized from it.
 * @throws DecodeError on a truncated, trailing or oversized message
 */
export function decodeAgentResponse(message: Uint8Array): AgentResponse {
  const r = new SshReader(message, 'agent response');
  const n = r.byte('message number');
  const N = AgentMessageNumber;
  let res: AgentResponse;
  switch (n) {
    case N.SUCCESS:
      res = { type: 'success' };
      break;
    case N.FAILURE:
      res = { type: 'failure' };
      break;
    case N.EXTENSION_FAILURE:
      res = { type: 'extension-failure' };
      break;
    case N.IDENTITIES_ANSWER: {
      const count = r.uint32('nkeys');
      if (count > AGENT_MAX_IDENTITIES)
        throw new DecodeError(
          `agent response: ${count} identities, over the limit of ${AGENT_MAX_IDENTITIES}`,
        );
      if (count * 8 > r.remaining)
        throw new DecodeError(`agent response: ${count} identities cannot fit in ${r.remaining} bytes`);
      const identities: AgentIdentityEntry[] = [];
      for (let i = 0; i < count; i++) {
        const keyBlob = r.string('key blob').slice();
        // Comments are for display only; a stray byte must not hide the key, so decode leniently.
        const comment = lenient.decode(r.string('comment'));
        identities.push({ keyBlob, comment });
      }
      res = { type: 'identities', identities };
      break;
    }
    case N.SIGN_RESPONSE:
      res = { type: 'sign-response', signature: r.string('signature').slice() };
      break;
    default:
      return { type: 'other', messageNumber: n, body: r.rest().slice() };
  }
  r.end();
  return res;
}
