/**
 * Protocol version exchange, RFC 4253 §4.2.
 *
 *   SSH-protoversion-softwareversion SP comments CR LF      (at most 255 bytes including CR LF)
 *
 * A server MAY send other lines first; a client MUST NOT (OpenSSH's server refuses them, and so do we).
 * Limits follow OpenSSH (ssh.h: SSH_MAX_BANNER_LEN 8192, SSH_MAX_PRE_BANNER_LINES 1024), so a hostile peer
 * can make us hold at most one line of 8 KiB.
 */
import { utf8 } from '../crypto/bytes.js';
import { DisconnectReason, ProtocolError } from '../errors.js';

export const IdentificationLimits = {
  maxIdentificationLength: 255,
  maxPreBannerLineLength: 8192,
  maxPreBannerLines: 1024,
} as const;

export interface Identification {
  /** The whole line without CR LF, as it goes into the exchange hash (RFC 4253 §8: V_C / V_S). */
  line: string;
  protoVersion: string;
  softwareVersion: string;
  comments: string;
  /** Lines the server sent before its identification (shown to users by some clients). */
  preBannerLines: string[];
}

/** Builds our identification line. `software` must be printable US-ASCII without spaces or '-'. */
export function identificationLine(software = 'rxssh_0.1', comments?: string): string {
  if (!/^[\x21-\x2c\x2e-\x7e]+$/.test(software))
    throw new RangeError('software version must be printable ASCII without space or "-"');
  const line = comments ? `SSH-2.0-${software} ${comments}` : `SSH-2.0-${software}`;
  if (line.length + 2 > IdentificationLimits.maxIdentificationLength)
    throw new RangeError('identification too long');
  return line;
}

export function encodeIdentification(line: string): Uint8Array {
  return utf8(`${line}\r\n`);
}

function fail(message: string): never {
  throw new ProtocolError(message, DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
}

/**
 * Reads the peer's identification from a byte stream. `push` returns the parsed identification and the bytes
 * that followed it (the start of the binary packet stream), or undefined while a line is still incomplete.
 */
export class IdentificationReader {
  private line: number[] = [];
  private preLines: string[] = [];
  private done = false;

  /** `peerIsServer`: only a server may send lines before its identification. */
  constructor(private readonly peerIsServer: boolean) {}

  push(bytes: Uint8Array): { identification: Identification; rest: Uint8Array } | undefined {
    if (this.done) throw new Error('identification already read');
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i];
      if (c !== 0x0a) {
        this.line.push(c);
        const isId = this.line.length >= 4 && this.startsWithSsh();
        const cap = isId
          ? IdentificationLimits.maxIdentificationLength
          : IdentificationLimits.maxPreBannerLineLength;
        if (this.line.length + 1 > cap)
          fail(isId ? 'identification line over 255 bytes' : 'pre-banner line too long');
        continue;
      }
      const raw = this.line;
      this.line = [];
      // RFC 4253 §4.2 says CR LF; like OpenSSH we also take a bare LF, but never a CR inside the line.
      if (raw.length > 0 && raw[raw.length - 1] === 0x0d) raw.pop();
      if (raw.includes(0x0d) || raw.includes(0)) fail('identification has a NUL or a stray CR');
      const text = String.fromCharCode(...raw);
      if (text.startsWith('SSH-')) {
        this.done = true;
        return { identification: this.parse(text), rest: bytes.subarray(i + 1) };
      }
      if (!this.peerIsServer) fail('client sent data before its identification');
      if (this.preLines.length >= IdentificationLimits.maxPreBannerLines)
        fail('too many lines before identification');
      this.preLines.push(text);
    }
    return undefined;
  }

  private startsWithSsh(): boolean {
    const l = this.line;
    return l[0] === 0x53 && l[1] === 0x53 && l[2] === 0x48 && l[3] === 0x2d; // "SSH-"
  }

  private parse(line: string): Identification {
    if (line.length + 2 > IdentificationLimits.maxIdentificationLength)
      fail('identification line over 255 bytes');
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) fail('identification is not printable US-ASCII');
    }
    const m = /^SSH-([^-\s]+)-(\S+)(?: (.*))?$/.exec(line);
    if (!m) fail('malformed identification line');
    const [, protoVersion, softwareVersion, comments = ''] = m;
    // RFC 4253 §5.1: "1.99" announces a server compatible with 2.0.
    if (protoVersion !== '2.0' && protoVersion !== '1.99')
      fail(`unsupported protocol version ${protoVersion}`);
    return { line, protoVersion, softwareVersion, comments, preBannerLines: this.preLines };
  }
}
