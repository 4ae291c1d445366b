/**
 * Codecs for the channel messages of the connection protocol (RFC 4254 §5, message numbers 90-100).
 * Decoders take the whole payload, message number included, consume it exactly, and return views into it
 * (never copies): DATA on the hot path costs no allocation beyond the result object. CHANNEL_OPEN and the
 * OPEN_FAILURE encoder live in src/wire/connection-messages.ts (the core needed them first); they are
 * reused and re-exported here so the channel layer has one import.
 */
import {
  type ChannelOpenHeader,
  decodeChannelOpen as decodeChannelOpenBody,
} from '../wire/connection-messages.js';
import { MSG, openMessage, readDisplayText } from '../wire/message-numbers.js';
import { SshReader } from '../wire/reader.js';
import { assertUint32, CheckedWriter } from './checked-writer.js';

export { ChannelOpenFailure, encodeChannelOpenFailure } from '../wire/connection-messages.js';
export type ChannelOpen = ChannelOpenHeader;

/** Channel types, request types and language tags: generous, but bounded before the name is built. */
const MAX_TYPE_NAME = 256;

// RFC 4254 §5.1
//   byte      SSH_MSG_CHANNEL_OPEN (90)
//   string    channel type in US-ASCII only
//   uint32    sender channel
//   uint32    initial window size
//   uint32    maximum packet size
//   ....      channel type specific data follows
export function encodeChannelOpen(m: ChannelOpen): Uint8Array {
  return new CheckedWriter(64 + m.data.length)
    .byte(MSG.CHANNEL_OPEN)
    .string(m.channelType)
    .uint32(m.senderChannel)
    .uint32(m.initialWindow)
    .uint32(m.maxPacket)
    .raw(m.data)
    .bytes();
}

export function decodeChannelOpen(payload: Uint8Array): ChannelOpen {
  openMessage(payload, MSG.CHANNEL_OPEN, 'CHANNEL_OPEN'); // checks the number; the body decoder skips it
  return decodeChannelOpenBody(payload);
}

/**
 * The recipient channel of any message 91-100 (the uint32 right after the message number), read before the
 * rest so the multiplexer can find the channel first.
 */
export function decodeRecipient(payload: Uint8Array): number {
  const r = new SshReader(payload, `channel message ${payload[0]}`);
  r.byte('message number');
  return r.uint32('recipient channel');
}

export interface ChannelOpenConfirmation {
  recipientChannel: number;
  senderChannel: number;
  initialWindow: number;
  maxPacket: number;
  data: Uint8Array;
}

// RFC 4254 §5.1
//   byte      SSH_MSG_CHANNEL_OPEN_CONFIRMATION (91)
//   uint32    recipient channel
//   uint32    sender channel
//   uint32    initial window size
//   uint32    maximum packet size
//   ....      channel type specific data follows
export function encodeChannelOpenConfirmation(m: ChannelOpenConfirmation): Uint8Array {
  return new CheckedWriter(32 + m.data.length)
    .byte(MSG.CHANNEL_OPEN_CONFIRMATION)
    .uint32(m.recipientChannel)
    .uint32(m.senderChannel)
    .uint32(m.initialWindow)
    .uint32(m.maxPacket)
    .raw(m.data)
    .bytes();
}

export function decodeChannelOpenConfirmation(payload: Uint8Array): ChannelOpenConfirmation {
  const r = openMessage(payload, MSG.CHANNEL_OPEN_CONFIRMATION, 'CHANNEL_OPEN_CONFIRMATION');
  return {
    recipientChannel: r.uint32('recipient channel'),
    senderChannel: r.uint32('sender channel'),
    initialWindow: r.uint32('initial window size'),
    maxPacket: r.uint32('maximum packet size'),
    data: r.rest(),
  };
}

export interface ChannelOpenFailureMessage {
  recipientChannel: number;
  reason: number;
  description: string;
  language: string;
}

