/**
 * AES-CTR as a running stream over noble's one-shot `ctr()`. RFC 4344 §4 treats the whole 16-byte counter
 * block X as one big-endian integer incremented mod 2^128 per block, and an SSH connection encrypts packet
 * after packet with the same running counter, so the state (counter block plus the unused tail of the last
 * keystream block) survives between calls of any length.
 */

import { ctr } from '@noble/ciphers/aes.js';
import type { StreamCipher } from './backend.js';

const BLOCK = 16;

/** counter += blocks, big-endian over all 16 bytes, wrapping mod 2^128 (RFC 4344 §4). */
function advance(counter: Uint8Array, blocks: number): void {
  let carry = blocks;
  for (let i = BLOCK - 1; i >= 0 && carry > 0; i--) {
    const sum = counter[i] + (carry % 256);
    counter[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
}

export class NobleAesCtr implements StreamCipher {
  readonly #key: Uint8Array;
  readonly #counter: Uint8Array;
  /** Keystream of the block before #counter; bytes from #used on are still unused. */
  #tail = new Uint8Array(BLOCK);
  #used = BLOCK;

  constructor(key: Uint8Array, iv: Uint8Array) {
    this.#key = Uint8Array.from(key);
    this.#counter = Uint8Array.from(iv);
  }

  update(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(data.length);
    let i = 0;
    // 1. Spend what is left of the previous call's last keystream block.
    while (i < data.length && this.#used < BLOCK) out[i] = data[i++] ^ this.#tail[this.#used++];
    // 2. Whole blocks in one noble call.
    const whole = Math.floor((data.length - i) / BLOCK) * BLOCK;
    if (whole > 0) {
      out.set(ctr(this.#key, this.#counter).encrypt(data.subarray(i, i + whole)), i);
      advance(this.#counter, whole / BLOCK);
      i += whole;
    }
    // 3. A partial block: make its full keystream and keep the unused rest for the next call.
    if (i < data.length) {
      this.#tail = ctr(this.#key, this.#counter).encrypt(new Uint8Array(BLOCK));
      advance(this.#counter, 1);
      this.#used = 0;
      while (i < data.length) out[i] = data[i++] ^ this.#tail[this.#used++];
    }
    return out;
  }
}
