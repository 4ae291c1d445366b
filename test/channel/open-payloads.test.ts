import { describe, expect, it } from 'vitest';
import {
  decodeGlobalRequestPayload,
  decodeHostkeysProveReply,
  decodeTcpipForwardReply,
  encodeGlobalRequestPayload,
  encodeHostkeysProveReply,
  encodeTcpipForwardReply,
  type GlobalRequestPayload,
  globalRequestName,
} from '../../src/channel/global-request-payloads.js';
import {
  type ChannelOpenPayload,
  channelOpenType,
  decodeChannelOpenPayload,
  encodeChannelOpenPayload,
} from '../../src/channel/open-payloads.js';
import { fromHex } from '../../src/crypto/bytes.js';
import { DecodeError } from '../../src/errors.js';

const opens: ChannelOpenPayload[] = [
  { type: 'session' }, // RFC 4254 §6.1
  { type: 'auth-agent@openssh.com' }, // PROTOCOL.agent
  { type: 'x11', originatorAddress: '192.0.2.1', originatorPort: 6010 }, // §6.3.2
  {
    type: 'direct-tcpip',
    host: 'db.example',
    port: 5432,
    originatorAddress: '127.0.0.1',
    originatorPort: 50000,
  }, // §7.2
  {
    type: 'forwarded-tcpip',
    host: '0.0.0.0',
    port: 8080,
    originatorAddress: '198.51.100.7',
    originatorPort: 1,
  }, // §7.2
  { type: 'direct-streamlocal@openssh.com', socketPath: '/run/app.sock' }, // PROTOCOL §2.4
  { type: 'forwarded-streamlocal@openssh.com', socketPath: '/tmp/fwd.sock' }, // PROTOCOL §2.4
];

describe('channel open data (RFC 4254 §6.1, §6.3.2, §7.2; OpenSSH PROTOCOL §2.4)', () => {
  it.each(opens.map((p) => [p.type, p] as const))(
    '%s round trips; truncations and extensions refused',
    (type, p) => {
      const data = encodeChannelOpenPayload(p);
      expect(decodeChannelOpenPayload(type, data)).toEqual(p);
      expect(channelOpenType(p)).toBe(type);
      for (let n = 0; n < data.length; n++)
        expect(() => decodeChannelOpenPayload(type, data.slice(0, n))).toThrow(DecodeError);
      expect(() => decodeChannelOpenPayload(type, Uint8Array.of(...data, 0))).toThrow(DecodeError);
    },
  );

  it('lays out direct-tcpip and direct-streamlocal as specified', () => {
    // §7.2: string "h", uint32 22, string "o", uint32 1
    expect(
      encodeChannelOpenPayload({
        type: 'direct-tcpip',
        host: 'h',
        port: 22,
        originatorAddress: 'o',
        originatorPort: 1,
      }),
    ).toEqual(fromHex('00000001 68 00000016 00000001 6f 00000001'));
    // PROTOCOL §2.4: string path, string reserved (""), uint32 reserved (0); reserved values are ignored on receipt
    expect(encodeChannelOpenPayload({ type: 'direct-streamlocal@openssh.com', socketPath: '/s' })).toEqual(
      fromHex('00000002 2f73 00000000 00000000'),
    );
    expect(
      decodeChannelOpenPayload(
        'direct-streamlocal@openssh.com',
        fromHex('00000002 2f73 00000001 78 00000005'),
      ),
    ).toEqual({ type: 'direct-streamlocal@openssh.com', socketPath: '/s' });
  });

  it('keeps unknown channel types raw', () => {
    const data = fromHex('00000001 00000002');
    const p = decodeChannelOpenPayload('tun@openssh.com', data);
    expect(p).toEqual({ type: 'unknown', name: 'tun@openssh.com', data });
    expect(channelOpenType(p)).toBe('tun@openssh.com');
    expect(encodeChannelOpenPayload(p)).toBe(data);
  });
});