// RFC 4254 §5.1 (encoder: encodeChannelOpenFailure in src/wire/connection-messages.ts)
//   byte      SSH_MSG_CHANNEL_OPEN_FAILURE (92)
//   uint32    recipient channel
//   uint32    reason code
//   string    description in ISO-10646 UTF-8 encoding
//   string    language tag
/** The description is only shown to a person, so malformed UTF-8 is replaced rather than refused. */
export function decodeChannelOpenFailure(payload: Uint8Array): ChannelOpenFailureMessage {
  const r = openMessage(payload, MSG.CHANNEL_OPEN_FAILURE, 'CHANNEL_OPEN_FAILURE');
  const m = {
    recipientChannel: r.uint32('recipient channel'),
    reason: r.uint32('reason code'),
    description: readDisplayText(r, 'description'),
    language: r.ascii('language tag', MAX_TYPE_NAME),
  };
  r.end();
  return m;
}

// RFC 4254 §5.2
//   byte      SSH_MSG_CHANNEL_WINDOW_ADJUST (93)
//   uint32    recipient channel
//   uint32    bytes to add
export function encodeChannelWindowAdjust(recipientChannel: number, bytesToAdd: number): Uint8Array {
  return new CheckedWriter(9)
    .byte(MSG.CHANNEL_WINDOW_ADJUST)
    .uint32(recipientChannel)
    .uint32(bytesToAdd)
    .bytes();
}

export function decodeChannelWindowAdjust(payload: Uint8Array): {
  recipientChannel: number;
  bytesToAdd: number;
} {
  const r = openMessage(payload, MSG.CHANNEL_WINDOW_ADJUST, 'CHANNEL_WINDOW_ADJUST');
  const m = { recipientChannel: r.uint32('recipient channel'), bytesToAdd: r.uint32('bytes to add') };
  r.end();
  return m;
}

/**
 * The fixed header of DATA / EXTENDED_DATA for `length` bytes of data, with `room` bytes free after it (the
 * data itself, when the caller joins the two in one allocation).
 */
function dataHeader(
  header: number,
  recipient: number,
  dataType: number | undefined,
  length: number,
  room: number,
): Uint8Array {
  const head = dataType === undefined ? 9 : 13;
  const out = new Uint8Array(head + room);
  const v = new DataView(out.buffer);
  out[0] = header;
  v.setUint32(1, recipient >>> 0);
  if (dataType !== undefined) v.setUint32(5, dataType >>> 0);
  v.setUint32(head - 4, length);
  return out;
}

// RFC 4254 §5.2
//   byte      SSH_MSG_CHANNEL_DATA (94)
//   uint32    recipient channel
//   string    data
export function encodeChannelData(recipientChannel: number, data: Uint8Array): Uint8Array {
  const out = dataHeader(MSG.CHANNEL_DATA, recipientChannel, undefined, data.length, data.length);
  out.set(data, 9);
  return out;
}

/**
 * Everything of a DATA payload but the data (9 bytes): the hot path sends it with the data as a separate
 * tail, so the data is copied once, straight into the packet.
 */
export function encodeChannelDataHeader(recipientChannel: number, dataLength: number): Uint8Array {
  return dataHeader(MSG.CHANNEL_DATA, recipientChannel, undefined, dataLength, 0);
}

/** `data` is a view into `payload`: no copy. */
export function decodeChannelData(payload: Uint8Array): { recipientChannel: number; data: Uint8Array } {
  const r = openMessage(payload, MSG.CHANNEL_DATA, 'CHANNEL_DATA');
  const m = { recipientChannel: r.uint32('recipient channel'), data: r.string('data') };
  r.end();
  return m;
}

// RFC 4254 §5.2
//   byte      SSH_MSG_CHANNEL_EXTENDED_DATA (95)
//   uint32    recipient channel
//   uint32    data_type_code (1 = SSH_EXTENDED_DATA_STDERR)
//   string    data
export function encodeChannelExtendedData(recipientChannel: number, dataType: number, data: Uint8Array) {
  const out = encodeExtendedHeader(recipientChannel, dataType, data.length, data.length);
  out.set(data, 13);
  return out;
}

/** Everything of an EXTENDED_DATA payload but the data (13 bytes), like encodeChannelDataHeader. */
export function encodeChannelExtendedDataHeader(
  recipientChannel: number,
  dataType: number,
  dataLength: number,
): Uint8Array {
  return encodeExtendedHeader(recipientChannel, dataType, dataLength, 0);
}

