/**
 * Certificate codec (PROTOCOL.certkeys "New public key formats", "Critical options", "Extensions"): strict
 * parsing of hand-built blobs signed by a real CA key, signing inputs and their usage errors, certificate
 * lines, and the cert algorithm names with signatures made by the certified key. Interop with ssh-keygen is in
 * certificate-keygen.test.ts; the verifier's refusals are in certificate-verify.test.ts.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64, utf8 } from '../../src/crypto/bytes.js';
import { type CryptoBackend, nobleCrypto, nodeCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { DecodeError, UsageError } from '../../src/errors.js';
import {
  CERT_VALID_FOREVER,
  isCertificate,
  parseCertificate,
  parsePublicKeyOrCertificate,
} from '../../src/keys/certificate.js';
import { verifyKeyOrCertificateSignature, verifyWithCertificate } from '../../src/keys/certificate-auth.js';
import { formatCertificateLine, parseCertificateLine } from '../../src/keys/certificate-line.js';
import { optionStringValue } from '../../src/keys/certificate-options.js';
import { signCertificate } from '../../src/keys/certificate-sign.js';
import {
  type CertificateKeyType,
  certificateKeyTypeFor,
  certificateKeyTypeOfAlgorithm,
  certificateSignatureAlgorithms,
  certifiedKeyType,
  isCertificateKeyType,
  plainSignatureAlgorithm,
} from '../../src/keys/certificate-types.js';
import { generateKey, type KeyType, type PrivateKey, type PublicKey } from '../../src/keys/index.js';
import { buildRawCertificate, rawOptions, rawStrings } from './certificate-fixtures.js';

const crypto = nodeCrypto!;
const backends: CryptoBackend[] = [nodeCrypto!, nobleCrypto];
const EMPTY = new Uint8Array(0);
const str = (s: string) => rawStrings([s]);

let ca: PrivateKey;
let user: PrivateKey;
const keysByType = {} as Record<KeyType, PrivateKey>;

beforeAll(() => {
  ca = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('cert test ca') });
  user = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('cert test user') });
  for (const t of [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
  ] as const)
    keysByType[t] = generateKey(crypto, t, { random: seededRandom(`cert test ${t}`) });
  keysByType['ssh-rsa'] = generateKey(crypto, 'ssh-rsa', { bits: 2048 });
});

const raw = (f: Partial<Parameters<typeof buildRawCertificate>[2]> = {}) =>
  buildRawCertificate(crypto, ca, { key: user.publicKey, ...f });

describe('parseCertificate', () => {
  it('reads every field of a hand-built certificate', () => {
    const cert = parseCertificate(
      raw({
        nonce: utf8('nonce-bytes'),
        serial: 0xffff_ffff_ffff_ffffn,
        certType: 2,
        keyId: 'host-7',
        principals: rawStrings(['a.example', 'b.example']),
        validAfter: 5n,
        validBefore: 6n,
        critical: rawOptions([['zz@example.com', str('v')]]),
        extensions: rawOptions([['permit-pty', EMPTY]]),
        reserved: utf8('future'),
      }),
    );
    expect(cert).toMatchObject({
      type: 'ssh-ed25519-cert-v01@openssh.com',
      serial: 0xffff_ffff_ffff_ffffn,
      certType: 'host',
      keyId: 'host-7',
      principals: ['a.example', 'b.example'],
      validAfter: 5n,
      validBefore: 6n,
      signatureAlgorithm: 'ssh-ed25519',
    });
    expect(cert.nonce).toEqual(utf8('nonce-bytes'));
    expect(cert.reserved).toEqual(utf8('future'));
    expect(cert.publicKey.blob).toEqual(user.publicKey.blob);
    expect(cert.signatureKey.blob).toEqual(ca.publicKey.blob);
    expect([...cert.criticalOptions]).toEqual([['zz@example.com', str('v')]]);
    expect([...cert.extensions]).toEqual([['permit-pty', EMPTY]]);
    // The signed region ends where the signature string starts.
    expect(cert.signedData.length + 4 + cert.signature.length).toBe(cert.blob.length);
  });

  it('keeps its own copy of the input', () => {
    const blob = raw();
    const cert = parseCertificate(blob);
    blob.fill(0);
    expect(cert.keyId).toBe('raw');
    expect(cert.blob[3]).not.toBe(0);
  });

  it.each([
    [
      'critical options out of order',
      {
        critical: rawOptions([
          ['source-address', str('::1')],
          ['force-command', str('x')],
        ]),
      },
    ],
    [
      'critical options repeated',
      {
        critical: rawOptions([
          ['force-command', str('a')],
          ['force-command', str('b')],
        ]),
      },
    ],
    [
      'extensions out of order',
      {
        extensions: rawOptions([
          ['permit-pty', EMPTY],
          ['permit-agent-forwarding', EMPTY],
        ]),
      },
    ],
    // strcmp order: 'X' (0x58) sorts before 'a' (0x61), whatever a locale-aware sort says.
    [
      'extensions in locale order, not byte order',
      {
        extensions: rawOptions([
          ['permit-agent-forwarding', EMPTY],
          ['permit-X11-forwarding', EMPTY],
        ]),
      },
    ],
    [
      'extensions repeated',
      {
        extensions: rawOptions([
          ['permit-pty', EMPTY],
          ['permit-pty', EMPTY],
        ]),
      },
    ],
    ['an empty option name', { extensions: rawOptions([['', EMPTY]]) }],
    ['a NUL in an option name', { extensions: rawOptions([['permit\0-pty', EMPTY]]) }],
    ['an option without its data', { critical: rawStrings(['force-command']) }],
    ['certificate type 0', { certType: 0 }],
    ['certificate type 3', { certType: 3 }],
    ['257 principals', { principals: rawStrings(Array.from({ length: 257 }, (_, i) => `p${i}`)) }],
    ['a NUL inside a principal', { principals: rawStrings(['ali\0ce']) }],
    ['a truncated principal', { principals: utf8('\0\0\0\x09alice') }],
    ['a NUL inside the key id', { keyId: 'a\0b' }],
    ['a certificate type name that is not a certificate', { type: 'ssh-ed25519' }],
    ['a DSA certificate', { type: 'ssh-dss-cert-v01@openssh.com' }],
    ['a type name that disagrees with the key fields', { type: 'ecdsa-sha2-nistp256-cert-v01@openssh.com' }],
    ['a plain key blob as CA key with garbage', { signatureKey: utf8('\0\0\0\x0bssh-ed25519\0\0\0\x01x') }],
  ])('refuses %s with a DecodeError', (_, fields) => {
    expect(() => parseCertificate(raw(fields))).toThrow(DecodeError);
  });

  it('refuses a key id that is not UTF-8', () => {
    expect(() => parseCertificate(patchKeyId(raw({ keyId: 'abc' }), 0xff))).toThrow(
      /key id is not valid UTF-8/,
    );
  });

  it('accepts exactly 256 principals (OpenSSH SSHKEY_CERT_MAX_PRINCIPALS)', () => {
    const principals = Array.from({ length: 256 }, (_, i) => `p${i}`);
    expect(parseCertificate(raw({ principals: rawStrings(principals) })).principals).toEqual(principals);
  });

  it('refuses a CA key that is itself a certificate (PROTOCOL.certkeys: no chained certificates)', () => {
    const inner = raw();
    expect(() => parseCertificate(raw({ signatureKey: inner }))).toThrow(/chained certificates/);
  });

  it('refuses trailing bytes after the signature, and a signature blob with trailing bytes', () => {
    const blob = raw();
    const longer = new Uint8Array(blob.length + 1);
    longer.set(blob);
    expect(() => parseCertificate(longer)).toThrow(DecodeError);
    // Grow the signature string by one byte: the outer layout is fine, the signature blob is not.
    const sigStart = parseCertificate(blob).signedData.length;
    const grown = new Uint8Array(blob.length + 1);
    grown.set(blob);
    const view = new DataView(grown.buffer);
    view.setUint32(sigStart, view.getUint32(sigStart) + 1);
    expect(() => parseCertificate(grown)).toThrow(DecodeError);
  });

  it('refuses every truncation with a DecodeError', () => {
    const blob = raw({ critical: rawOptions([['force-command', str('ls')]]) });
    for (let n = 0; n < blob.length; n++)
      expect(() => parseCertificate(blob.subarray(0, n))).toThrow(DecodeError);
  });

  it('random mutations give a certificate or a DecodeError, never another exception', () => {
    const blob = raw({ extensions: rawOptions([['permit-pty', EMPTY]]) });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(blob.length - 1), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (edits) => {
          const b = blob.slice();
          for (const [i, x] of edits) b[i] ^= x;
          try {
            parseCertificate(b);
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        },
      ),
      { seed: 4242, numRuns: 2000 },
    );
  });

  it('parsePublicKeyOrCertificate tells plain keys and certificates apart', () => {
    const plain = parsePublicKeyOrCertificate(user.publicKey.blob);
    const cert = parsePublicKeyOrCertificate(raw());
    expect(isCertificate(plain)).toBe(false);
    expect(isCertificate(cert)).toBe(true);
    expect(() => parsePublicKeyOrCertificate(utf8('\0\0\0\x1cssh-dss-cert-v01@openssh.com'))).toThrow(
      DecodeError,
    );
  });
});

/** Replaces the first byte of the key id 'abc' (found by value) with `byte`; parsing fails before any signature check. */
function patchKeyId(blob: Uint8Array, byte: number): Uint8Array {
  const b = blob.slice();
  for (let i = 0; i + 7 <= b.length; i++) {
    if (
      b[i] === 0 &&
      b[i + 1] === 0 &&
      b[i + 2] === 0 &&
      b[i + 3] === 3 &&
      b[i + 4] === 0x61 &&
      b[i + 5] === 0x62
    ) {
      b[i + 4] = byte;
      return b;
    }
  }
  throw new Error('key id not found');
}

