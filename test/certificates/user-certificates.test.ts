/**
 * User certificates end to end in memory: our client authenticates with `certificates`, our server decides
 * with allowCertificate (PROTOCOL.certkeys; sshd's TrustedUserCAKeys / AuthorizedPrincipalsFile semantics).
 */
import { pipe, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type AllowCertificateOptions, allowCertificate } from '../../operators/allow-certificate.js';
import { allowPublicKey } from '../../operators/allow-public-key.js';
import { acceptedUserCertificate } from '../../src/connection/accept.js';
import type { AuthRequest, AuthStep } from '../../src/connection/auth-policy.js';
import type { ExternalSigner } from '../../src/connection/connect.js';
import { AuthError, UsageError } from '../../src/errors.js';
import { DEFAULT_USER_EXTENSIONS, type PrivateKey, type PublicKey } from '../../src/keys/index.js';
import { TEST_USER } from '../../src/testing/index.js';
import { certify, crypto, handshake, newKey, sameKey } from './support.js';

const ca = newKey();
const otherCa = newKey();
const userKey = newKey();
const trusted = (k: PublicKey) => sameKey(k, ca.publicKey);

type PkRequest = Extract<AuthRequest, { method: 'publickey' | 'publickey-query' }>;

/** allowCertificate with the requests it saw recorded (method, algorithm). */
function certPolicy(
  opts: Partial<AllowCertificateOptions> = {},
  seen: string[] = [],
  rejected: string[] = [],
) {
  return pipe(
    tap((s: AuthStep) => {
      const r = s.request as PkRequest;
      if (r.algorithm) seen.push(`${r.method} ${r.algorithm}`);
    }),
    allowCertificate({ trustedCas: trusted, onReject: (reason) => rejected.push(reason), ...opts }),
  );
}

async function refused(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(AuthError);
}

describe('client user certificates against allowCertificate', () => {
  it('authenticates with an ed25519 certificate and exposes its options on the server connection', async () => {
    const seen: string[] = [];
    const certificate = certify(ca, userKey, 'user', [TEST_USER], {
      keyId: 'alice@laptop',
      criticalOptions: { 'force-command': 'uptime' },
      extensions: DEFAULT_USER_EXTENSIONS.filter((e) => e !== 'permit-agent-forwarding'),
    });
    const { client, server, close } = await handshake(
      { password: undefined, certificates: [{ certificate, key: userKey }] },
      { auth: certPolicy({}, seen) },
    );
    expect(client.authMethod).toBe('publickey');
    // A key held here signs its first request: no query first (RFC 4252 §7).
    expect(seen).toEqual(['publickey ssh-ed25519-cert-v01@openssh.com']);
    const grant = acceptedUserCertificate(server);
    expect(grant?.certificate.keyId).toBe('alice@laptop');
    expect(grant?.authorizations).toMatchObject({
      forceCommand: 'uptime',
      permitPty: true,
      permitAgentForwarding: false,
    });
    close();
  });

  it('signs an RSA certificate with rsa-sha2-512 under rsa-sha2-512-cert-v01, never SHA-1', async () => {
    const rsa = newKey('ssh-rsa');
    const seen: string[] = [];
    const certificate = certify(ca, rsa, 'user', [TEST_USER]);
    const { client, close } = await handshake(
      { password: undefined, certificates: [{ certificate, key: rsa }] },
      { auth: certPolicy({}, seen) },
    );
    expect(client.authMethod).toBe('publickey');
    expect(seen).toEqual(['publickey rsa-sha2-512-cert-v01@openssh.com']);
    close();
  });

  it('tries the certificate before plain keys, as ssh(1) does', async () => {
    const seen: string[] = [];
    const plain = newKey();
    const { close } = await handshake(
      {
        password: undefined,
        privateKeys: [plain],
        certificates: [{ certificate: certify(ca, userKey, 'user', [TEST_USER]), key: userKey }],
      },
      {
        auth: pipe(
          certPolicy({}, seen),
          allowPublicKey(() => true),
        ),
      },
    );
    expect(seen[0]).toBe('publickey ssh-ed25519-cert-v01@openssh.com');
    close();
  });

  it('signs through an ExternalSigner (an agent key, a token) with the plain algorithm', async () => {
    const algorithms: string[] = [];
    const signer: ExternalSigner = {
      publicKey: userKey.publicKey,
      sign: async (data, algorithm) => {
        algorithms.push(algorithm);
        return userKey.sign(crypto, data, algorithm);
      },
    };
    const certificate = certify(ca, userKey, 'user', [TEST_USER]);
    const seen: string[] = [];
    const { client, close } = await handshake(
      { password: undefined, certificates: [{ certificate, key: signer }] },
      { auth: certPolicy({}, seen) },
    );
    expect(client.authMethod).toBe('publickey');
    expect(algorithms).toEqual(['ssh-ed25519']);
    // A key held elsewhere is asked to sign only after the server accepted it (RFC 4252 §7 query first).
    expect(seen).toEqual([
      'publickey-query ssh-ed25519-cert-v01@openssh.com',
      'publickey ssh-ed25519-cert-v01@openssh.com',
    ]);
    close();
  });

  it('maps principals through the principals callback (AuthorizedPrincipalsFile)', async () => {
    const certificate = certify(ca, userKey, 'user', ['team-db']);
    const { close } = await handshake(
      { password: undefined, certificates: [{ certificate, key: userKey }] },
      { auth: certPolicy({ principals: (u) => (u === TEST_USER ? ['team-db'] : []) }) },
    );
    close();
  });

  it('a plain login has no certificate grant', async () => {
    const { server, close } = await handshake({}, {});
    expect(acceptedUserCertificate(server)).toBeUndefined();
    close();
  });
});

