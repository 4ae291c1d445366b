/** Connection-protocol messages needed by every connection: global requests and channel-open refusal (RFC 4254). */
import { DecodeError } from '../errors.js';
import { SshReader } from './reader.js';
import { SshWriter } from './writer.js';

const GLOBAL_REQUEST = 80;
const REQUEST_SUCCESS = 81;
const REQUEST_FAILURE = 82;
const CHANNEL_OPEN = 90;
const CHANNEL_OPEN_FAILURE = 92;

/** RFC 4254 §5.1 reason codes for SSH_MSG_CHANNEL_OPEN_FAILURE. */
export const ChannelOpenFailure = {
  ADMINISTRATIVELY_PROHIBITED: 1,
  CONNECT_FAILED: 2,
  UNKNOWN_CHANNEL_TYPE: 3,
  RESOURCE_SHORTAGE: 4,
} as const;

/**
 * RFC 4254 §4:
 *   byte      SSH_MSG_GLOBAL_REQUEST
 *   string    request name (US-ASCII)
 *   boolean   want reply
 *   ....      request-specific data
 */
export interface GlobalRequest {
  name: string;
  wantReply: boolean;
  data: Uint8Array;
}

export function encodeGlobalRequest(r: GlobalRequest): Uint8Array {
  return new SshWriter().byte(GLOBAL_REQUEST).string(r.name).boolean(r.wantReply).raw(r.data).bytes();
}

export function decodeGlobalRequest(p: Uint8Array): GlobalRequest {
  const r = new SshReader(p, 'GLOBAL_REQUEST');
  r.byte();
  return { name: r.ascii('request name', 256), wantReply: r.boolean('want reply'), data: r.rest() };
}

/** RFC 4254 §4: SSH_MSG_REQUEST_SUCCESS may carry response-specific data (e.g. the bound port). */
export function encodeRequestSuccess(data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new SshWriter().byte(REQUEST_SUCCESS).raw(data).bytes();
}

export function encodeRequestFailure(): Uint8Array {
  return Uint8Array.of(REQUEST_FAILURE);
}

/**
 * RFC 4254 §5.1:
 *   byte      SSH_MSG_CHANNEL_OPEN
 *   string    channel type (US-ASCII)
 *   uint32    sender channel
 *   uint32    initial window size
 *   uint32    maximum packet size
 *   ....      channel type specific data
 */
export interface ChannelOpenHeader {
  channelType: string;
  senderChannel: number;
  initialWindow: number;
  maxPacket: number;
  data: Uint8Array;
}

export function decodeChannelOpen(p: Uint8Array): ChannelOpenHeader {
  const r = new SshReader(p, 'CHANNEL_OPEN');
  if (r.byte() !== CHANNEL_OPEN) throw new DecodeError('CHANNEL_OPEN: wrong message number');
  return {
    channelType: r.ascii('channel type', 256),
    senderChannel: r.uint32('sender channel'),
    initialWindow: r.uint32('initial window size'),
    maxPacket: r.uint32('maximum packet size'),
    data: r.rest(),
  };
}

/**
 * RFC 4254 §5.1:
 *   byte      SSH_MSG_CHANNEL_OPEN_FAILURE
 *   uint32    recipient channel
 *   uint32    reason code
 *   string    description (ISO-10646 UTF-8)
 *   string    language tag
 */
export function encodeChannelOpenFailure(recipient: number, reason: number, description: string): Uint8Array {
  return new SshWriter()
    .byte(CHANNEL_OPEN_FAILURE)
    .uint32(recipient)
    .uint32(reason)
    .string(description)
    .string('')
    .bytes();
}
