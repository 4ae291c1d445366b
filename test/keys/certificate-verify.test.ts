/**
 * verifyCertificate's refusals, each with its code: the checks of sshkey.c sshkey_cert_check_authority
 * (type, `valid after <= now < valid before`, principals) and auth-options.c cert_option_list (critical
 * options, source-address, flag extensions), the CA signature over every byte before the signature
 * (PROTOCOL.certkeys), CA trust and revocation. Certificates are hand-built and signed by a real CA key, so
 * each test breaks exactly one thing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import { type CryptoBackend, nobleCrypto, nodeCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { DecodeError, UsageError } from '../../src/errors.js';
import { type Certificate, parseCertificate } from '../../src/keys/certificate.js';
import { signCertificate } from '../../src/keys/certificate-sign.js';
import { type VerifyCertificateOptions, verifyCertificate } from '../../src/keys/certificate-verify.js';
import {
  generateKey,
  type PrivateKey,
  type PublicKey,
  publicKeyFrom,
  samePublicKey,
} from '../../src/keys/index.js';
import { buildRawCertificate, type RawCertificate, rawOptions, rawStrings } from './certificate-fixtures.js';

const backends: CryptoBackend[] = [nodeCrypto!, nobleCrypto];
const EMPTY = new Uint8Array(0);
const str = (s: string) => rawStrings([s]);

let ca: PrivateKey;
let otherCa: PrivateKey;
let ecdsaCa: PrivateKey;
let user: PrivateKey;

beforeAll(() => {
  ca = generateKey(nodeCrypto!, 'ssh-ed25519', { random: seededRandom('verify ca') });
  otherCa = generateKey(nodeCrypto!, 'ssh-ed25519', { random: seededRandom('verify other ca') });
  ecdsaCa = generateKey(nodeCrypto!, 'ecdsa-sha2-nistp384', { random: seededRandom('verify ecdsa ca') });
  user = generateKey(nodeCrypto!, 'ssh-ed25519', { random: seededRandom('verify user') });
});

describe.each(backends)('verifyCertificate on the $name backend', (crypto) => {
  const make = (f: Partial<RawCertificate> = {}, signer = ca): Certificate =>
    parseCertificate(buildRawCertificate(nodeCrypto!, signer, { key: user.publicKey, ...f }));
  const opts = (o: Partial<VerifyCertificateOptions> = {}): VerifyCertificateOptions => ({
    now: 1000,
    type: 'user',
    principal: 'alice',
    trustedCas: (k) => samePublicKey(k, ca.publicKey),
    ...o,
  });
  const code = (c: Certificate | Uint8Array, o: Partial<VerifyCertificateOptions> = {}) => {
    const v = verifyCertificate(crypto, c, opts(o));
    return v.ok ? 'ok' : v.code;
  };

  it('accepts a plain valid user certificate and grants nothing it does not list', () => {
    const v = verifyCertificate(crypto, make(), opts());
    expect(v).toEqual({
      ok: true,
      certificate: expect.anything(),
      authorizations: {
        forceCommand: null,
        sourceAddress: null,
        permitX11Forwarding: false,
        permitAgentForwarding: false,
        permitPortForwarding: false,
        permitPty: false,
        permitUserRc: false,
      },
    });
  });

  it('judges validity as valid after <= now < valid before, with Date or seconds', () => {
    const c = make({ validAfter: 100n, validBefore: 200n });
    expect([99, 100, 199, 200].map((now) => code(c, { now }))).toEqual([
      'not-yet-valid',
      'ok',
      'ok',
      'expired',
    ]);
    expect(code(c, { now: new Date(199_999) })).toBe('ok');
    expect(code(c, { now: new Date(200_000) })).toBe('expired');
    expect(code(c, { now: 150.9 })).toBe('ok');
  });

  it('throws a UsageError for a `now` that is not a time', () => {
    for (const now of [Number.NaN, -1, new Date(Number.NaN)])
      expect(() => verifyCertificate(crypto, make(), opts({ now }))).toThrow(UsageError);
  });

  it('matches user principals exactly (no globbing, no case folding) and host principals as globs', () => {
    const u = make({ principals: rawStrings(['alice', 'ops*']) });
    expect(code(u, { principal: 'alice' })).toBe('ok');
    expect(code(u, { principal: 'Alice' })).toBe('principal');
    expect(code(u, { principal: 'ops1' })).toBe('principal');
    expect(code(u, { principal: 'ops*' })).toBe('ok');
    expect(code(u, { principal: undefined })).toBe('ok'); // the caller matches principals itself
    const h = make({ certType: 2, principals: rawStrings(['*.example.com', 'db?.corp']) });
    const host = { type: 'host' as const };
    expect(code(h, { ...host, principal: 'a.example.com' })).toBe('ok');
    expect(code(h, { ...host, principal: 'db1.corp' })).toBe('ok');
    expect(code(h, { ...host, principal: 'db10.corp' })).toBe('principal');
    expect(code(h, { ...host, principal: 'example.com' })).toBe('principal');
  });

  it('refuses an empty principals list even when no principal is asked for', () => {
    const c = make({ principals: EMPTY });
    expect(code(c)).toBe('no-principals');
    expect(code(c, { principal: undefined })).toBe('no-principals');
    expect(code(make({ certType: 2, principals: EMPTY }), { type: 'host', principal: 'h' })).toBe(
      'no-principals',
    );
  });

  it('refuses the wrong role either way', () => {
    expect(code(make({ certType: 2 }))).toBe('wrong-type');
    expect(code(make({ certType: 1 }), { type: 'host' })).toBe('wrong-type');
  });

  it('refuses an untrusted CA and a revoked CA or key, passing the right key to each callback', () => {
    expect(code(make({}, otherCa))).toBe('untrusted-ca');
    const seen: PublicKey[] = [];
    const revokedCa = (k: PublicKey) => {
      seen.push(k);
      return samePublicKey(k, ca.publicKey);
    };
    expect(code(make(), { revoked: revokedCa })).toBe('revoked');
    expect(samePublicKey(seen[0], ca.publicKey)).toBe(true);
    expect(code(make(), { revoked: (k) => samePublicKey(k, user.publicKey) })).toBe('revoked');
    expect(code(make(), { revoked: (_, cert) => cert.serial === 2n })).toBe('ok');
    expect(code(make({ serial: 2n }), { revoked: (_, cert) => cert.serial === 2n })).toBe('revoked');
  });

  it('refuses CA signature algorithms that are not allowed', () => {
    const c = make({}, ecdsaCa);
    const trustedCas = (k: PublicKey) => samePublicKey(k, ecdsaCa.publicKey);
    expect(code(c, { trustedCas })).toBe('ok');
    expect(code(c, { trustedCas, caSignatureAlgorithms: ['ssh-ed25519'] })).toBe('ca-algorithm');
  });

  it('refuses an RSA key under the minimum size', () => {
    // An odd 1024-bit modulus passes the parser's checks; the verifier's policy (default 2048) refuses it.
    const weak = publicKeyFrom({ type: 'ssh-rsa', rsa: { n: (1n << 1023n) + 12345n, e: 65537n } });
    const c = make({ key: weak });
    expect(code(c)).toBe('weak-key');
    expect(code(c, { minRsaBits: 1024 })).toBe('ok');
  });

  describe('critical options and extensions', () => {
    const crit = (pairs: [string, Uint8Array][]) => make({ critical: rawOptions(pairs) });

    it('reports force-command and source-address, and the flag extensions', () => {
      const c = make({
        critical: rawOptions([
          ['force-command', str('internal-sftp')],
          ['source-address', str('10.1.0.0/16')],
        ]),
        extensions: rawOptions([
          ['permit-pty', EMPTY],
          ['permit-user-rc', EMPTY],
          ['x@example.com', str('v')],
        ]),
      });
      const v = verifyCertificate(crypto, c, opts({ sourceAddress: '10.1.2.3' }));
      expect(v.ok && v.authorizations).toMatchObject({
        forceCommand: 'internal-sftp',
        sourceAddress: '10.1.0.0/16',
        permitPty: true,
        permitUserRc: true,
        permitPortForwarding: false,
      });
    });

    it('refuses an unknown critical option, including verify-required (security keys only)', () => {
      expect(code(crit([['no-such-option@example.com', EMPTY]]))).toBe('critical-option');
      expect(code(crit([['verify-required', EMPTY]]))).toBe('critical-option');
    });

    it('refuses malformed force-command and source-address data', () => {
      expect(code(crit([['force-command', EMPTY]]))).toBe('bad-option');
      expect(code(crit([['force-command', rawStrings(['a', 'b'])]]))).toBe('bad-option');
      expect(code(crit([['force-command', utf8('\0\0\0\x05ab')]]))).toBe('bad-option');
      for (const bad of ['', '10.0.0.0/8,', 'example.com', '10.0.0.1/8', '10.0.0.0/33', '*'])
        expect(code(crit([['source-address', str(bad)]]), { sourceAddress: '10.0.0.1' })).toBe('bad-option');
    });

    it('refuses a source address outside the list, and a restricted certificate when no address is given', () => {
      const c = crit([['source-address', str('192.0.2.0/24,2001:db8::/32')]]);
      expect(code(c, { sourceAddress: '192.0.2.200' })).toBe('ok');
      expect(code(c, { sourceAddress: '2001:db8:1::5' })).toBe('ok');
      expect(code(c, { sourceAddress: '::ffff:192.0.2.9' })).toBe('ok');
      expect(code(c, { sourceAddress: '192.0.3.1' })).toBe('source-address');
      expect(code(c, { sourceAddress: 'not an address' })).toBe('source-address');
      expect(code(c)).toBe('source-address');
    });

    it('refuses a known flag extension that carries data; ignores unknown extensions with data', () => {
      expect(code(make({ extensions: rawOptions([['permit-pty', str('yes')]]) }))).toBe('bad-option');
      expect(code(make({ extensions: rawOptions([['unknown@example.com', str('yes')]]) }))).toBe('ok');
    });

    it('refuses any critical option on a host certificate', () => {
      const h = make({ certType: 2, critical: rawOptions([['force-command', str('true')]]) });
      expect(code(h, { type: 'host', principal: 'alice' })).toBe('critical-option');
    });
  });

  it('turns a malformed blob into a malformed verdict', () => {
    const blob = buildRawCertificate(nodeCrypto!, ca, { key: user.publicKey });
    expect(code(blob)).toBe('ok');
    expect(code(blob.subarray(0, blob.length - 1))).toBe('malformed');
  });

  it('refuses the certificate after any single byte is flipped, in every field', () => {
    const blob = signCertificate(nodeCrypto!, {
      publicKey: user.publicKey,
      caKey: ca,
      type: 'user',
      keyId: 'flip',
      principals: ['alice'],
      validAfter: 0,
      validBefore: 5000,
      criticalOptions: { 'force-command': 'ls' },
      extensions: ['permit-pty'],
      random: seededRandom('flip every byte'),
    });
    expect(code(blob)).toBe('ok');
    const outcomes = new Set<string>();
    for (let i = 0; i < blob.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const b = blob.slice();
        b[i] ^= mask;
        let outcome: string;
        try {
          outcome = code(parseCertificate(b));
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          outcome = 'DecodeError';
        }
        if (outcome === 'ok') throw new Error(`flipping byte ${i} with ${mask} was accepted`);
        outcomes.add(outcome);
      }
    }
    // Most flips break the signature; those in lengths and names fail to parse.
    expect(outcomes).toContain('bad-signature');
    expect(outcomes).toContain('DecodeError');
  });
});
