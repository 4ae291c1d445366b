import { describe, expect, it } from 'vitest';
import * as cm from '../../src/channel/channel-messages.js';
import { fromHex, utf8 } from '../../src/crypto/bytes.js';
import { DecodeError, UsageError } from '../../src/errors.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { expectOnlyTypedErrors, expectRoundTrip, expectStrictDecoding } from '../wire/codec-checks.js';

// Layouts: RFC 4254 §5.1-5.4. Hand-built vectors below follow those layouts byte by byte.

describe('CHANNEL_OPEN / OPEN_CONFIRMATION / OPEN_FAILURE (RFC 4254 §5.1)', () => {
  it('encodes OPEN exactly as §5.1 lays it out', () => {
    // byte 90, string "session", uint32 sender 7, uint32 window 0x200000, uint32 max packet 0x8000
    const hand = fromHex('5a 00000007 73657373696f6e 00000007 00200000 00008000');
    const open = { channelType: 'session', senderChannel: 7, initialWindow: 0x200000, maxPacket: 0x8000 };
    expect(cm.encodeChannelOpen({ ...open, data: new Uint8Array(0) })).toEqual(hand);
    expect(cm.decodeChannelOpen(hand)).toEqual({ ...open, data: new Uint8Array(0) });
  });

  it('round trips OPEN with type data; truncations of the header are DecodeErrors', () => {
    const open = {
      channelType: 'direct-tcpip',
      senderChannel: 3,
      initialWindow: 1,
      maxPacket: 2,
      data: Uint8Array.of(1, 2, 3),
    };
    const bytes = expectRoundTrip(open, cm.encodeChannelOpen, cm.decodeChannelOpen);
    const headerEnd = bytes.length - 3; // the type data is a free-form tail
    for (let n = 0; n < headerEnd; n++)
      expect(() => cm.decodeChannelOpen(bytes.slice(0, n))).toThrow(DecodeError);
    const wrong = bytes.slice();
    wrong[0] = 91;
    expect(() => cm.decodeChannelOpen(wrong)).toThrow(DecodeError);
    expectOnlyTypedErrors(MSG.CHANNEL_OPEN, cm.decodeChannelOpen);
  });

  it('round trips OPEN_CONFIRMATION; header truncations refused', () => {
    const c = {
      recipientChannel: 1,
      senderChannel: 2,
      initialWindow: 3,
      maxPacket: 4,
      data: Uint8Array.of(9),
    };
    const bytes = expectRoundTrip(c, cm.encodeChannelOpenConfirmation, cm.decodeChannelOpenConfirmation);
    expect(bytes).toEqual(fromHex('5b 00000001 00000002 00000003 00000004 09'));
    for (let n = 0; n < bytes.length - 1; n++) {
      expect(() => cm.decodeChannelOpenConfirmation(bytes.slice(0, n))).toThrow(DecodeError);
    }
    expectOnlyTypedErrors(MSG.CHANNEL_OPEN_CONFIRMATION, cm.decodeChannelOpenConfirmation);
  });

  it('decodes OPEN_FAILURE strictly, with a lenient description', () => {
    const bytes = cm.encodeChannelOpenFailure(5, cm.ChannelOpenFailure.CONNECT_FAILED, 'refusé');
    expect(cm.decodeChannelOpenFailure(bytes)).toEqual({
      recipientChannel: 5,
      reason: 2,
      description: 'refusé',
      language: '',
    });
    expectStrictDecoding(bytes, cm.decodeChannelOpenFailure);
    // Invalid UTF-8 in the description is shown, not refused (it is only for a person to read).
    const bad = fromHex('5c 00000001 00000001 00000001 ff 00000002 656e');
    expect(cm.decodeChannelOpenFailure(bad)).toMatchObject({ description: '\ufffd', language: 'en' });
    expectOnlyTypedErrors(MSG.CHANNEL_OPEN_FAILURE, cm.decodeChannelOpenFailure);
  });

  it('refuses out-of-range numbers when encoding', () => {
    const open = {
      channelType: 'session',
      senderChannel: 0,
      initialWindow: -1,
      maxPacket: 1,
      data: new Uint8Array(0),
    };
    expect(() => cm.encodeChannelOpen(open)).toThrow(UsageError);
    expect(() => cm.encodeChannelOpen({ ...open, initialWindow: 2 ** 32 })).toThrow(UsageError);
  });
});

