/**
 * What both AES-CTR + HMAC modes hold: the CTR keystream and the packet MAC. They differ only in what the MAC
 * covers and whether the length is encrypted (aes-ctr-hmac.ts: encrypt-and-MAC; aes-ctr-etm.ts: -etm MACs).
 */
import type { CryptoBackend, StreamCipher } from '../crypto/backend.js';
import { AES_BLOCK, createAesCtr } from './aes-ctr.js';
import { PacketMac } from './packet-mac.js';
import type { MacSpec } from './types.js';

export abstract class CtrMacBase {
  readonly blockSize = AES_BLOCK;
  /** Where block alignment starts: 0 when the length is encrypted, 4 when it travels in the clear. */
  abstract readonly alignFrom: 0 | 4;
  readonly trailerLength: number;
  protected readonly ctr: StreamCipher;
  protected readonly mac: PacketMac;

  constructor(crypto: CryptoBackend, key: Uint8Array, iv: Uint8Array, macSpec: MacSpec, macKey: Uint8Array) {
    this.ctr = createAesCtr(crypto, key, iv);
    this.mac = new PacketMac(crypto, macSpec, macKey);
    this.trailerLength = this.mac.length;
  }

  dispose(): void {
    this.mac.dispose();
  }
}
