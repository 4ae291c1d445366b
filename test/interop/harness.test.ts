/**
 * Proves the interop harness with OpenSSH on both ends: our sshd wrapper, the real `ssh` client, and the
 * log parsers. If these pass, an interop failure elsewhere is about rxssh, not about the harness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSshdConfig,
  countKeyExchanges,
  interopSkipReason,
  makeUserKeys,
  parseAuthenticatedMethod,
  parseNegotiated,
  parseServerHostKey,
  parseStrictKex,
  runSsh,
  type SshdInstance,
  sshQueryAlgorithms,
  startSshd,
  TEST_PASSWORD,
  TEST_USER,
  type UserKeySet,
} from './harness/index.js';

// Lines copied from a real `ssh -vvv` run of OpenSSH 9.2p1 (Debian 12) against the harness's sshd.
const SAMPLE_CLIENT_LOG = [
  'debug1: Remote protocol version 2.0, remote software version OpenSSH_9.2p1 Debian-2+deb12u10',
  'debug3: kex_choose_conf: will use strict KEX ordering',
  'debug1: kex: algorithm: sntrup761x25519-sha512',
  'debug1: kex: host key algorithm: ssh-ed25519',
  'debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none',
  'debug1: kex: client->server cipher: aes128-ctr MAC: hmac-sha2-256-etm@openssh.com compression: none',
  'debug1: Server host key: ssh-ed25519 SHA256:hKcU9qKhXzOp4UccBR2/RcCJpH26XEc0NrFgIzPco2Y',
  'debug1: ssh_packet_send2_wrapped: resetting send seqnr 3',
  'debug1: ssh_packet_read_poll2: resetting read seqnr 3',
  'Authenticated to 127.0.0.1 ([127.0.0.1]:42561) using "publickey".',
].join('\n');

describe('ssh log parsers', () => {
  it('reads the negotiated algorithms per direction', () => {
    expect(parseNegotiated(SAMPLE_CLIENT_LOG)).toEqual({
      kex: 'sntrup761x25519-sha512',
      hostKey: 'ssh-ed25519',
      serverToClient: { cipher: 'chacha20-poly1305@openssh.com', mac: '<implicit>', compression: 'none' },
      clientToServer: { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com', compression: 'none' },
    });
    expect(countKeyExchanges(SAMPLE_CLIENT_LOG)).toBe(1);
  });

  it('returns undefined when the exchange did not complete', () => {
    expect(parseNegotiated('debug1: kex: algorithm: curve25519-sha256\n')).toBeUndefined();
    expect(parseAuthenticatedMethod('Permission denied (publickey).\n')).toBeUndefined();
  });

  it('reads the auth method, host key and strict kex evidence', () => {
    expect(parseAuthenticatedMethod(SAMPLE_CLIENT_LOG)).toBe('publickey');
    expect(parseServerHostKey(SAMPLE_CLIENT_LOG)?.keyType).toBe('ssh-ed25519');
    expect(parseStrictKex(SAMPLE_CLIENT_LOG)).toEqual({
      announced: true,
      sequenceNumbersReset: true,
      enabled: true,
    });
    expect(parseStrictKex('debug1: kex: algorithm: curve25519-sha256\n').enabled).toBe(false);
  });
});

describe('sshd config builder', () => {
  const place = {
    port: 2222,
    listenAddress: '127.0.0.1',
    hostKeyPaths: ['/tmp/x/ssh_host_ed25519_key'],
    pidFile: '/tmp/x/sshd.pid',
    authorizedKeysPattern: '/tmp/x/authorized_keys_%u',
  };

  it('puts extra lines first, since sshd keeps the first value of a keyword', () => {
    const text = buildSshdConfig(place, {
      extraConfig: ['UsePAM yes'],
      usePam: false,
      ciphers: ['aes128-ctr'],
    });
    const lines = text.split('\n');
    expect(lines.indexOf('UsePAM yes')).toBeLessThan(lines.indexOf('UsePAM no'));
    expect(lines).toContain('Ciphers aes128-ctr');
    expect(lines).toContain('AuthorizedKeysFile /tmp/x/authorized_keys_%u');
  });
});

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] harness tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(
  `harness against real OpenSSH${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let sshd: SshdInstance;
    let keys: UserKeySet;

    beforeAll(async () => {
      keys = await makeUserKeys(['ed25519']);
      sshd = await startSshd({
        usePam: true,
        hostKeyKinds: ['ed25519', 'ecdsa-256'],
        authorizedKeys: { [TEST_USER]: [keys.get('ed25519').publicLine] },
      });
    });

    afterAll(async () => {
      await sshd?.stop();
      await keys?.cleanup();
    });

    const connect = (extra: Partial<Parameters<typeof runSsh>[0]> = {}) =>
      runSsh({ port: sshd.port, user: TEST_USER, knownHostsPath: sshd.knownHostsPath, ...extra });

    it('starts sshd on a loopback port with the host keys it reports', () => {
      expect(sshd.port).toBeGreaterThan(0);
      expect(sshd.logs()).toContain(`Server listening on 127.0.0.1 port ${sshd.port}`);
      expect(sshd.configText).toContain('UsePAM yes');
      // RFC 4253 §6.6: the blob starts with string(key type name).
      const blob = sshd.hostKeyBlobs[0];
      const nameLength = new DataView(blob.buffer, blob.byteOffset).getUint32(0);
      expect(Buffer.from(blob.subarray(4, 4 + nameLength)).toString()).toBe('ssh-ed25519');
      expect(sshd.knownHostsLines[1]).toMatch(/^\[127\.0\.0\.1\]:\d+ ecdsa-sha2-nistp256 /);
    });

    it('logs in with an ed25519 key', async () => {
      const result = await connect({ identities: [keys.get('ed25519').privatePath], command: 'id -un' });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe(TEST_USER);
      expect(parseAuthenticatedMethod(result.stderr)).toBe('publickey');
      await sshd.waitForLog(/Accepted publickey for rxssh-test/);
    });

    it('logs in with a password answered by askpass (PAM)', async () => {
      const result = await connect({
        password: TEST_PASSWORD,
        preferredAuthentications: ['password'],
        command: 'true',
      });
      expect(result.code, result.stderr).toBe(0);
      expect(parseAuthenticatedMethod(result.stderr)).toBe('password');
    });

    it('logs in with keyboard-interactive answered by askpass (PAM)', async () => {
      const result = await connect({
        password: TEST_PASSWORD,
        preferredAuthentications: ['keyboard-interactive'],
        command: 'true',
      });
      expect(result.code, result.stderr).toBe(0);
      expect(parseAuthenticatedMethod(result.stderr)).toBe('keyboard-interactive');
    });

    it('fails with a wrong password', async () => {
      const result = await connect({
        password: 'wrong',
        preferredAuthentications: ['password'],
        command: 'true',
      });
      expect(result.code).toBe(255);
      expect(parseAuthenticatedMethod(result.stderr)).toBeUndefined();
    });

    it('refuses a host key that is not in known_hosts', async () => {
      const stranger = keys.get('ed25519');
      const result = await runSsh({
        port: sshd.port,
        user: TEST_USER,
        knownHostsLines: [
          `[127.0.0.1]:${sshd.port} ${stranger.keyType} ${Buffer.from(stranger.blob).toString('base64')}`,
        ],
        identities: [stranger.privatePath],
        hostKeyAlgorithms: ['ssh-ed25519'],
        command: 'true',
      });
      expect(result.code).toBe(255);
      expect(result.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    });

    it('forces and reads back the negotiated algorithms, with strict kex', async () => {
      const forced = {
        kexAlgorithms: ['curve25519-sha256'],
        hostKeyAlgorithms: ['ecdsa-sha2-nistp256'],
        ciphers: ['aes128-ctr'],
        macs: ['hmac-sha2-256-etm@openssh.com'],
      };
      const result = await connect({
        identities: [keys.get('ed25519').privatePath],
        verbosity: 3,
        command: 'true',
        ...forced,
      });
      expect(result.code, result.stderr).toBe(0);
      const negotiated = parseNegotiated(result.stderr);
      console.info('[interop] negotiated with OpenSSH:', JSON.stringify(negotiated));
      expect(negotiated).toEqual({
        kex: 'curve25519-sha256',
        hostKey: 'ecdsa-sha2-nistp256',
        serverToClient: { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com', compression: 'none' },
        clientToServer: { cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com', compression: 'none' },
      });
      expect(parseServerHostKey(result.stderr)?.keyType).toBe('ecdsa-sha2-nistp256');
      expect(parseStrictKex(result.stderr)).toEqual({
        announced: true,
        sequenceNumbersReset: true,
        enabled: true,
      });
    });

    it('kills ssh at the timeout', async () => {
      const result = await connect({
        identities: [keys.get('ed25519').privatePath],
        noCommand: true,
        timeoutMs: 1500,
      });
      expect(result.timedOut).toBe(true);
      expect(result.signal).toBe('SIGKILL');
    });

    it('lists algorithms with ssh -Q', async () => {
      expect(await sshQueryAlgorithms('kex')).toContain('curve25519-sha256');
      expect(await sshQueryAlgorithms('cipher')).toContain('chacha20-poly1305@openssh.com');
      expect(await sshQueryAlgorithms('mac')).toContain('hmac-sha2-256-etm@openssh.com');
      expect(await sshQueryAlgorithms('HostKeyAlgorithms')).toContain('rsa-sha2-512');
    });
  },
);
