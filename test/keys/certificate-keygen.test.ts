/**
 * OpenSSH certificates (PROTOCOL.certkeys) against the real `ssh-keygen`, in both directions:
 * - certificates made by `ssh-keygen -s` for every key type (user and host, principals, validity, force-command,
 *   source-address, extensions, custom options) parse to exactly the fields `ssh-keygen -L` prints, and verify
 *   with our verifier against their CA on both crypto backends;
 * - certificates we sign are loaded by `ssh-keygen -L` (which checks the CA signature while parsing, sshkey.c
 *   cert_parse) and printed with exactly our fields; a byte flipped in our signature makes it refuse them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CryptoBackend, nobleCrypto, nodeCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { type Certificate, parseCertificate } from '../../src/keys/certificate.js';
import { formatCertificateLine, parseCertificateLine } from '../../src/keys/certificate-line.js';
import { DEFAULT_USER_EXTENSIONS, signCertificate } from '../../src/keys/certificate-sign.js';
import { verifyCertificate } from '../../src/keys/certificate-verify.js';
import {
  type KeyType,
  type PrivateKey,
  parseOpenSshPrivateKey,
  parsePublicKeyLine,
  type SignatureAlgorithm,
  samePublicKey,
} from '../../src/keys/index.js';
import { keygenShow, keygenUtc, renderLikeKeygen } from './certificate-fixtures.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, tempDir } from './ssh-keygen.js';

const backends: CryptoBackend[] = [nodeCrypto!, nobleCrypto];
const tmp = tempDir();
const keys = {} as Record<KeyType, { key: PrivateKey; path: string; pub: string; comment: string }>;
/** Each key type is certified by the next type's CA, so every CA type and every key type appear. */
const cas = {} as Record<KeyType, { key: PrivateKey; path: string }>;
const caFor = (t: KeyType) => KEYGEN_FIXTURES[(KEYGEN_FIXTURES.findIndex((f) => f.type === t) + 1) % 5].type;

// 2024-01-01T00:00:00Z .. 2035-01-01T00:00:00Z
const FROM = 1704067200n;
const TO = 2051222400n;
const INSIDE = 1800000000; // 2027-01-15

interface KeygenCert {
  path: string;
  text: string;
  cert: Certificate;
}
const userCerts = {} as Record<KeyType, KeygenCert>;
const hostCerts = {} as Record<KeyType, KeygenCert>;

function keygenSign(t: KeyType, name: string, args: string[]): KeygenCert {
  const certPath = join(tmp.dir, `${name}-cert.pub`);
  const pubCopy = join(tmp.dir, `${name}.pub`);
  writeFileSync(pubCopy, readFileSync(keys[t].pub, 'utf8'));
  keygenUtc(['-q', '-s', cas[caFor(t)].path, ...args, pubCopy]);
  const text = readFileSync(certPath, 'utf8');
  return { path: certPath, text, cert: parseCertificateLine(text).certificate };
}

beforeAll(() => {
  for (const f of KEYGEN_FIXTURES) {
    const name = `k_${f.t}${f.bits ?? ''}`;
    const k = generateWithSshKeygen(tmp.dir, name, f);
    keys[f.type] = {
      key: parseOpenSshPrivateKey(k.privateText),
      path: k.path,
      pub: `${k.path}.pub`,
      comment: `${name}@rxssh-test`,
    };
    const c = generateWithSshKeygen(tmp.dir, `ca_${f.t}${f.bits ?? ''}`, f);
    cas[f.type] = { key: parseOpenSshPrivateKey(c.privateText), path: c.path };
  }
  for (const f of KEYGEN_FIXTURES) {
    userCerts[f.type] = keygenSign(f.type, `user_${f.t}${f.bits ?? ''}`, [
      ...['-I', `user id ${f.type}`, '-n', 'alice,bob', '-z', '12345678901234'],
      ...['-V', '20240101000000:20350101000000'],
      ...['-O', 'force-command=/usr/bin/rsync --server', '-O', 'source-address=192.0.2.0/24,2001:db8::/32'],
      ...['-O', 'no-x11-forwarding', '-O', 'extension:login@example.com=alice'],
    ]);
    hostCerts[f.type] = keygenSign(f.type, `host_${f.t}${f.bits ?? ''}`, [
      ...['-h', '-I', `host ${f.type}`, '-n', 'db1.example.com,*.internal.example.com'],
      ...['-V', '20240101000000:20350101000000'],
    ]);
  }
}, 120_000);
afterAll(() => tmp.cleanup());

