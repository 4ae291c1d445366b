/** Packet protection: algorithm registry, the sealer/opener contract and their factories. */

export { createOpener, createSealer } from './protection.js';
export * from './registry.js';
export type {
  CipherMode,
  CipherSpec,
  DirectionKeys,
  MacSpec,
  PacketFraming,
  PacketOpener,
  PacketSealer,
} from './types.js';
