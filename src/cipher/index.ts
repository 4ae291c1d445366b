/** Packet protection: algorithm registry, the sealer/opener contract and their factories. */
export * from './registry.js';
export { createOpener, createSealer } from './protection.js';
export type {
  CipherMode,
  CipherSpec,
  DirectionKeys,
  MacSpec,
  PacketFraming,
  PacketOpener,
  PacketSealer,
} from './types.js';
