import { describe, expect, it } from 'vitest';
import {
  type ChannelRequest,
  channelRequestName,
  decodeChannelRequest,
  encodeChannelRequest,
  envRequest,
  execRequest,
  requestText,
} from '../../src/channel/channel-requests.js';
import { decodeTerminalModes, encodeTerminalModes, TerminalMode } from '../../src/channel/terminal-modes.js';
import { fromHex, utf8 } from '../../src/crypto/bytes.js';
import { DecodeError, SshError, UsageError } from '../../src/errors.js';

const modes = encodeTerminalModes([
  { opcode: TerminalMode.VINTR, value: 3 },
  { opcode: TerminalMode.ECHO, value: 1 },
  { opcode: TerminalMode.TTY_OP_OSPEED, value: 38400 },
]);

/** One value of every known request type, with the layout of its section. */
const requests: ChannelRequest[] = [
  { type: 'pty-req', term: 'xterm-256color', cols: 80, rows: 24, widthPx: 640, heightPx: 480, modes }, // §6.2
  {
    type: 'x11-req',
    singleConnection: true,
    authProtocol: 'MIT-MAGIC-COOKIE-1',
    authCookie: 'abcd',
    screen: 0,
  }, // §6.3.1
  { type: 'env', name: 'LANG', value: utf8('fr_FR.UTF-8') }, // §6.4
  { type: 'shell' }, // §6.5
  { type: 'exec', command: Uint8Array.of(0x6c, 0x73, 0xff) }, // §6.5: bytes, not necessarily UTF-8
  { type: 'subsystem', name: 'sftp' }, // §6.5
  { type: 'window-change', cols: 120, rows: 40, widthPx: 0, heightPx: 0 }, // §6.7
  { type: 'xon-xoff', clientCanDo: false }, // §6.8
  { type: 'signal', signal: 'INT' }, // §6.9
  { type: 'exit-status', status: 127 }, // §6.10
  { type: 'exit-signal', signal: 'SEGV', coreDumped: true, message: 'Segmentation fault', language: 'en' }, // §6.10
  { type: 'break', lengthMs: 500 }, // RFC 4335 §3
  { type: 'auth-agent-req@openssh.com' }, // PROTOCOL.agent
];

describe('channel request data (RFC 4254 §6)', () => {
  it.each(requests.map((r) => [r.type, r] as const))(
    '%s round trips; every truncation and extension refused',
    (type, req) => {
      const data = encodeChannelRequest(req);
      expect(decodeChannelRequest(type, data)).toEqual(req);
      expect(channelRequestName(req)).toBe(type);
      for (let n = 0; n < data.length; n++) {
        expect(() => decodeChannelRequest(type, data.slice(0, n)), `${n} bytes`).toThrow(DecodeError);
      }
      expect(() => decodeChannelRequest(type, Uint8Array.of(...data, 0))).toThrow(DecodeError);
    },
  );

  it('lays out pty-req and exit-signal as the RFC says', () => {
    // §6.2: string "vt100", uint32 80, uint32 24, uint32 0, uint32 0, string modes (just TTY_OP_END)
    const pty = fromHex('00000005 7674313030 00000050 00000018 00000000 00000000 00000001 00');
    expect(decodeChannelRequest('pty-req', pty)).toEqual({
      type: 'pty-req',
      term: 'vt100',
      cols: 80,
      rows: 24,
      widthPx: 0,
      heightPx: 0,
      modes: Uint8Array.of(0),
    });
    // §6.10: string "KILL", boolean FALSE, string "", string ""
    const sig = fromHex('00000004 4b494c4c 00 00000000 00000000');
    expect(decodeChannelRequest('exit-signal', sig)).toEqual({
      type: 'exit-signal',
      signal: 'KILL',
      coreDumped: false,
      message: '',
      language: '',
    });
    expect(encodeChannelRequest({ type: 'exit-status', status: 1 })).toEqual(fromHex('00000001'));
  });

  it('keeps unknown request types as a name and raw data', () => {
    const data = Uint8Array.of(1, 2, 3);
    const req = decodeChannelRequest('keepalive@openssh.com', data);
    expect(req).toEqual({ type: 'unknown', name: 'keepalive@openssh.com', data });
    expect(channelRequestName(req)).toBe('keepalive@openssh.com');
    expect(encodeChannelRequest(req)).toBe(data);
    // A name that collides with an Object.prototype member is still just unknown.
    expect(decodeChannelRequest('toString', data).type).toBe('unknown');
  });

  it('builds exec and env from text, and shows bytes as text leniently', () => {
    expect(execRequest('ls -l')).toEqual({ type: 'exec', command: utf8('ls -l') });
    expect(envRequest('A', Uint8Array.of(0xff))).toEqual({
      type: 'env',
      name: 'A',
      value: Uint8Array.of(0xff),
    });
    expect(requestText(Uint8Array.of(0x61, 0xff))).toBe('a\ufffd');
  });

  it('refuses names that are not US-ASCII and numbers out of range', () => {
    expect(() => decodeChannelRequest('subsystem', fromHex('00000002 c3a9'))).toThrow(DecodeError);
    expect(() => encodeChannelRequest({ type: 'exit-status', status: -1 })).toThrow(UsageError);
    expect(() => encodeChannelRequest({ type: 'break', lengthMs: 1.5 })).toThrow(UsageError);
  });

  it('decodes random data for every known type to a value or a typed error', () => {
    for (const { type } of requests) {
      for (let seed = 0; seed < 300; seed++) {
        const data = Uint8Array.from({ length: seed % 40 }, (_, i) => (seed * 31 + i * 7) & 0xff);
        try {
          decodeChannelRequest(type, data);
        } catch (e) {
          expect(e).toBeInstanceOf(SshError);
        }
      }
    }
  });
});

describe('encoded terminal modes (RFC 4254 §8)', () => {
  it('encodes opcode/uint32 pairs ended by TTY_OP_END', () => {
    expect(modes).toEqual(fromHex('01 00000003 35 00000001 81 00009600 00'));
    expect(decodeTerminalModes(modes)).toEqual([
      { opcode: 1, value: 3 },
      { opcode: 53, value: 1 },
      { opcode: 129, value: 38400 },
    ]);
    expect(encodeTerminalModes([])).toEqual(Uint8Array.of(0));
  });

  it('accepts an empty string, stops at TTY_OP_END or an undefined opcode (160+)', () => {
    expect(decodeTerminalModes(new Uint8Array(0))).toEqual([]);
    expect(decodeTerminalModes(fromHex('35 00000001 00 ffffff'))).toEqual([{ opcode: 53, value: 1 }]);
    expect(decodeTerminalModes(fromHex('35 00000001 a0 0102'))).toEqual([{ opcode: 53, value: 1 }]);
  });

  it('refuses a truncated argument or a missing TTY_OP_END', () => {
    expect(() => decodeTerminalModes(fromHex('35 000000'))).toThrow(DecodeError);
    expect(() => decodeTerminalModes(fromHex('35 00000001'))).toThrow(DecodeError);
  });

  it('refuses opcodes it cannot encode', () => {
    for (const opcode of [0, 160, 255, 1.5]) {
      expect(() => encodeTerminalModes([{ opcode, value: 0 }])).toThrow(UsageError);
    }
    expect(() => encodeTerminalModes([{ opcode: 1, value: 2 ** 32 }])).toThrow(UsageError);
  });
});