describe('signCertificate', () => {
  const base = () => ({
    publicKey: user.publicKey,
    caKey: ca,
    type: 'user' as const,
    keyId: 'alice@corp',
    principals: ['alice'],
    random: seededRandom('sign'),
  });

  it('writes exactly the fields it is given', () => {
    const cert = parseCertificate(
      signCertificate(crypto, {
        ...base(),
        serial: 77n,
        validAfter: new Date('2030-01-01T00:00:00.999Z'),
        validBefore: 1900000000.5,
        criticalOptions: { 'source-address': '10.0.0.0/8', 'force-command': 'uptime', 'x@example.com': true },
        extensions: { 'permit-pty': true, 'raw@example.com': utf8('\x01\x02'), 'login@example.com': 'alice' },
        nonce: utf8('0123456789abcdef'),
      }),
    );
    expect(cert).toMatchObject({ serial: 77n, certType: 'user', keyId: 'alice@corp', principals: ['alice'] });
    expect([cert.validAfter, cert.validBefore]).toEqual([1893456000n, 1900000000n]);
    expect(cert.nonce).toEqual(utf8('0123456789abcdef'));
    expect([...cert.criticalOptions.keys()]).toEqual(['force-command', 'source-address', 'x@example.com']);
    expect(optionStringValue('force-command', cert.criticalOptions.get('force-command')!)).toBe('uptime');
    expect(cert.criticalOptions.get('x@example.com')).toEqual(EMPTY);
    expect([...cert.extensions]).toEqual([
      ['login@example.com', str('alice')],
      ['permit-pty', EMPTY],
      ['raw@example.com', utf8('\x01\x02')],
    ]);
    expect(cert.reserved).toEqual(EMPTY);
  });

  it('defaults: serial 0, valid forever, no options, 32-byte nonce from the RandomSource', () => {
    const cert = parseCertificate(signCertificate(crypto, base()));
    expect(cert).toMatchObject({ serial: 0n, validAfter: 0n, validBefore: CERT_VALID_FOREVER });
    expect(cert.criticalOptions.size + cert.extensions.size).toBe(0);
    expect(cert.nonce).toEqual(seededRandom('sign')(32));
  });

  it('is deterministic for an Ed25519 CA and a seeded nonce', () => {
    expect(signCertificate(crypto, base())).toEqual(signCertificate(nobleCrypto, base()));
  });

  it.each([
    ['no principals', { principals: [] }],
    ['257 principals', { principals: Array.from({ length: 257 }, (_, i) => `p${i}`) }],
    ['a NUL in a principal', { principals: ['a\0'] }],
    ['a NUL in the key id', { keyId: 'a\0' }],
    ['an empty validity interval', { validAfter: 10, validBefore: 10 }],
    ['a negative time', { validAfter: -1 }],
    ['a time past uint64', { validBefore: 1n << 64n }],
    ['a negative serial', { serial: -1n }],
    ['a bad certificate role', { type: 'admin' }],
    ['a flag named twice', { extensions: ['permit-pty', 'permit-pty'] }],
    ['an empty option name', { criticalOptions: { '': true } }],
    ['a NUL in an option value', { criticalOptions: { 'force-command': 'a\0b' } }],
    ['an algorithm the CA cannot make', { signatureAlgorithm: 'rsa-sha2-256' }],
    ['no nonce and no RandomSource', { random: undefined }],
  ])('refuses %s with a UsageError', (_, patch) => {
    expect(() => signCertificate(crypto, { ...base(), ...(patch as object) })).toThrow(UsageError);
  });
  it('refuses to certify a certificate', () => {
    const asKey = parseCertificate(raw()) as unknown as PublicKey;
    expect(() => signCertificate(crypto, { ...base(), publicKey: asKey })).toThrow(UsageError);
  });
});