const blobA = fromHex('0000000b 7373682d65643235353139 00000002 aabb');
const blobB = fromHex('00000001 78');
const globals: GlobalRequestPayload[] = [
  { type: 'tcpip-forward', address: '127.0.0.1', port: 0 }, // RFC 4254 §7.1
  { type: 'cancel-tcpip-forward', address: '', port: 8022 }, // §7.1
  { type: 'streamlocal-forward@openssh.com', socketPath: '/tmp/s' }, // PROTOCOL §2.4
  { type: 'cancel-streamlocal-forward@openssh.com', socketPath: '/tmp/s' },
  { type: 'hostkeys-00@openssh.com', hostKeys: [blobA, blobB] }, // PROTOCOL §2.5
  { type: 'hostkeys-prove-00@openssh.com', hostKeys: [blobA] },
  { type: 'no-more-sessions@openssh.com' }, // PROTOCOL §2.2
];

describe('global request data (RFC 4254 §7.1; OpenSSH PROTOCOL §2.2, §2.4, §2.5)', () => {
  it.each(globals.map((p) => [p.type, p] as const))('%s round trips; truncations refused', (type, p) => {
    const data = encodeGlobalRequestPayload(p);
    expect(decodeGlobalRequestPayload(type, data)).toEqual(p);
    expect(globalRequestName(p)).toBe(type);
    // A host-key list may legitimately end after any whole blob, so only cuts inside a field must fail.
    const listy = type.startsWith('hostkeys');
    for (let n = 0; n < data.length; n++) {
      const cut = data.slice(0, n);
      if (
        listy &&
        (n === 0 ||
          n === encodeGlobalRequestPayload({ ...p, hostKeys: [blobA] } as GlobalRequestPayload).length)
      ) {
        continue;
      }
      expect(() => decodeGlobalRequestPayload(type, cut), `${n} bytes`).toThrow(DecodeError);
    }
  });

  it('lays out tcpip-forward as §7.1 says', () => {
    expect(encodeGlobalRequestPayload({ type: 'tcpip-forward', address: 'a', port: 80 })).toEqual(
      fromHex('00000001 61 00000050'),
    );
  });

  it('hostkeys lists: empty list, and a list of blobs as repeated strings', () => {
    expect(decodeGlobalRequestPayload('hostkeys-00@openssh.com', new Uint8Array(0))).toEqual({
      type: 'hostkeys-00@openssh.com',
      hostKeys: [],
    });
    expect(encodeGlobalRequestPayload({ type: 'hostkeys-00@openssh.com', hostKeys: [blobB] })).toEqual(
      fromHex('00000005 00000001 78'),
    );
  });

  it('tcpip-forward reply carries the bound port only when one was chosen (§7.1)', () => {
    expect(encodeTcpipForwardReply(40000)).toEqual(fromHex('00009c40'));
    expect(decodeTcpipForwardReply(fromHex('00009c40'))).toBe(40000);
    expect(encodeTcpipForwardReply()).toEqual(new Uint8Array(0));
    expect(decodeTcpipForwardReply(new Uint8Array(0))).toBeUndefined();
    expect(() => decodeTcpipForwardReply(fromHex('0000'))).toThrow(DecodeError);
    expect(() => decodeTcpipForwardReply(fromHex('00009c40 00'))).toThrow(DecodeError);
  });

  it('hostkeys-prove reply: one signature per key, in order (PROTOCOL §2.5)', () => {
    const sigs = [Uint8Array.of(1), Uint8Array.of(2, 3)];
    const data = encodeHostkeysProveReply(sigs);
    expect(decodeHostkeysProveReply(data, 2)).toEqual(sigs);
    expect(() => decodeHostkeysProveReply(data, 3)).toThrow(DecodeError);
    expect(() => decodeHostkeysProveReply(data.slice(0, -1))).toThrow(DecodeError);
  });

  it('keeps unknown global requests raw', () => {
    const data = Uint8Array.of(5);
    expect(decodeGlobalRequestPayload('keepalive@openssh.com', data)).toEqual({
      type: 'unknown',
      name: 'keepalive@openssh.com',
      data,
    });
  });
});