describe.each(KEYGEN_FIXTURES)('$type certificates made by ssh-keygen -s', (f) => {
  it('user certificate: every field equals what ssh-keygen -L prints', () => {
    const { path, cert } = userCerts[f.type];
    expect(renderLikeKeygen(path, cert)).toBe(keygenUtc(['-L', '-f', path]));
    expect(cert.type).toBe(`${f.type}-cert-v01@openssh.com`);
    expect(cert.certType).toBe('user');
    expect(cert.serial).toBe(12345678901234n);
    expect(cert.keyId).toBe(`user id ${f.type}`);
    expect(cert.principals).toEqual(['alice', 'bob']);
    expect([cert.validAfter, cert.validBefore]).toEqual([FROM, TO]);
    expect([...cert.criticalOptions.keys()]).toEqual(['force-command', 'source-address']);
    expect([...cert.extensions.keys()]).toEqual([
      'login@example.com',
      'permit-agent-forwarding',
      'permit-port-forwarding',
      'permit-pty',
      'permit-user-rc',
    ]);
    expect(cert.nonce.length).toBe(32);
    expect(samePublicKey(cert.publicKey, keys[f.type].key.publicKey)).toBe(true);
    expect(samePublicKey(cert.signatureKey, cas[caFor(f.type)].key.publicKey)).toBe(true);
  });

  it('host certificate: every field equals what ssh-keygen -L prints', () => {
    const { path, cert } = hostCerts[f.type];
    expect(renderLikeKeygen(path, cert)).toBe(keygenUtc(['-L', '-f', path]));
    expect(cert.certType).toBe('host');
    expect(cert.principals).toEqual(['db1.example.com', '*.internal.example.com']);
    expect(cert.criticalOptions.size).toBe(0);
    expect(cert.extensions.size).toBe(0);
  });

  it('the -cert.pub line keeps the key comment and formats back byte for byte', () => {
    const { text, cert } = userCerts[f.type];
    expect(parseCertificateLine(text).comment).toBe(keys[f.type].comment);
    expect(`${formatCertificateLine(cert, keys[f.type].comment)}\n`).toBe(text);
  });

  describe.each(backends)('verified on the $name backend', (crypto) => {
    const trusted = (t: KeyType) => (ca: Parameters<typeof samePublicKey>[0]) =>
      samePublicKey(ca, cas[caFor(t)].key.publicKey);

    it('accepts the user certificate for alice from 192.0.2.7 and reports its options', () => {
      const v = verifyCertificate(crypto, userCerts[f.type].cert, {
        now: INSIDE,
        type: 'user',
        principal: 'alice',
        trustedCas: trusted(f.type),
        sourceAddress: '192.0.2.7',
      });
      expect(v).toMatchObject({
        ok: true,
        authorizations: {
          forceCommand: '/usr/bin/rsync --server',
          sourceAddress: '192.0.2.0/24,2001:db8::/32',
          permitX11Forwarding: false,
          permitAgentForwarding: true,
          permitPortForwarding: true,
          permitPty: true,
          permitUserRc: true,
        },
      });
    });

    it('refuses the user certificate for carol, from 198.51.100.1, as a host, or under another CA', () => {
      const base = {
        now: INSIDE,
        type: 'user' as const,
        trustedCas: trusted(f.type),
        sourceAddress: '192.0.2.7',
      };
      const cert = userCerts[f.type].cert;
      expect(verifyCertificate(crypto, cert, { ...base, principal: 'carol' })).toMatchObject({
        code: 'principal',
      });
      expect(
        verifyCertificate(crypto, cert, { ...base, principal: 'alice', sourceAddress: '198.51.100.1' }),
      ).toMatchObject({ code: 'source-address' });
      expect(verifyCertificate(crypto, cert, { ...base, type: 'host', principal: 'alice' })).toMatchObject({
        code: 'wrong-type',
      });
      expect(verifyCertificate(crypto, cert, { ...base, trustedCas: trusted(caFor(f.type)) })).toMatchObject({
        code: 'untrusted-ca',
      });
    });

    it('accepts the host certificate for its exact and wildcard principals, refuses other hosts', () => {
      const base = { now: INSIDE, type: 'host' as const, trustedCas: trusted(f.type) };
      const cert = hostCerts[f.type].cert;
      expect(verifyCertificate(crypto, cert, { ...base, principal: 'db1.example.com' }).ok).toBe(true);
      expect(verifyCertificate(crypto, cert, { ...base, principal: 'web.internal.example.com' }).ok).toBe(
        true,
      );
      expect(verifyCertificate(crypto, cert, { ...base, principal: 'db2.example.com' })).toMatchObject({
        code: 'principal',
      });
      expect(
        verifyCertificate(crypto, cert, { ...base, now: Number(TO), principal: 'db1.example.com' }),
      ).toMatchObject({ code: 'expired' });
    });
  });
});