function encodeExtendedHeader(recipient: number, dataType: number, length: number, room: number) {
  assertUint32(dataType, 'data type code');
  return dataHeader(MSG.CHANNEL_EXTENDED_DATA, recipient, dataType, length, room);
}

/** `data` is a view into `payload`: no copy. */
export function decodeChannelExtendedData(payload: Uint8Array): {
  recipientChannel: number;
  dataType: number;
  data: Uint8Array;
} {
  const r = openMessage(payload, MSG.CHANNEL_EXTENDED_DATA, 'CHANNEL_EXTENDED_DATA');
  const m = {
    recipientChannel: r.uint32('recipient channel'),
    dataType: r.uint32('data type code'),
    data: r.string('data'),
  };
  r.end();
  return m;
}

/** The four messages that carry only a recipient channel. */
export type BareChannelMessage =
  | typeof MSG.CHANNEL_EOF
  | typeof MSG.CHANNEL_CLOSE
  | typeof MSG.CHANNEL_SUCCESS
  | typeof MSG.CHANNEL_FAILURE;

const BARE_NAMES: Record<BareChannelMessage, string> = {
  [MSG.CHANNEL_EOF]: 'CHANNEL_EOF',
  [MSG.CHANNEL_CLOSE]: 'CHANNEL_CLOSE',
  [MSG.CHANNEL_SUCCESS]: 'CHANNEL_SUCCESS',
  [MSG.CHANNEL_FAILURE]: 'CHANNEL_FAILURE',
};

// RFC 4254 §5.3 (EOF 96, CLOSE 97) and §5.4 (SUCCESS 99, FAILURE 100)
//   byte      SSH_MSG_CHANNEL_EOF | _CLOSE | _SUCCESS | _FAILURE
//   uint32    recipient channel
export function encodeBareChannelMessage(type: BareChannelMessage, recipientChannel: number): Uint8Array {
  return new CheckedWriter(5).byte(type).uint32(recipientChannel).bytes();
}

export function decodeBareChannelMessage(payload: Uint8Array, type: BareChannelMessage): number {
  const r = openMessage(payload, type, BARE_NAMES[type]);
  const recipient = r.uint32('recipient channel');
  r.end();
  return recipient;
}

export const encodeChannelEof = (recipient: number) => encodeBareChannelMessage(MSG.CHANNEL_EOF, recipient);
export const encodeChannelClose = (recipient: number) =>
  encodeBareChannelMessage(MSG.CHANNEL_CLOSE, recipient);
export const encodeChannelSuccess = (recipient: number) =>
  encodeBareChannelMessage(MSG.CHANNEL_SUCCESS, recipient);
export const encodeChannelFailure = (recipient: number) =>
  encodeBareChannelMessage(MSG.CHANNEL_FAILURE, recipient);

export interface ChannelRequestMessage {
  recipientChannel: number;
  requestType: string;
  wantReply: boolean;
  /** Type-specific data, decoded by src/channel/channel-requests.ts. */
  data: Uint8Array;
}

// RFC 4254 §5.4
//   byte      SSH_MSG_CHANNEL_REQUEST (98)
//   uint32    recipient channel
//   string    request type in US-ASCII characters only
//   boolean   want reply
//   ....      type-specific data follows
export function encodeChannelRequestMessage(m: ChannelRequestMessage): Uint8Array {
  return new CheckedWriter(32 + m.requestType.length + m.data.length)
    .byte(MSG.CHANNEL_REQUEST)
    .uint32(m.recipientChannel)
    .string(m.requestType)
    .boolean(m.wantReply)
    .raw(m.data)
    .bytes();
}

export function decodeChannelRequestMessage(payload: Uint8Array): ChannelRequestMessage {
  const r = openMessage(payload, MSG.CHANNEL_REQUEST, 'CHANNEL_REQUEST');
  return {
    recipientChannel: r.uint32('recipient channel'),
    requestType: r.ascii('request type', MAX_TYPE_NAME),
    wantReply: r.boolean('want reply'),
    data: r.rest(),
  };
}
