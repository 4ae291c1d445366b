/**
 * AES-CTR with an encrypt-and-MAC HMAC (RFC 4344 §4, RFC 4253 §6.4).
 *
 *   wire packet   AES-CTR(uint32 packet_length ‖ byte padding_length ‖ payload ‖ padding)
 *                 mac = HMAC(mac_key, uint32 sequence_number ‖ the plaintext packet above)
 *
 * The length is inside the cipher, so the reader decrypts the first block to learn it; the MAC can only be
 * checked once the whole packet is decrypted, and nothing is released before it is.
 */
import { wipe } from '../crypto/bytes.js';
import { MacError, UsageError } from '../errors.js';
import { AES_BLOCK } from './aes-ctr.js';
import { CtrMacBase } from './ctr-mac-base.js';
import type { PacketOpener, PacketSealer } from './types.js';
import { readUint32 } from './uint32.js';

abstract class CtrHmacBase extends CtrMacBase {
  readonly alignFrom = 0;
}

export class CtrHmacSealer extends CtrHmacBase implements PacketSealer {
  seal(seq: number, packet: Uint8Array): void {
    const end = packet.length - this.trailerLength;
    const plain = packet.subarray(0, end);
    const mac = this.mac.compute(seq, plain);
    packet.set(this.ctr.update(plain), 0);
    packet.set(mac, end);
  }
}

export class CtrHmacOpener extends CtrHmacBase implements PacketOpener {
  readonly headLength = AES_BLOCK;
  /** The first block, decrypted by readLength: the keystream has moved past it. */
  private head: Uint8Array | undefined;

  readLength(_seq: number, head: Uint8Array): number {
    this.head = this.ctr.update(head.subarray(0, AES_BLOCK));
    return readUint32(this.head, 0);
  }

  open(seq: number, packet: Uint8Array): Uint8Array {
    const head = this.head;
    if (!head) throw new UsageError('open() called before readLength()');
    this.head = undefined;
    const end = packet.length - this.trailerLength;
    const plain = new Uint8Array(end);
    plain.set(head, 0);
    plain.set(this.ctr.update(packet.subarray(AES_BLOCK, end)), AES_BLOCK);
    wipe(head);
    if (!this.mac.verify(seq, packet.subarray(end), plain)) {
      wipe(plain);
      throw new MacError();
    }
    return plain.subarray(4);
  }
}
