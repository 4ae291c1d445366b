/**
 * Host certificates in memory: our server presents one (AcceptOptions.hostCertificates), our client asks for
 * certificate host-key algorithms and judges the certificate with knownHostsVerifier against `@cert-authority`
 * and `@revoked` lines (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"; ssh(1) falls back to the plain key).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accept } from '../../src/connection/accept.js';
import type { HostKeyInfo, HostKeyVerifier } from '../../src/connection/host-key-verifier.js';
import { acceptHostKey } from '../../src/connection/host-key-verifier.js';
import {
  type KnownHostsVerifierOptions,
  knownHostsVerifier,
} from '../../src/connection/known-hosts-verifier.js';
import { toBase64 } from '../../src/crypto/bytes.js';
import { UsageError } from '../../src/errors.js';
import { fingerprintSha256, type PrivateKey } from '../../src/keys/index.js';
import { memoryLink } from '../../src/testing/index.js';
import { certify, handshake, newKey } from './support.js';

const HOST = 'db.example.com';
const ca = newKey();
const hostKey = newKey();
const hostCert = certify(ca, hostKey, 'host', [HOST]);
const dir = mkdtempSync(join(tmpdir(), 'rxssh-hostcert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyLine = (k: PrivateKey) => `${k.publicKey.type} ${toBase64(k.publicKey.blob)}`;
let files = 0;
function knownHosts(...lines: string[]): string {
  const path = join(dir, `known_hosts_${files++}`);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  return path;
}

/** Connects to a server presenting `certificate`, with the client asking for certificates. */
async function connectTo(
  verifyHostKey: HostKeyVerifier,
  certificate = hostCert,
  key = hostKey,
  acceptHostCertificates = true,
) {
  const seen: HostKeyInfo[] = [];
  const recording: HostKeyVerifier = (info) => {
    seen.push(info);
    return verifyHostKey(info);
  };
  const run = handshake(
    { host: HOST, port: 22, acceptHostCertificates, verifyHostKey: recording },
    { hostKeys: [key], hostCertificates: [{ certificate, key }] },
  );
  return { run, seen };
}

function verifier(opts: Partial<KnownHostsVerifierOptions> & { files: string[] }) {
  const messages: string[] = [];
  return {
    messages,
    verify: knownHostsVerifier({ strict: 'yes', onMessage: (m) => messages.push(m), ...opts }),
  };
}

describe('a server presenting a host certificate', () => {
  it('is seen by the verifier as a certificate of the plain key it signs with', async () => {
    const { run, seen } = await connectTo(() => true);
    const { client, close } = await run;
    expect(client.algorithms.hostKey).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(seen[0].algorithm).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(seen[0].certificate?.principals).toEqual([HOST]);
    expect(seen[0].key.blob).toEqual(hostKey.publicKey.blob);
    expect(seen[0].fingerprint).toBe(fingerprintSha256(hostKey.publicKey.blob));
    close();
  });

  it('offers the plain key to a client that does not ask for certificates (the default)', async () => {
    const { run, seen } = await connectTo(() => true, hostCert, hostKey, false);
    const { client, close } = await run;
    expect(client.algorithms.hostKey).toBe('ssh-ed25519');
    expect(seen[0].certificate).toBeUndefined();
    close();
  });

  it('uses rsa-sha2-512-cert-v01 for an RSA host certificate', async () => {
    const rsa = newKey('ssh-rsa');
    const { run } = await connectTo(() => true, certify(ca, rsa, 'host', [HOST]), rsa);
    const { client, close } = await run;
    expect(client.algorithms.hostKey).toBe('rsa-sha2-512-cert-v01@openssh.com');
    close();
  });

  it('is accepted by acceptHostKey pinned to its plain key', async () => {
    const { run } = await connectTo(acceptHostKey(hostKey.publicKey.blob));
    (await run).close();
  });

  it('refuses to start with a certificate that is not for its key, or is a user certificate', async () => {
    const bad = (certificate: Uint8Array) =>
      new Promise((resolve, reject) =>
        accept(memoryLink().b, {
          hostKeys: [hostKey],
          hostCertificates: [{ certificate, key: hostKey }],
          auth: (s) => s,
        }).subscribe({ next: resolve, error: reject }),
      );
    await expect(bad(certify(ca, newKey(), 'host', [HOST]))).rejects.toBeInstanceOf(UsageError);
    await expect(bad(certify(ca, hostKey, 'user', [HOST]))).rejects.toBeInstanceOf(UsageError);
  });
});

describe('knownHostsVerifier with host certificates', () => {
  const caLine = `@cert-authority *.example.com ${keyLine(ca)}`;

  it('accepts a certificate from an @cert-authority CA for this host, with no key on file', async () => {
    const { verify, messages } = verifier({ files: [knownHosts(caLine)] });
    const { run } = await connectTo(verify);
    (await run).close();
    expect(messages).toEqual([]);
  });

  it('refuses it once the CA is @revoked, even with the @cert-authority line', async () => {
    const { verify, messages } = verifier({ files: [knownHosts(caLine, `@revoked * ${keyLine(ca)}`)] });
    const { run } = await connectTo(verify);
    await expect(run).rejects.toThrow(/host key/i);
    expect(messages.join('\n')).toMatch(/ED25519-CERT host key for db\.example\.com is marked as revoked/);
  });

  it('refuses it when the certified key is @revoked', async () => {
    const { verify } = verifier({ files: [knownHosts(caLine, `@revoked * ${keyLine(hostKey)}`)] });
    await expect((await connectTo(verify)).run).rejects.toThrow();
  });

  it('does not trust a CA listed for other hosts; strict checking then refuses the unknown plain key', async () => {
    const { verify, messages } = verifier({
      files: [knownHosts(`@cert-authority *.other.org ${keyLine(ca)}`)],
    });
    await expect((await connectTo(verify)).run).rejects.toThrow();
    expect(messages.join('\n')).toMatch(/No ED25519 host key is known for db\.example\.com/);
  });

  it('falls back to the plain key when the certificate is invalid (wrong principal, expired)', async () => {
    const wrongName = certify(ca, hostKey, 'host', ['web.example.com']);
    const expired = certify(ca, hostKey, 'host', [HOST], { validAfter: 0, validBefore: 1_000_000 });
    for (const certificate of [wrongName, expired]) {
      const refusing = verifier({ files: [knownHosts(caLine)] });
      await expect((await connectTo(refusing.verify, certificate)).run).rejects.toThrow();
      expect(refusing.messages[0]).toMatch(/^Certificate invalid: /);
      const withKey = verifier({ files: [knownHosts(caLine, `${HOST} ${keyLine(hostKey)}`)] });
      (await (await connectTo(withKey.verify, certificate)).run).close();
    }
  });

  it('judges validity at the injected time', async () => {
    const window = certify(ca, hostKey, 'host', [HOST], { validAfter: 1_000_000, validBefore: 2_000_000 });
    const inside = verifier({ files: [knownHosts(caLine)], now: () => 1_500_000_000 });
    (await (await connectTo(inside.verify, window)).run).close();
    const after = verifier({ files: [knownHosts(caLine)], now: () => 2_000_000_000 });
    await expect((await connectTo(after.verify, window)).run).rejects.toThrow();
  });

  it('with accept-new records the plain key, not the certificate, for an unknown CA', async () => {
    const file = knownHosts();
    const { verify } = verifier({ files: [file], strict: 'accept-new' });
    (await (await connectTo(verify)).run).close();
    expect(readFileSync(file, 'utf8')).toBe(`${HOST} ${keyLine(hostKey)}\n`);
  });
});