/** The CA signature algorithms each CA type can use with ssh-keygen -s -t (RSA: all three hashes). */
const CA_ALGORITHMS: [KeyType, SignatureAlgorithm][] = [
  ['ssh-ed25519', 'ssh-ed25519'],
  ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256'],
  ['ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp384'],
  ['ecdsa-sha2-nistp521', 'ecdsa-sha2-nistp521'],
  ['ssh-rsa', 'rsa-sha2-512'],
  ['ssh-rsa', 'rsa-sha2-256'],
  ['ssh-rsa', 'ssh-rsa'],
];

describe.each(backends)('certificates we sign, read by ssh-keygen -L ($name backend)', (crypto) => {
  describe.each(KEYGEN_FIXTURES)('$type key', (f) => {
    it.each(CA_ALGORITHMS)(
      'signed by a %s CA with %s: ssh-keygen prints exactly our fields',
      (caType, alg) => {
        const ca = cas[caType].key;
        const blob = signCertificate(crypto, {
          publicKey: keys[f.type].key.publicKey,
          caKey: ca,
          type: 'user',
          keyId: `ours ${f.type} by ${alg}`,
          principals: ['alice', 'deploy'],
          validAfter: new Date('2024-06-01T12:00:00Z'),
          validBefore: 2051222400,
          serial: 0xffff_ffff_ffff_fffen,
          criticalOptions: { 'source-address': '10.0.0.0/8,::1', 'force-command': 'uptime' },
          extensions: [...DEFAULT_USER_EXTENSIONS].reverse(), // sorted by the encoder, whatever the input order
          random: seededRandom(`nonce ${f.type} ${alg}`),
          signatureAlgorithm: alg,
        });
        const cert = parseCertificate(blob);
        const name = `ours_${f.t}${f.bits ?? ''}_${alg}-cert.pub`;
        const shown = keygenShow(tmp.dir, name, cert, 'ours');
        expect(shown).toBe(renderLikeKeygen(join(tmp.dir, name), cert));
        expect(shown).toContain(`(using ${alg})`);
        expect(shown).toContain('Valid: from 2024-06-01T12:00:00 to 2035-01-01T00:00:00');
        expect(shown).toContain('Serial: 18446744073709551614');
        const verdict = verifyCertificate(crypto, cert, {
          now: INSIDE,
          type: 'user',
          principal: 'deploy',
          trustedCas: (k) => samePublicKey(k, ca.publicKey),
          sourceAddress: '::1',
          caSignatureAlgorithms: [alg],
        });
        expect(verdict.ok).toBe(true);
      },
    );

    it('host certificate with default validity: ssh-keygen prints "forever" and our principals', () => {
      const ca = cas[caFor(f.type)].key;
      const blob = signCertificate(crypto, {
        publicKey: keys[f.type].key.publicKey,
        caKey: ca,
        type: 'host',
        keyId: 'host key',
        principals: ['ssh.example.com', '192.0.2.10'],
        nonce: new Uint8Array(16).fill(0xa5),
      });
      const cert = parseCertificate(blob);
      const name = `ours_host_${f.t}${f.bits ?? ''}-cert.pub`;
      const shown = keygenShow(tmp.dir, name, cert);
      expect(shown).toBe(renderLikeKeygen(join(tmp.dir, name), cert));
      expect(shown).toContain('Valid: forever');
      expect(shown).toContain('host certificate');
    });
  });

  it('ssh-keygen refuses our certificate once a byte of the CA signature is flipped', () => {
    const ca = cas['ssh-ed25519'].key;
    const blob = signCertificate(crypto, {
      publicKey: keys['ecdsa-sha2-nistp256'].key.publicKey,
      caKey: ca,
      type: 'user',
      keyId: 'flip',
      principals: ['alice'],
      random: seededRandom('flip'),
    });
    expect(() => keygenShow(tmp.dir, 'flip_ok-cert.pub', parseCertificate(blob))).not.toThrow();
    const bad = blob.slice();
    bad[bad.length - 10] ^= 0x01;
    const path = join(tmp.dir, 'flip_bad-cert.pub');
    writeFileSync(path, `${formatCertificateLine(parseCertificate(bad))}\n`);
    expect(() => keygenUtc(['-L', '-f', path])).toThrow();
  });
});