describe('certificate lines', () => {
  it('format and parse round-trip, with the comment and a CRLF ending', () => {
    const blob = raw();
    const line = formatCertificateLine(blob, 'alice@laptop');
    expect(line).toBe(`ssh-ed25519-cert-v01@openssh.com ${toBase64(blob)} alice@laptop`);
    const back = parseCertificateLine(`${line}\r\n`);
    expect(back.comment).toBe('alice@laptop');
    expect(back.certificate.blob).toEqual(blob);
    expect(formatCertificateLine(back.certificate)).toBe(line.replace(' alice@laptop', ''));
  });

  it.each([
    ['a plain key type word', (b64: string) => `ssh-ed25519 ${b64}`],
    ['a type word naming another certificate type', (b64: string) => `ssh-rsa-cert-v01@openssh.com ${b64}`],
    ['bad base64', (b64: string) => `ssh-ed25519-cert-v01@openssh.com ${b64.slice(1)}`],
    ['no key', () => 'ssh-ed25519-cert-v01@openssh.com'],
    ['an over-long line', (b64: string) => `ssh-ed25519-cert-v01@openssh.com ${b64} ${'x'.repeat(70000)}`],
  ])('refuses %s', (_, make) => {
    expect(() => parseCertificateLine(make(toBase64(raw())))).toThrow(DecodeError);
  });

  it('decodes the base64 it formats', () => {
    const blob = raw();
    expect(fromBase64(formatCertificateLine(blob).split(' ')[1])).toEqual(blob);
  });
});

