/**
 * Builds the sealer or opener for one direction from the keys derived at NEWKEYS (RFC 4253 §7.2).
 * `undefined` keys mean the unprotected initial state. The mode picks the framing: AEAD ciphers ignore the
 * MAC (OpenSSH PROTOCOL §1.7, PROTOCOL.chacha20poly1305); AES-CTR needs one, -etm or not (PROTOCOL §1.6).
 */
import type { CryptoBackend } from '../crypto/backend.js';
import { UsageError } from '../errors.js';
import { CtrEtmOpener, CtrEtmSealer } from './aes-ctr-etm.js';
import { CtrHmacOpener, CtrHmacSealer } from './aes-ctr-hmac.js';
import { AesGcmOpener, AesGcmSealer } from './aes-gcm.js';
import { ChaChaPolyOpener, ChaChaPolySealer } from './chacha20-poly1305.js';
import { NoneOpener, NoneSealer } from './none.js';
import type { DirectionKeys, MacSpec, PacketOpener, PacketSealer } from './types.js';

function requireMac(keys: DirectionKeys): MacSpec {
  if (!keys.mac) throw new UsageError(`${keys.cipher.name} needs a MAC`);
  return keys.mac;
}

export function createSealer(crypto: CryptoBackend, keys: DirectionKeys | undefined): PacketSealer {
  if (!keys) return new NoneSealer();
  const { cipher, key, iv, macKey } = keys;
  switch (cipher.mode) {
    case 'chacha20-poly1305':
      return new ChaChaPolySealer(crypto, key);
    case 'aes-gcm':
      return new AesGcmSealer(crypto, key, iv);
    case 'aes-ctr': {
      const mac = requireMac(keys);
      return mac.etm
        ? new CtrEtmSealer(crypto, key, iv, mac, macKey)
        : new CtrHmacSealer(crypto, key, iv, mac, macKey);
    }
    case 'none':
      throw new UsageError('the none cipher is only the initial state; pass undefined keys instead');
  }
}

export function createOpener(crypto: CryptoBackend, keys: DirectionKeys | undefined): PacketOpener {
  if (!keys) return new NoneOpener();
  const { cipher, key, iv, macKey } = keys;
  switch (cipher.mode) {
    case 'chacha20-poly1305':
      return new ChaChaPolyOpener(crypto, key);
    case 'aes-gcm':
      return new AesGcmOpener(crypto, key, iv);
    case 'aes-ctr': {
      const mac = requireMac(keys);
      return mac.etm
        ? new CtrEtmOpener(crypto, key, iv, mac, macKey)
        : new CtrHmacOpener(crypto, key, iv, mac, macKey);
    }
    case 'none':
      throw new UsageError('the none cipher is only the initial state; pass undefined keys instead');
  }
}
