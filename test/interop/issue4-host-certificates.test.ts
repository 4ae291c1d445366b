/**
 * Issue 4, host certificates against real OpenSSH:
 * - "the real ssh client with an @cert-authority line accepts our server's host certificate, and rejects it once
 *   revoked": our accept() with `hostCertificates`, in this process on a loopback port, and
 *   `ssh -o HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com` with a known_hosts file holding only the CA;
 * - our client (knownHostsVerifier, acceptHostCertificates) verifies a real sshd's HostCertificate the same way.
 * Certificates come from both signers: `ssh-keygen -s -h` and our signCertificate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowAuthorizedKeys } from '../../operators/allow-public-key.js';
import {
  type ConnectOptions,
  defaultCrypto,
  fingerprintSha256,
  formatPublicKeyLine,
  generateKey as generateOurKey,
  HostKeyError,
  knownHostsVerifier,
  type PrivateKey,
  parseCertificateLine,
  parsePrivateKeyFile,
  signCertificate,
  systemRandom,
} from '../../src/index.js';
import { type LoopbackServer, startLoopbackServer } from '../certificates/loopback-server.js';
import {
  type GeneratedKey,
  generateKey,
  interopSkipReason,
  runSsh,
  SSH_KEYGEN_PATH,
  type SshdInstance,
  startSshd,
  TEST_USER,
} from './harness/index.js';
import { openRxssh, type SessionFailure } from './support/rxssh-session.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] issue4-host-certificates skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

const crypto = defaultCrypto();
const CERT_ALG = 'ssh-ed25519-cert-v01@openssh.com';

let dir: string;
let keygenCa: GeneratedKey;
let ourCa: PrivateKey;
let userKey: GeneratedKey;

/** `ssh-keygen -s CA -h -I id -n 127.0.0.1 host.pub` for a public key line; returns the certificate blob. */
async function keygenHostCert(publicLine: string, name: string): Promise<Uint8Array> {
  const pub = join(dir, `${name}.pub`);
  await writeFile(pub, `${publicLine}\n`);
  execFileSync(SSH_KEYGEN_PATH, ['-q', '-s', keygenCa.privatePath, '-h', '-I', name, '-n', '127.0.0.1', pub]);
  return parseCertificateLine(await readFile(join(dir, `${name}-cert.pub`), 'utf8')).certificate.blob;
}

const ourHostCert = (key: PrivateKey, principals = ['127.0.0.1']) =>
  signCertificate(crypto, {
    publicKey: key.publicKey,
    caKey: ourCa,
    type: 'host',
    keyId: 'rxssh-host',
    principals,
    random: systemRandom,
  });

const caLines = () => [keygenCa.publicLine, formatPublicKeyLine(ourCa.publicKey, 'our-ca')];