describe('certificate algorithm names', () => {
  it('maps certificate types, algorithm names and plain signature algorithms (PROTOCOL.certkeys)', () => {
    expect(certificateSignatureAlgorithms('ssh-rsa-cert-v01@openssh.com')).toEqual([
      'rsa-sha2-512-cert-v01@openssh.com',
      'rsa-sha2-256-cert-v01@openssh.com',
      'ssh-rsa-cert-v01@openssh.com',
    ]);
    expect(certificateSignatureAlgorithms('ssh-ed25519-cert-v01@openssh.com')).toEqual([
      'ssh-ed25519-cert-v01@openssh.com',
    ]);
    expect(plainSignatureAlgorithm('rsa-sha2-256-cert-v01@openssh.com')).toBe('rsa-sha2-256');
    expect(plainSignatureAlgorithm('ssh-rsa-cert-v01@openssh.com')).toBe('ssh-rsa');
    expect(plainSignatureAlgorithm('ecdsa-sha2-nistp384-cert-v01@openssh.com')).toBe('ecdsa-sha2-nistp384');
    expect(certificateKeyTypeOfAlgorithm('rsa-sha2-512-cert-v01@openssh.com')).toBe(
      'ssh-rsa-cert-v01@openssh.com',
    );
    expect(certificateKeyTypeFor('ecdsa-sha2-nistp521')).toBe('ecdsa-sha2-nistp521-cert-v01@openssh.com');
    expect(certifiedKeyType('ssh-rsa-cert-v01@openssh.com')).toBe('ssh-rsa');
    // The SHA-2 RSA names select a signature hash; they never name a certificate blob.
    expect(isCertificateKeyType('rsa-sha2-512-cert-v01@openssh.com')).toBe(false);
    expect(isCertificateKeyType('toString')).toBe(false);
  });
});

