/**
 * Host certificates judged against known_hosts lines written in the documented forms (sshd(8)
 * "SSH_KNOWN_HOSTS FILE FORMAT": `@cert-authority patterns key`, `@revoked patterns key`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { type Certificate, parseCertificate } from '../../src/keys/certificate.js';
import { hostCertificateTrust } from '../../src/keys/certificate-known-hosts.js';
import { formatCertificateLine } from '../../src/keys/certificate-line.js';
import { signCertificate } from '../../src/keys/certificate-sign.js';
import { verifyCertificate } from '../../src/keys/certificate-verify.js';
import { formatPublicKeyLine, generateKey, type PrivateKey } from '../../src/keys/index.js';
import { parseKnownHosts } from '../../src/keys/known-hosts.js';

const crypto = nodeCrypto!;
let ca: PrivateKey;
let otherCa: PrivateKey;
let hostKey: PrivateKey;
let cert: Certificate;

beforeAll(() => {
  ca = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('kh ca') });
  otherCa = generateKey(crypto, 'ecdsa-sha2-nistp256', { random: seededRandom('kh other ca') });
  hostKey = generateKey(crypto, 'ssh-ed25519', { random: seededRandom('kh host') });
  cert = parseCertificate(
    signCertificate(crypto, {
      publicKey: hostKey.publicKey,
      caKey: ca,
      type: 'host',
      keyId: 'db1',
      principals: ['db1.example.com', '*.corp.example.com'],
      random: seededRandom('kh cert'),
    }),
  );
});

const caLine = (patterns: string, key = ca) =>
  `@cert-authority ${patterns} ${formatPublicKeyLine(key.publicKey)}`;

function verdict(knownHosts: string, host: string, port = 22): string {
  const { entries, skipped } = parseKnownHosts(knownHosts);
  expect(skipped).toEqual([]);
  const v = verifyCertificate(crypto, cert, {
    now: 1e9,
    type: 'host',
    ...hostCertificateTrust(entries, host, port),
  });
  return v.ok ? 'ok' : v.code;
}

describe('hostCertificateTrust', () => {
  it('trusts a CA from an @cert-authority line that names the host, and checks the bare host as principal', () => {
    const kh = `${caLine('*.example.com')}\n`;
    expect(verdict(kh, 'db1.example.com')).toBe('ok');
    expect(verdict(kh, 'DB1.Example.COM')).toBe('ok'); // ssh(1) lowercases the host before both checks
    expect(verdict(kh, 'x.corp.example.com')).toBe('ok');
    expect(verdict(kh, 'db2.example.com')).toBe('principal');
    expect(verdict(kh, 'db1.example.org')).toBe('untrusted-ca');
  });

  it('selects CA lines by [host]:port for other ports, but matches the principal without the port', () => {
    expect(verdict(`${caLine('*.example.com')}\n`, 'db1.example.com', 2222)).toBe('untrusted-ca');
    expect(verdict(`${caLine('[db1.example.com]:2222')}\n`, 'db1.example.com', 2222)).toBe('ok');
  });

  it('ignores plain lines, other CAs, and CA lines whose patterns negate the host', () => {
    const plain = `db1.example.com ${formatPublicKeyLine(ca.publicKey)}\n`;
    expect(verdict(plain, 'db1.example.com')).toBe('untrusted-ca');
    expect(verdict(`${caLine('*', otherCa)}\n`, 'db1.example.com')).toBe('untrusted-ca');
    expect(verdict(`${caLine('*.example.com,!db1.example.com')}\n`, 'db1.example.com')).toBe('untrusted-ca');
  });

  it('refuses when an @revoked line carries the CA, the host key or the certificate itself', () => {
    const trusted = `${caLine('*')}\n`;
    expect(verdict(`${trusted}@revoked * ${formatPublicKeyLine(ca.publicKey)}\n`, 'db1.example.com')).toBe(
      'revoked',
    );
    expect(
      verdict(`${trusted}@revoked other.host ${formatPublicKeyLine(hostKey.publicKey)}\n`, 'db1.example.com'),
    ).toBe('revoked');
    expect(verdict(`${trusted}@revoked * ${formatCertificateLine(cert)}\n`, 'db1.example.com')).toBe(
      'revoked',
    );
    expect(
      verdict(`${trusted}@revoked * ${formatPublicKeyLine(otherCa.publicKey)}\n`, 'db1.example.com'),
    ).toBe('ok');
  });
});
