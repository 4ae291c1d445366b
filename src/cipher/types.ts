/**
 * Packet protection contract (RFC 4253 §6, RFC 4344, RFC 5647 as amended by OpenSSH's PROTOCOL §1.6/§1.7,
 * PROTOCOL.chacha20poly1305). One sealer per outgoing direction and one opener per incoming direction,
 * each created from derived keys at NEWKEYS. The sequence number is passed explicitly (never kept here),
 * because strict kex resets it (OpenSSH PROTOCOL §1.9) and the transport owns it.
 */
import type { HashAlg } from '../crypto/backend.js';

/** How a cipher frames and protects a packet; selects the sealer/opener implementation. */
export type CipherMode = 'none' | 'chacha20-poly1305' | 'aes-gcm' | 'aes-ctr';

/** Sizes the key derivation must produce for one direction (RFC 4253 §7.2). */
export interface CipherSpec {
  readonly name: string;
  readonly mode: CipherMode;
  readonly keyLength: number;
  readonly ivLength: number;
  /** Cipher block size for padding; 8 for stream-like ciphers per RFC 4253 §6. */
  readonly blockSize: number;
  /** AEAD ciphers carry their own tag; the negotiated MAC is then ignored (RFC 5647 §5.1 / OpenSSH). */
  readonly aead: boolean;
  readonly tagLength: number;
}

export interface MacSpec {
  readonly name: string;
  readonly hash: HashAlg;
  readonly keyLength: number;
  readonly length: number;
  /** Encrypt-then-MAC: packet length sent in clear and MAC over the ciphertext (OpenSSH PROTOCOL §1.6). */
  readonly etm: boolean;
}

export interface DirectionKeys {
  cipher: CipherSpec;
  /** Ignored (may be undefined) when `cipher.aead`. */
  mac: MacSpec | undefined;
  key: Uint8Array;
  iv: Uint8Array;
  macKey: Uint8Array;
}

/** What the packet layout needs to know about a protection mode, shared by both directions. */
export interface PacketFraming {
  /** Padding alignment, max(8, cipher block size) (RFC 4253 §6). */
  readonly blockSize: number;
  /**
   * Where block alignment starts: 0 when the 4-byte packet_length is encrypted with the rest (RFC 4253 §6),
   * 4 when it travels outside the cipher's blocks (AEAD and -etm, as OpenSSH's packet.c `aadlen`).
   */
  readonly alignFrom: 0 | 4;
  /** Bytes after the packet: the MAC or the AEAD tag. */
  readonly trailerLength: number;
}

/**
 * Protects outgoing packets.
 * `packet` holds `uint32 packet_length ‖ byte padding_length ‖ payload ‖ padding` followed by
 * `trailerLength` bytes of room; `seal` encrypts in place and writes the MAC or tag into that room.
 */
export interface PacketSealer extends PacketFraming {
  seal(seq: number, packet: Uint8Array): void;
  /**
   * Optional, when `sealsToParts` is true (a backend may lack what it needs; see PacketEncoder.encodeParts):
   * given the plaintext `packet_length ‖ padding_length ‖ payload ‖ padding` (no trailer room), returns the wire
   * bytes as fresh parts in order and keeps no reference to `plain`, which the encoder reuses for the next packet.
   */
  readonly sealsToParts?: boolean;
  sealToParts?(seq: number, plain: Uint8Array): Uint8Array[];
  /** Wipes the key copies this sealer holds; it must not be used afterwards. */
  dispose(): void;
}

/**
 * Verifies and decrypts incoming packets, in two steps: the length first (to know how much to wait for),
 * then the whole packet. Calls come strictly in the order readLength, open, readLength, open...
 */
export interface PacketOpener extends PacketFraming {
  /** Bytes needed to learn packet_length: 4, or one cipher block when the length is block-encrypted. */
  readonly headLength: number;
  /**
   * packet_length from the first `headLength` bytes. Not yet authenticated: the caller bounds it before use.
   * `head` is not modified.
   */
  readLength(seq: number, head: Uint8Array): number;
  /**
   * Checks the MAC or tag of the whole wire packet (4 + packet_length + trailerLength bytes) and returns its
   * plaintext `padding_length ‖ payload ‖ padding`. Throws MacError before releasing anything.
   * `packet` is not modified.
   */
  open(seq: number, packet: Uint8Array): Uint8Array;
  /**
   * True when `open` returns plaintext that never points into the packet it was given (the cipher's output is
   * fresh memory), so the decoder may overwrite the packet's bytes as soon as `open` returns.
   */
  readonly opensIntoOwnMemory?: boolean;
  dispose(): void;
}