describe.each(backends)('verifyWithCertificate ($name backend)', (backend) => {
  const DATA = utf8('session id and USERAUTH_REQUEST fields');
  const certOf = (t: KeyType) =>
    signCertificate(nodeCrypto!, {
      publicKey: keysByType[t].publicKey,
      caKey: ca,
      type: 'user',
      keyId: t,
      principals: ['alice'],
      random: seededRandom(t),
    });

  it.each([
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'ssh-rsa',
  ] as const)('%s: the certified key signs under each algorithm name of its certificate type', (t) => {
    const blob = certOf(t);
    const certType = certificateKeyTypeFor(t) as CertificateKeyType;
    for (const alg of certificateSignatureAlgorithms(certType)) {
      const sig = keysByType[t].sign(nodeCrypto!, DATA, plainSignatureAlgorithm(alg));
      expect(verifyWithCertificate(backend, blob, sig, DATA, alg)).toBe(true);
      expect(verifyWithCertificate(backend, parseCertificate(blob), sig, DATA, alg)).toBe(true);
      expect(verifyWithCertificate(backend, blob, sig, utf8('other data'), alg)).toBe(false);
      // The plain name alone is not a certificate algorithm.
      expect(verifyWithCertificate(backend, blob, sig, DATA, plainSignatureAlgorithm(alg))).toBe(false);
    }
  });

  it('refuses a signature whose hash disagrees with the algorithm name', () => {
    const blob = certOf('ssh-rsa');
    const sig512 = keysByType['ssh-rsa'].sign(nodeCrypto!, DATA, 'rsa-sha2-512');
    expect(verifyWithCertificate(backend, blob, sig512, DATA, 'rsa-sha2-256-cert-v01@openssh.com')).toBe(
      false,
    );
    expect(verifyWithCertificate(backend, blob, sig512, DATA, 'ssh-rsa-cert-v01@openssh.com')).toBe(false);
  });

  it('refuses an algorithm name for another certificate type, another signer, a malformed certificate', () => {
    const blob = certOf('ecdsa-sha2-nistp256');
    const sig = keysByType['ecdsa-sha2-nistp256'].sign(nodeCrypto!, DATA);
    expect(verifyWithCertificate(backend, blob, sig, DATA, 'ecdsa-sha2-nistp384-cert-v01@openssh.com')).toBe(
      false,
    );
    expect(verifyWithCertificate(backend, blob, sig, DATA, 'ssh-ed25519-cert-v01@openssh.com')).toBe(false);
    const byCa = ca.sign(nodeCrypto!, DATA);
    expect(
      verifyWithCertificate(backend, certOf('ssh-ed25519'), byCa, DATA, 'ssh-ed25519-cert-v01@openssh.com'),
    ).toBe(false);
    expect(
      verifyWithCertificate(
        backend,
        blob.subarray(0, 40),
        sig,
        DATA,
        'ecdsa-sha2-nistp256-cert-v01@openssh.com',
      ),
    ).toBe(false);
  });

  it('verifyKeyOrCertificateSignature dispatches on the algorithm name, plain or certificate', () => {
    const t = 'ssh-rsa';
    const blob = certOf(t);
    const sig = keysByType[t].sign(nodeCrypto!, DATA, 'rsa-sha2-256');
    const plain = keysByType[t].publicKey.blob;
    expect(
      verifyKeyOrCertificateSignature(backend, 'rsa-sha2-256-cert-v01@openssh.com', blob, sig, DATA),
    ).toBe(true);
    expect(verifyKeyOrCertificateSignature(backend, 'rsa-sha2-256', plain, sig, DATA)).toBe(true);
    // A certificate blob under a plain name, or a plain key under a certificate name, never verifies.
    expect(verifyKeyOrCertificateSignature(backend, 'rsa-sha2-256', blob, sig, DATA)).toBe(false);
    expect(
      verifyKeyOrCertificateSignature(backend, 'rsa-sha2-256-cert-v01@openssh.com', plain, sig, DATA),
    ).toBe(false);
    expect(verifyKeyOrCertificateSignature(backend, 'rsa-sha2-512', plain, sig, DATA)).toBe(false);
    expect(verifyKeyOrCertificateSignature(backend, 'no-such-alg', plain, sig, DATA)).toBe(false);
    expect(verifyKeyOrCertificateSignature(backend, 'rsa-sha2-256', plain.subarray(0, 9), sig, DATA)).toBe(
      false,
    );
  });
});
