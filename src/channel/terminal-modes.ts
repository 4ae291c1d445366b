/**
 * Encoded terminal modes, RFC 4254 §8: the `encoded terminal modes` string of a pty-req is a sequence of
 * (opcode byte, uint32 argument) pairs ended by TTY_OP_END (0). Opcodes 1-159 take a uint32; 160-254 are
 * undefined and "cause parsing to stop", so a decoder keeps what came before them.
 */
import { DecodeError, UsageError } from '../errors.js';
import { SshReader } from '../wire/reader.js';
import { CheckedWriter } from './checked-writer.js';

/** RFC 4254 §8 opcodes (plus IUTF8 42, RFC 8160 §2). */
export const TerminalMode = {
  TTY_OP_END: 0,
  VINTR: 1,
  VQUIT: 2,
  VERASE: 3,
  VKILL: 4,
  VEOF: 5,
  VEOL: 6,
  VEOL2: 7,
  VSTART: 8,
  VSTOP: 9,
  VSUSP: 10,
  VDSUSP: 11,
  VREPRINT: 12,
  VWERASE: 13,
  VLNEXT: 14,
  VFLUSH: 15,
  VSWTCH: 16,
  VSTATUS: 17,
  VDISCARD: 18,
  IGNPAR: 30,
  PARMRK: 31,
  INPCK: 32,
  ISTRIP: 33,
  INLCR: 34,
  IGNCR: 35,
  ICRNL: 36,
  IUCLC: 37,
  IXON: 38,
  IXANY: 39,
  IXOFF: 40,
  IMAXBEL: 41,
  IUTF8: 42,
  ISIG: 50,
  ICANON: 51,
  XCASE: 52,
  ECHO: 53,
  ECHOE: 54,
  ECHOK: 55,
  ECHONL: 56,
  NOFLSH: 57,
  TOSTOP: 58,
  IEXTEN: 59,
  ECHOCTL: 60,
  ECHOKE: 61,
  PENDIN: 62,
  OPOST: 70,
  OLCUC: 71,
  ONLCR: 72,
  OCRNL: 73,
  ONOCR: 74,
  ONLRET: 75,
  CS7: 90,
  CS8: 91,
  PARENB: 92,
  PARODD: 93,
  TTY_OP_ISPEED: 128,
  TTY_OP_OSPEED: 129,
} as const;

export interface TerminalModeSetting {
  opcode: number;
  value: number;
}

/** First opcode whose argument RFC 4254 §8 leaves undefined. */
const FIRST_UNDEFINED_OPCODE = 160;

// RFC 4254 §8
//   repeated: byte opcode (1..159), uint32 argument
//   byte      TTY_OP_END (0)
/**
 * @example
 * encodeTerminalModes([{ opcode: TerminalMode.ECHO, value: 1 }, { opcode: TerminalMode.TTY_OP_OSPEED, value: 38400 }])
 */
export function encodeTerminalModes(modes: readonly TerminalModeSetting[]): Uint8Array {
  const w = new CheckedWriter(5 * modes.length + 1);
  for (const { opcode, value } of modes) {
    if (!Number.isInteger(opcode) || opcode < 1 || opcode >= FIRST_UNDEFINED_OPCODE) {
      throw new UsageError(`terminal mode opcode must be in [1, 159], got ${opcode}`);
    }
    w.byte(opcode).uint32(value);
  }
  return w.byte(TerminalMode.TTY_OP_END).bytes();
}

/**
 * The settings in an encoded-modes string. An empty string means "no modes" (OpenSSH accepts it); otherwise
 * the list must reach TTY_OP_END or an undefined opcode before the data runs out. Bytes after the end are
 * ignored, as RFC 4254 §8 stops parsing there.
 */
export function decodeTerminalModes(encoded: Uint8Array): TerminalModeSetting[] {
  const modes: TerminalModeSetting[] = [];
  if (encoded.length === 0) return modes;
  const r = new SshReader(encoded, 'terminal modes');
  for (;;) {
    const opcode = r.byte('opcode');
    if (opcode === TerminalMode.TTY_OP_END || opcode >= FIRST_UNDEFINED_OPCODE) return modes;
    modes.push({ opcode, value: r.uint32('argument') });
    if (r.remaining === 0) throw new DecodeError('terminal modes: missing TTY_OP_END');
  }
}
