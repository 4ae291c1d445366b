/** Options of the channel multiplexer, their defaults (OpenSSH's, channels.h) and their validation. */
import { UsageError } from '../errors.js';
import { MAX_PAYLOAD_LENGTH } from '../transport/packet-encoder.js';
import { assertUint32 } from './checked-writer.js';

export interface ChannelMuxOptions {
  /** Hands one connection-layer payload to the transport. */
  send(payload: Uint8Array): void;
  /** Receive window we advertise per channel (default 2 MiB, OpenSSH's CHAN_SES_WINDOW_DEFAULT). */
  window?: number;
  /** Maximum packet size we advertise (default 32 KiB, OpenSSH's CHAN_SES_PACKET_DEFAULT). */
  maxPacket?: number;
  /** Larger DATA from the peer is a protocol error (default 256 KiB, the transport's packet limit). */
  maxAcceptedPacket?: number;
  /** Channels (ours and the peer's) beyond which the peer's opens get RESOURCE_SHORTAGE (default 1024). */
  maxChannels?: number;
  /** Our own cap on the data in one packet we send, whatever the peer allows (default 32 KiB). */
  maxSendPacket?: number;
  /** 'writable' is emitted when queued output drains to this many bytes or fewer (default 0). */
  writableThreshold?: number;
}

/**
 * Hands one connection-layer payload to the transport as two parts, to be sent as `head ‖ tail` (the
 * multiplexer's DATA and EXTENDED_DATA: header and data). The data is then copied once, straight into the
 * packet, instead of into a joined payload first. Given to the ChannelMux constructor beside the options;
 * without one, the parts are joined and go through `send`.
 */
export type SendParts = (head: Uint8Array, tail: Uint8Array) => void;

/** How the multiplexer sends: a whole payload, or one given as head and tail (see SendParts). */
export type SendPayload = (payload: Uint8Array, tail?: Uint8Array) => void;

/** Per-channel overrides for open() and acceptOpen(). */
export interface ChannelOpenOptions {
  window?: number;
  maxPacket?: number;
}

export type MuxLimits = Required<Omit<ChannelMuxOptions, 'send'>>;

const DEFAULTS: MuxLimits = {
  window: 2 * 1024 * 1024,
  maxPacket: 32 * 1024,
  maxAcceptedPacket: 256 * 1024,
  maxChannels: 1024,
  maxSendPacket: 32 * 1024,
  writableThreshold: 0,
};

/** The most data one packet can carry inside the transport's payload limit (13-byte EXTENDED_DATA header). */
const MAX_SEND_PACKET = MAX_PAYLOAD_LENGTH - 13;

export function resolveMuxOptions(o: ChannelMuxOptions): MuxLimits {
  const limits: MuxLimits = {
    window: o.window ?? DEFAULTS.window,
    maxPacket: o.maxPacket ?? DEFAULTS.maxPacket,
    maxAcceptedPacket: o.maxAcceptedPacket ?? DEFAULTS.maxAcceptedPacket,
    maxChannels: o.maxChannels ?? DEFAULTS.maxChannels,
    maxSendPacket: o.maxSendPacket ?? DEFAULTS.maxSendPacket,
    writableThreshold: o.writableThreshold ?? DEFAULTS.writableThreshold,
  };
  assertUint32(limits.maxAcceptedPacket, 'maxAcceptedPacket', 1);
  assertUint32(limits.maxChannels, 'maxChannels', 1);
  assertUint32(limits.writableThreshold, 'writableThreshold');
  assertUint32(limits.maxSendPacket, 'maxSendPacket', 1);
  if (limits.maxSendPacket > MAX_SEND_PACKET) {
    throw new UsageError(
      `maxSendPacket ${limits.maxSendPacket} is over the transport's limit of ${MAX_SEND_PACKET}`,
    );
  }
  resolveWindow(undefined, limits);
  return limits;
}

/** A channel's window and max packet: the overrides, else the multiplexer's, checked. */
export function resolveWindow(
  o: ChannelOpenOptions | undefined,
  limits: MuxLimits,
): Required<ChannelOpenOptions> {
  const window = o?.window ?? limits.window;
  const maxPacket = o?.maxPacket ?? limits.maxPacket;
  assertUint32(window, 'window', 1);
  assertUint32(maxPacket, 'maxPacket', 1);
  if (maxPacket > limits.maxAcceptedPacket) {
    throw new UsageError(`maxPacket ${maxPacket} is over maxAcceptedPacket ${limits.maxAcceptedPacket}`);
  }
  return { window, maxPacket };
}
