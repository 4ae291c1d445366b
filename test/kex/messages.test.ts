/** Codecs for messages 30..34: layout against hand-built bytes, round trips, and every malformed shape. */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { DecodeError } from '../../src/errors.js';
import {
  decodeDhInit,
  decodeDhReply,
  decodeEcdhInit,
  decodeEcdhReply,
  decodeGexGroup,
  decodeGexRequest,
  decodeGexRequestOld,
  encodeDhInit,
  encodeDhReply,
  encodeEcdhInit,
  encodeEcdhReply,
  encodeGexGroup,
  encodeGexRequest,
  encodeGexRequestOld,
  KexMessage,
} from '../../src/kex/messages.js';

describe('wire layout (hand-assembled from RFC 4253 §8, RFC 4419 §5, RFC 5656 §4)', () => {
  it.each([
    [
      'KEX_DH_GEX_REQUEST 2048/3072/8192',
      encodeGexRequest({ min: 2048, n: 3072, max: 8192 }),
      '22 00000800 00000c00 00002000',
    ],
    ['KEX_DH_GEX_REQUEST_OLD 4096', encodeGexRequestOld(4096), '1e 00001000'],
    // mpint 0x80 needs a leading zero byte (RFC 4251 §5).
    ['KEXDH_INIT e=0x80', encodeDhInit(0x80n), '1e 00000002 0080'],
    ['KEX_DH_GEX_INIT e=0x0102', encodeDhInit(0x0102n, KexMessage.KEX_DH_GEX_INIT), '20 00000002 0102'],
    ['KEX_DH_GEX_GROUP p=0xff g=2', encodeGexGroup({ p: 0xffn, g: 2n }), '1f 00000002 00ff 00000001 02'],
    [
      'KEXDH_REPLY',
      encodeDhReply({ hostKey: fromHex('aabb'), f: 5n, signature: fromHex('cc') }),
      '1f 00000002 aabb 00000001 05 00000001 cc',
    ],
    [
      'KEX_DH_GEX_REPLY',
      encodeDhReply(
        { hostKey: fromHex('aa'), f: 0x7fn, signature: fromHex('') },
        KexMessage.KEX_DH_GEX_REPLY,
      ),
      '21 00000001 aa 00000001 7f 00000000',
    ],
    ['KEX_ECDH_INIT', encodeEcdhInit(fromHex('0102')), '1e 00000002 0102'],
    [
      'KEX_ECDH_REPLY',
      encodeEcdhReply({ hostKey: fromHex('aa'), publicValue: fromHex('bbbb'), signature: fromHex('cc') }),
      '1f 00000001 aa 00000002 bbbb 00000001 cc',
    ],
  ])('%s', (_name, bytes, hex) => {
    expect(toHex(bytes)).toBe(hex.replace(/ /g, ''));
  });
});

const samples: { name: string; bytes: Uint8Array; decode: (b: Uint8Array) => unknown }[] = [
  { name: 'KEXDH_INIT', bytes: encodeDhInit(2n ** 2047n + 12345n), decode: (b) => decodeDhInit(b) },
  {
    name: 'KEX_DH_GEX_INIT',
    bytes: encodeDhInit(2n ** 3000n + 1n, KexMessage.KEX_DH_GEX_INIT),
    decode: (b) => decodeDhInit(b, KexMessage.KEX_DH_GEX_INIT),
  },
  {
    name: 'KEXDH_REPLY',
    bytes: encodeDhReply({
      hostKey: new Uint8Array(51).fill(7),
      f: 2n ** 2040n + 99n,
      signature: new Uint8Array(83).fill(9),
    }),
    decode: (b) => decodeDhReply(b),
  },
  {
    name: 'KEX_DH_GEX_REPLY',
    bytes: encodeDhReply(
      { hostKey: fromHex('01'), f: 3n, signature: fromHex('02') },
      KexMessage.KEX_DH_GEX_REPLY,
    ),
    decode: (b) => decodeDhReply(b, KexMessage.KEX_DH_GEX_REPLY),
  },
  { name: 'KEX_ECDH_INIT', bytes: encodeEcdhInit(new Uint8Array(1216).fill(3)), decode: decodeEcdhInit },
  {
    name: 'KEX_ECDH_REPLY',
    bytes: encodeEcdhReply({
      hostKey: new Uint8Array(51),
      publicValue: new Uint8Array(1120),
      signature: new Uint8Array(83),
    }),
    decode: decodeEcdhReply,
  },
  {
    name: 'KEX_DH_GEX_REQUEST',
    bytes: encodeGexRequest({ min: 2048, n: 4096, max: 8192 }),
    decode: decodeGexRequest,
  },
  { name: 'KEX_DH_GEX_REQUEST_OLD', bytes: encodeGexRequestOld(2048), decode: decodeGexRequestOld },
  { name: 'KEX_DH_GEX_GROUP', bytes: encodeGexGroup({ p: 2n ** 2048n - 1n, g: 2n }), decode: decodeGexGroup },
];

describe.each(samples)('$name', ({ bytes, decode }) => {
  it('decodes what it encodes', () => {
    expect(() => decode(bytes)).not.toThrow();
  });

  it('every truncation is a DecodeError', () => {
    for (let n = 0; n < bytes.length; n++)
      expect(() => decode(bytes.subarray(0, n)), `length ${n}`).toThrow(DecodeError);
  });

  it('a trailing byte is a DecodeError', () => {
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decode(longer)).toThrow(DecodeError);
  });

  it('another message number is a DecodeError', () => {
    const other = bytes.slice();
    other[0] = 29;
    expect(() => decode(other)).toThrow(DecodeError);
  });
});

describe('field checks', () => {
  it('round-trips values', () => {
    expect(decodeGexRequest(encodeGexRequest({ min: 1, n: 2, max: 0xffffffff }))).toEqual({
      min: 1,
      n: 2,
      max: 0xffffffff,
    });
    const r = decodeDhReply(
      encodeDhReply({ hostKey: fromHex('0a0b'), f: 0xabcdefn, signature: fromHex('0c') }),
    );
    expect(r.f).toBe(0xabcdefn);
    expect(toHex(r.hostKey)).toBe('0a0b');
    expect(decodeGexGroup(encodeGexGroup({ p: 23n, g: 5n }))).toEqual({ p: 23n, g: 5n });
  });

  it('refuses a negative or non-minimal mpint e', () => {
    expect(() => decodeDhInit(fromHex('1e 00000001 80'.replace(/ /g, '')))).toThrow(DecodeError);
    expect(() => decodeDhInit(fromHex('1e 00000002 0001'.replace(/ /g, '')))).toThrow(DecodeError);
  });

  it('refuses a DH value over 8192 bits before any arithmetic', () => {
    expect(() => decodeDhInit(encodeDhInit(2n ** 8200n))).toThrow(DecodeError);
  });

  it('refuses a public value over the size cap', () => {
    expect(() => decodeEcdhInit(encodeEcdhInit(new Uint8Array(4097)))).toThrow(DecodeError);
  });

  it('refuses a string length larger than the message', () => {
    expect(() => decodeEcdhInit(fromHex('1e ffffffff 00'.replace(/ /g, '')))).toThrow(DecodeError);
  });
});
