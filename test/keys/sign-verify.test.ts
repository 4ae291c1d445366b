/**
 * Signing and verification on both crypto backends, proven against OpenSSH in both directions through
 * SSHSIG (PROTOCOL.sshsig): `ssh-keygen -Y sign` signatures verify with verifySignature, and signatures we
 * make are accepted by `ssh-keygen -Y check-novalidate`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, fromHex, utf8 } from '../../src/crypto/bytes.js';
import { type CryptoBackend, nobleCrypto, nodeCrypto } from '../../src/crypto/index.js';
import {
  type PrivateKey,
  parseOpenSshPrivateKey,
  parsePublicKey,
  parseSignature,
  type SignatureAlgorithm,
  signatureAlgorithmsFor,
  verifySignature,
} from '../../src/keys/index.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, sshKeygen, tempDir } from './ssh-keygen.js';
import { armorSshSig, parseArmoredSshSig, sshSigSignedData } from './sshsig.js';

const backends: CryptoBackend[] = [nodeCrypto!, nobleCrypto];
const NAMESPACE = 'file';
const MESSAGE_TEXT = 'rxssh: a message signed by OpenSSH and by us\n';
const MESSAGE = utf8(MESSAGE_TEXT);

const tmp = tempDir();
const keys: Record<string, { key: PrivateKey; path: string; sshSig: string }> = {};

beforeAll(() => {
  for (const f of KEYGEN_FIXTURES) {
    const gen = generateWithSshKeygen(tmp.dir, `sig_${f.t}${f.bits ?? ''}`, f);
    // With no file operand, -Y sign reads the message from stdin and writes the signature to stdout.
    const sshSig = sshKeygen(['-Y', 'sign', '-f', gen.path, '-n', NAMESPACE], MESSAGE_TEXT);
    keys[f.type] = { key: parseOpenSshPrivateKey(gen.privateText), path: gen.path, sshSig };
  }
});
afterAll(() => tmp.cleanup());

/** Asks OpenSSH to check an SSHSIG we made over MESSAGE. */
function opensshAccepts(sigText: string, name: string): boolean {
  const sigPath = join(tmp.dir, `${name}.ours.sig`);
  writeFileSync(sigPath, sigText);
  try {
    sshKeygen(['-Y', 'check-novalidate', '-n', NAMESPACE, '-s', sigPath], MESSAGE_TEXT);
    return true;
  } catch {
    return false;
  }
}

describe.each(backends)('$name backend', (crypto) => {
  describe.each(KEYGEN_FIXTURES)('$type', (f) => {
    it('verifies the inner signature of ssh-keygen -Y sign over the SSHSIG signed data', () => {
      const { key, sshSig } = keys[f.type];
      const sig = parseArmoredSshSig(sshSig);
      expect(parsePublicKey(sig.publicKey).blob).toEqual(key.publicKey.blob);
      const signed = sshSigSignedData(crypto, sig.namespace, sig.hashAlgorithm, MESSAGE);
      expect(verifySignature(crypto, key.publicKey, sig.signature, signed)).toBe(true);
      // OpenSSH signs RSA SSHSIGs with rsa-sha2-512.
      if (f.type === 'ssh-rsa') expect(parseSignature(sig.signature).algorithm).toBe('rsa-sha2-512');
      const otherMessage = sshSigSignedData(
        crypto,
        sig.namespace,
        sig.hashAlgorithm,
        utf8('another message'),
      );
      expect(verifySignature(crypto, key.publicKey, sig.signature, otherMessage)).toBe(false);
      const otherNamespace = sshSigSignedData(crypto, 'email', sig.hashAlgorithm, MESSAGE);
      expect(verifySignature(crypto, key.publicKey, sig.signature, otherNamespace)).toBe(false);
    });

    it.each(signatureAlgorithmsFor(f.type))('signs with %s; OpenSSH and we both verify it', (alg) => {
      const { key } = keys[f.type];
      const signed = sshSigSignedData(crypto, NAMESPACE, 'sha512', MESSAGE);
      const blob = key.sign(crypto, signed, alg);
      expect(parseSignature(blob).algorithm).toBe(alg);
      expect(verifySignature(crypto, key.publicKey, blob, signed)).toBe(true);
      expect(verifySignature(crypto, key.publicKey, blob, signed, [alg])).toBe(true);
      const armored = armorSshSig({
        publicKey: key.publicKey.blob,
        namespace: NAMESPACE,
        hashAlgorithm: 'sha512',
        signature: blob,
      });
      // OpenSSH's sshsig refuses SHA-1 RSA signatures (sshsig.c), so ssh-rsa is checked by us only.
      expect(opensshAccepts(armored, `${f.t}${f.bits ?? ''}-${alg}-${crypto.name}`)).toBe(alg !== 'ssh-rsa');
    });

    it('returns false for tampered data, a flipped signature byte, another key, or a disallowed algorithm', () => {
      const { key } = keys[f.type];
      const data = utf8('session id ‖ userauth request');
      const blob = key.sign(crypto, data);
      expect(verifySignature(crypto, key.publicKey, blob, data)).toBe(true);
      expect(verifySignature(crypto, key.publicKey, blob, concatBytes(data, new Uint8Array([0])))).toBe(
        false,
      );
      const flipped = blob.slice();
      flipped[flipped.length - 5] ^= 0x10;
      expect(verifySignature(crypto, key.publicKey, flipped, data)).toBe(false);
      const other = keys[f.type === 'ssh-ed25519' ? 'ssh-rsa' : 'ssh-ed25519'].key;
      expect(verifySignature(crypto, other.publicKey, blob, data)).toBe(false);
      const alg = parseSignature(blob).algorithm as SignatureAlgorithm;
      const others = (['ssh-ed25519', 'rsa-sha2-256'] as SignatureAlgorithm[]).filter((a) => a !== alg);
      expect(verifySignature(crypto, key.publicKey, blob, data, others)).toBe(false);
      expect(verifySignature(crypto, key.publicKey, blob, data, [])).toBe(false);
    });

    it('returns false (never throws) for every truncation and trailing bytes of a signature blob', () => {
      const { key } = keys[f.type];
      const data = utf8('truncation');
      const blob = key.sign(crypto, data);
      for (let n = 0; n < blob.length; n++)
        expect(verifySignature(crypto, key.publicKey, blob.subarray(0, n), data)).toBe(false);
      expect(verifySignature(crypto, key.publicKey, concatBytes(blob, new Uint8Array([0])), data)).toBe(
        false,
      );
    });
  });

  it('reproduces RFC 8032 §7.1 TEST 1 through the SSH wrapping (ssh-ed25519, RFC 8709 §6)', async () => {
    const { privateKeyFrom, publicKeyFrom, encodeSignature } = await import('../../src/keys/index.js');
    const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const pub = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = fromHex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    const publicKey = publicKeyFrom({ type: 'ssh-ed25519', publicKey: crypto.ed25519PublicKey(seed) });
    expect(publicKey.type === 'ssh-ed25519' && publicKey.publicKey).toEqual(pub);
    const key = privateKeyFrom({ type: 'ssh-ed25519', publicKey, seed, comment: '' } as never);
    expect(key.sign(crypto, new Uint8Array(0))).toEqual(encodeSignature('ssh-ed25519', sig));
  });
});