describe('ssh-keygen -s certificates that our verifier must refuse', () => {
  const crypto = nodeCrypto!;
  const user = () => parsePublicKeyLine(readFileSync(keys['ssh-ed25519'].pub, 'utf8')).key;

  function sign(name: string, args: string[]): Certificate {
    const pub = join(tmp.dir, `${name}.pub`);
    writeFileSync(pub, readFileSync(keys['ssh-ed25519'].pub, 'utf8'));
    keygenUtc(['-q', '-s', cas['ssh-ed25519'].path, '-I', name, ...args, pub]);
    return parseCertificateLine(readFileSync(join(tmp.dir, `${name}-cert.pub`), 'utf8')).certificate;
  }
  const trustedCas = (k: Parameters<typeof samePublicKey>[0]) =>
    samePublicKey(k, cas['ssh-ed25519'].key.publicKey);

  it('no -n: an empty principals list is refused for users and hosts (OpenSSH since Dec 2025, CVE-2024-7594)', () => {
    const cert = sign('noprinc', []);
    expect(samePublicKey(cert.publicKey, user())).toBe(true);
    expect(cert.principals).toEqual([]);
    expect(verifyCertificate(crypto, cert, { now: INSIDE, type: 'user', trustedCas })).toMatchObject({
      code: 'no-principals',
    });
    const host = sign('noprinc_host', ['-h']);
    expect(verifyCertificate(crypto, host, { now: INSIDE, type: 'host', trustedCas })).toMatchObject({
      code: 'no-principals',
    });
  });

  it('an unknown critical option (-O critical:name) is refused; an unknown extension is ignored', () => {
    const crit = sign('crit', ['-n', 'alice', '-O', 'critical:restrict-foo@example.com=x']);
    expect(
      verifyCertificate(crypto, crit, { now: INSIDE, type: 'user', principal: 'alice', trustedCas }),
    ).toMatchObject({
      code: 'critical-option',
    });
    const ext = sign('ext', ['-n', 'alice', '-O', 'extension:whatever@example.com']);
    expect(
      verifyCertificate(crypto, ext, { now: INSIDE, type: 'user', principal: 'alice', trustedCas }).ok,
    ).toBe(true);
  });

  it('verify-required (FIDO user verification) is refused: rxssh has no security-key support', () => {
    const cert = sign('verify', ['-n', 'alice', '-O', 'verify-required']);
    expect([...cert.criticalOptions.keys()]).toEqual(['verify-required']);
    expect(
      verifyCertificate(crypto, cert, { now: INSIDE, type: 'user', principal: 'alice', trustedCas }),
    ).toMatchObject({
      code: 'critical-option',
    });
  });

  it('a validity window in the future or the past is refused at its exact bounds', () => {
    const cert = sign('window', ['-n', 'alice', '-V', '20300101000000:20300102000000']);
    const at = (now: number) =>
      verifyCertificate(crypto, cert, { now, type: 'user', principal: 'alice', trustedCas });
    const start = Date.UTC(2030, 0, 1) / 1000;
    expect(at(start - 1)).toMatchObject({ code: 'not-yet-valid' });
    expect(at(start).ok).toBe(true);
    expect(at(start + 86399).ok).toBe(true);
    expect(at(start + 86400)).toMatchObject({ code: 'expired' });
  });

  it('an ssh-rsa (SHA-1) CA signature is refused by default and accepted when listed', () => {
    const pub = join(tmp.dir, 'sha1.pub');
    writeFileSync(pub, readFileSync(keys['ssh-ed25519'].pub, 'utf8'));
    keygenUtc(['-q', '-s', cas['ssh-rsa'].path, '-t', 'ssh-rsa', '-I', 'sha1', '-n', 'alice', pub]);
    const cert = parseCertificateLine(readFileSync(join(tmp.dir, 'sha1-cert.pub'), 'utf8')).certificate;
    const opts = {
      now: INSIDE,
      type: 'user' as const,
      principal: 'alice',
      trustedCas: (k: Parameters<typeof samePublicKey>[0]) => samePublicKey(k, cas['ssh-rsa'].key.publicKey),
    };
    expect(cert.signatureAlgorithm).toBe('ssh-rsa');
    expect(verifyCertificate(crypto, cert, opts)).toMatchObject({ code: 'ca-algorithm' });
    expect(verifyCertificate(crypto, cert, { ...opts, caSignatureAlgorithms: ['ssh-rsa'] }).ok).toBe(true);
  });
});