describe('allowCertificate refuses', () => {
  const attempt = (
    certificate: Uint8Array,
    opts: Partial<AllowCertificateOptions>,
    key: PrivateKey = userKey,
  ) => {
    const rejected: string[] = [];
    const run = handshake(
      { password: undefined, certificates: [{ certificate, key }] },
      { auth: certPolicy(opts, [], rejected) },
    );
    return { run, rejected };
  };

  it('a certificate from an untrusted CA', async () => {
    const { run, rejected } = attempt(certify(otherCa, userKey, 'user', [TEST_USER]), {});
    await refused(run);
    expect(rejected[0]).toMatch(/CA is not trusted/);
  });

  it('a certificate that does not name the user', async () => {
    const { run, rejected } = attempt(certify(ca, userKey, 'user', ['bob']), {});
    await refused(run);
    expect(rejected[0]).toMatch(/principal/);
  });

  it('an expired and a not-yet-valid certificate', async () => {
    const window = { validAfter: 1_000_000, validBefore: 2_000_000 };
    const cert = certify(ca, userKey, 'user', [TEST_USER], window);
    const late = attempt(cert, { now: () => 2_000_000_000 });
    await refused(late.run);
    expect(late.rejected[0]).toMatch(/expired/);
    const early = attempt(cert, { now: () => 999_999_000 });
    await refused(early.run);
    expect(early.rejected[0]).toMatch(/not yet valid/);
    const inside = attempt(cert, { now: () => 1_500_000_000 });
    (await inside.run).close();
  });

  it('a revoked certificate key', async () => {
    const { run, rejected } = attempt(certify(ca, userKey, 'user', [TEST_USER]), {
      revoked: (key) => sameKey(key, userKey.publicKey),
    });
    await refused(run);
    expect(rejected[0]).toMatch(/revoked/);
  });

  it('a host certificate offered as a user certificate (the client refuses it first)', async () => {
    const host = certify(ca, userKey, 'host', [TEST_USER]);
    await expect(attempt(host, {}).run).rejects.toBeInstanceOf(UsageError);
  });

  it('a client outside the source-address list (the memory link reports 127.0.0.1)', async () => {
    const cert = (list: string) =>
      certify(ca, userKey, 'user', [TEST_USER], { criticalOptions: { 'source-address': list } });
    const outside = attempt(cert('192.0.2.0/24'), {});
    await refused(outside.run);
    expect(outside.rejected[0]).toMatch(/source address 127\.0\.0\.1 is not permitted/);
    const inside = attempt(cert('192.0.2.0/24,127.0.0.1/32'), {});
    (await inside.run).close();
  });

  it('certificates when only allowPublicKey decides, even for an authorized certified key', async () => {
    const certificate = certify(ca, userKey, 'user', [TEST_USER]);
    const run = handshake(
      { password: undefined, certificates: [{ certificate, key: userKey }] },
      { auth: allowPublicKey((_u, key) => sameKey(key, userKey.publicKey)) },
    );
    await refused(run);
  });

  it('nothing when the certificate names are filtered out by publicKeyAlgorithms', async () => {
    const certificate = certify(ca, userKey, 'user', [TEST_USER]);
    const run = handshake(
      {
        password: undefined,
        certificates: [{ certificate, key: userKey }],
        publicKeyAlgorithms: ['ssh-ed25519'],
      },
      { auth: certPolicy() },
    );
    await refused(run);
  });
});

describe('client certificate options are checked up front', () => {
  it('refuses a certificate whose key is not the one given', async () => {
    const certificate = certify(ca, userKey, 'user', [TEST_USER]);
    const run = handshake({ certificates: [{ certificate, key: newKey() }] }, { auth: certPolicy() });
    await expect(run).rejects.toThrow(/does not match/);
  });

  it('refuses bytes that are not a certificate', async () => {
    const run = handshake({ certificates: [{ certificate: userKey.publicKey.blob, key: userKey }] }, {});
    await expect(run).rejects.toBeInstanceOf(UsageError);
  });
});