beforeAll(async () => {
  if (skipReason) return;
  dir = await mkdtemp(join(tmpdir(), 'rxssh-issue4-hostcert-'));
  keygenCa = await generateKey(dir, 'host_ca', 'ed25519');
  ourCa = generateOurKey(crypto, 'ssh-ed25519');
  userKey = await generateKey(dir, 'id_user', 'ed25519');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(skipReason !== undefined)(suiteName('OpenSSH ssh against our host certificate'), () => {
  const hostKey = generateOurKey(crypto, 'ssh-ed25519');
  const servers: LoopbackServer[] = [];

  afterAll(() => {
    for (const s of servers) s.stop();
  });

  async function serverWith(certificate: Uint8Array): Promise<LoopbackServer> {
    const server = await startLoopbackServer({
      hostKeys: [hostKey],
      hostCertificates: [{ certificate, key: hostKey }],
      auth: allowAuthorizedKeys(() => [userKey.blob]),
    });
    servers.push(server);
    return server;
  }

  const ssh = (server: LoopbackServer, knownHostsLines: string[]) =>
    runSsh({
      port: server.port,
      user: 'anyone',
      identities: [userKey.privatePath],
      knownHostsLines,
      hostKeyAlgorithms: [CERT_ALG],
      command: 'true',
      timeoutMs: 20_000,
    });

  for (const signer of ['ssh-keygen -s -h', 'signCertificate'] as const) {
    it(`accepts it via @cert-authority (signed by ${signer}), and refuses it once the CA is @revoked`, async () => {
      const certificate =
        signer === 'signCertificate'
          ? ourHostCert(hostKey)
          : await keygenHostCert(formatPublicKeyLine(hostKey.publicKey), `rxssh_host_${servers.length}`);
      const server = await serverWith(certificate);
      const ca = (l: string) => `@cert-authority [127.0.0.1]:${server.port} ${l}`;
      const trusting = caLines().map(ca);

      const ok = await ssh(server, trusting);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).toContain(
        `Server host certificate: ${CERT_ALG} ${fingerprintSha256(hostKey.publicKey)}`,
      );
      expect(ok.stderr).toMatch(/is known and matches the ED25519-CERT host certificate/);

      const caLine = signer === 'signCertificate' ? caLines()[1] : caLines()[0];
      const revoked = await ssh(server, [...trusting, `@revoked * ${caLine}`]);
      expect(revoked.code).toBe(255);
      expect(revoked.stderr).toMatch(/REVOKED HOST KEY DETECTED/);
      expect(revoked.stderr).toMatch(/Host key verification failed/);
    });
  }

  it('is refused when the certificate names another host (and the plain key is unknown)', async () => {
    const server = await serverWith(ourHostCert(hostKey, ['db.example.com']));
    const result = await ssh(
      server,
      caLines().map((l) => `@cert-authority * ${l}`),
    );
    expect(result.code).toBe(255);
    expect(result.stderr).toMatch(/Certificate invalid: name is not a listed principal/);
  });
});

describe.skipIf(skipReason !== undefined)(suiteName('our client against sshd with HostCertificate'), () => {
  let sshd: SshdInstance;
  let user: PrivateKey;

  beforeAll(async () => {
    const host = await generateKey(dir, 'ssh_host_ed25519_key', 'ed25519');
    await keygenHostCert(host.publicLine, 'ssh_host_ed25519_key');
    user = parsePrivateKeyFile(await readFile(userKey.privatePath, 'utf8'));
    sshd = await startSshd({
      hostKeys: [host],
      extraConfig: [`HostCertificate ${join(dir, 'ssh_host_ed25519_key-cert.pub')}`],
      authorizedKeys: { [TEST_USER]: [userKey.publicLine] },
    });
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  async function knownHostsFile(...lines: string[]): Promise<string> {
    const path = join(dir, `known_hosts_${Math.random().toString(36).slice(2)}`);
    await writeFile(path, lines.map((l) => `${l}\n`).join(''));
    return path;
  }

  function options(file: string, messages: string[], acceptHostCertificates = true): ConnectOptions {
    return {
      username: TEST_USER,
      privateKeys: [user],
      acceptHostCertificates,
      verifyHostKey: knownHostsVerifier({ files: [file], strict: 'yes', onMessage: (m) => messages.push(m) }),
    };
  }

  it('verifies the certificate against @cert-authority and logs in', async () => {
    const messages: string[] = [];
    const file = await knownHostsFile(`@cert-authority [127.0.0.1]:${sshd.port} ${keygenCa.publicLine}`);
    const session = await openRxssh(sshd.port, options(file, messages));
    try {
      expect(session.conn.algorithms.hostKey).toBe(CERT_ALG);
      expect(messages).toEqual([]);
    } finally {
      session.close();
    }
  });

  it('refuses it when the CA is @revoked', async () => {
    const messages: string[] = [];
    const file = await knownHostsFile(
      `@cert-authority * ${keygenCa.publicLine}`,
      `@revoked * ${keygenCa.publicLine}`,
    );
    const failure = await openRxssh(sshd.port, options(file, messages)).then(
      (s) => {
        s.close();
        throw new Error('a revoked host certificate was accepted');
      },
      (e: SessionFailure) => e,
    );
    expect(failure.cause).toBeInstanceOf(HostKeyError);
    expect(messages.join('\n')).toMatch(
      /ED25519-CERT host key for \[127\.0\.0\.1\]:\d+ is marked as revoked/,
    );
  });

  it('sees the plain key unless asked for certificates (the default), which a CA line alone does not cover', async () => {
    const messages: string[] = [];
    const file = await knownHostsFile(`@cert-authority * ${keygenCa.publicLine}`);
    const failure = await openRxssh(sshd.port, options(file, messages, false)).then(
      (s) => {
        s.close();
        throw new Error('an unknown plain host key was accepted');
      },
      (e: SessionFailure) => e,
    );
    expect(failure.cause).toBeInstanceOf(HostKeyError);
    expect(messages.join('\n')).toMatch(/No ED25519 host key is known/);
  });
});
