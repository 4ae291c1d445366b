/**
 * AES-CTR with an encrypt-then-MAC HMAC, the `-etm@openssh.com` MACs (OpenSSH PROTOCOL §1.6, RFC 4344 §4).
 *
 *   wire packet   uint32 packet_length                    in clear
 *                 AES-CTR(byte padding_length ‖ payload ‖ padding)
 *                 mac = HMAC(mac_key, uint32 sequence_number ‖ packet_length ‖ ciphertext)
 *
 * The MAC covers exactly the bytes received, so it is checked before anything is decrypted.
 */
import { MacError } from '../errors.js';
import { CtrMacBase } from './ctr-mac-base.js';
import type { PacketOpener, PacketSealer } from './types.js';
import { readUint32 } from './uint32.js';

abstract class CtrEtmBase extends CtrMacBase {
  readonly alignFrom = 4;
}

export class CtrEtmSealer extends CtrEtmBase implements PacketSealer {
  seal(seq: number, packet: Uint8Array): void {
    const end = packet.length - this.trailerLength;
    packet.set(this.ctr.update(packet.subarray(4, end)), 4);
    packet.set(this.mac.compute(seq, packet.subarray(0, end)), end);
  }
}

export class CtrEtmOpener extends CtrEtmBase implements PacketOpener {
  readonly headLength = 4;

  readLength(_seq: number, head: Uint8Array): number {
    return readUint32(head, 0);
  }

  open(seq: number, packet: Uint8Array): Uint8Array {
    const end = packet.length - this.trailerLength;
    if (!this.mac.verify(seq, packet.subarray(end), packet.subarray(0, end))) throw new MacError();
    return this.ctr.update(packet.subarray(4, end));
  }
}