describe('WINDOW_ADJUST, DATA, EXTENDED_DATA (RFC 4254 §5.2)', () => {
  it('WINDOW_ADJUST matches the layout and decodes strictly', () => {
    const bytes = cm.encodeChannelWindowAdjust(1, 0xffffffff);
    expect(bytes).toEqual(fromHex('5d 00000001 ffffffff'));
    expect(cm.decodeChannelWindowAdjust(bytes)).toEqual({ recipientChannel: 1, bytesToAdd: 0xffffffff });
    expectStrictDecoding(bytes, cm.decodeChannelWindowAdjust);
    expectOnlyTypedErrors(MSG.CHANNEL_WINDOW_ADJUST, cm.decodeChannelWindowAdjust);
  });

  it('DATA matches the layout, decodes strictly, and returns a view (no copy)', () => {
    const bytes = cm.encodeChannelData(2, utf8('hi'));
    expect(bytes).toEqual(fromHex('5e 00000002 00000002 6869'));
    const d = cm.decodeChannelData(bytes);
    expect(d).toEqual({ recipientChannel: 2, data: utf8('hi') });
    expect(d.data.buffer).toBe(bytes.buffer);
    expect(d.data.byteOffset).toBe(9);
    expectStrictDecoding(bytes, cm.decodeChannelData);
    expectOnlyTypedErrors(MSG.CHANNEL_DATA, cm.decodeChannelData);
  });

  it('EXTENDED_DATA matches the layout, decodes strictly, and returns a view', () => {
    const bytes = cm.encodeChannelExtendedData(2, 1, utf8('err'));
    expect(bytes).toEqual(fromHex('5f 00000002 00000001 00000003 657272'));
    const d = cm.decodeChannelExtendedData(bytes);
    expect(d).toEqual({ recipientChannel: 2, dataType: 1, data: utf8('err') });
    expect(d.data.buffer).toBe(bytes.buffer);
    expectStrictDecoding(bytes, cm.decodeChannelExtendedData);
    expectOnlyTypedErrors(MSG.CHANNEL_EXTENDED_DATA, cm.decodeChannelExtendedData);
  });

  it('a DATA length beyond the payload is a DecodeError, not a short read', () => {
    expect(() => cm.decodeChannelData(fromHex('5e 00000000 00000005 6869'))).toThrow(DecodeError);
  });
});

describe('EOF, CLOSE, SUCCESS, FAILURE (§5.3, §5.4) and REQUEST (§5.4)', () => {
  const bare = [
    [MSG.CHANNEL_EOF, cm.encodeChannelEof],
    [MSG.CHANNEL_CLOSE, cm.encodeChannelClose],
    [MSG.CHANNEL_SUCCESS, cm.encodeChannelSuccess],
    [MSG.CHANNEL_FAILURE, cm.encodeChannelFailure],
  ] as const;

  it.each(bare)('message %i carries only the recipient channel', (type, encode) => {
    const bytes = encode(0x01020304);
    expect(bytes).toEqual(Uint8Array.of(type, 1, 2, 3, 4));
    const decode = (p: Uint8Array) => cm.decodeBareChannelMessage(p, type);
    expect(decode(bytes)).toBe(0x01020304);
    expectStrictDecoding(bytes, decode);
  });

  it('REQUEST matches the layout and round trips', () => {
    const req = { recipientChannel: 0, requestType: 'exec', wantReply: true, data: fromHex('00000002 6c73') };
    const bytes = expectRoundTrip(req, cm.encodeChannelRequestMessage, cm.decodeChannelRequestMessage);
    expect(bytes).toEqual(fromHex('62 00000000 00000004 65786563 01 00000002 6c73'));
    for (let n = 0; n < 14; n++)
      expect(() => cm.decodeChannelRequestMessage(bytes.slice(0, n))).toThrow(DecodeError);
    expectOnlyTypedErrors(MSG.CHANNEL_REQUEST, cm.decodeChannelRequestMessage);
  });

  it('REQUEST types must be US-ASCII (RFC 4254 §5.4)', () => {
    const bytes = fromHex('62 00000000 00000002 c3a9 00');
    expect(() => cm.decodeChannelRequestMessage(bytes)).toThrow(DecodeError);
  });

  it('decodeRecipient reads the channel of any message 91-100 and refuses short ones', () => {
    expect(cm.decodeRecipient(cm.encodeChannelEof(9))).toBe(9);
    expect(cm.decodeRecipient(cm.encodeChannelData(7, utf8('x')))).toBe(7);
    expect(() => cm.decodeRecipient(Uint8Array.of(96, 0, 0))).toThrow(DecodeError);
  });
});
