/**
 * Issue 4, "With a real ssh-agent started by the test: ... authenticate to a real OpenSSH sshd through it;
 * agent forwarding through our server to a second hop works". The agent is OpenSSH's `ssh-agent`, loaded with
 * `ssh-add`; sshd's "Accepted publickey" line and `ssh-add -l` run remotely are the witnesses.
 *
 * - our client authenticates to sshd with `agentSigners(connectAgent(socket))`;
 * - our client forwards the agent (forwardAgent + requestAgentForwarding) to sshd, where `ssh-add -l` lists it;
 * - our client forwards it to our server (in this process), which lists and signs with the forwarded keys and
 *   then uses them to log in to sshd as a second hop;
 * - the real `ssh -A` forwards its agent to our server, which lists the keys (agentForwarding against OpenSSH).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, from, of, type Subscription, switchMap } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentForwardingSession,
  agentForwarding,
  forwardAgent,
  requestAgentForwarding,
} from '../../operators/agent-forwarding.js';
import { allowAuthorizedKeys } from '../../operators/allow-public-key.js';
import { runExec } from '../../operators/exec.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { Connection } from '../../src/connection/connection.js';
import {
  type AgentClient,
  agentSigners,
  type ConnectOptions,
  connectAgent,
  defaultCrypto,
  fingerprintSha256,
  parsePrivateKeyFile,
  verifySignature,
} from '../../src/index.js';
import { type RunningAgent, sshAdd, startOpenSshAgent } from '../agent/helpers.js';
import { type LoopbackServer, startLoopbackServer } from '../certificates/loopback-server.js';
import {
  type GeneratedKey,
  generateKey,
  interopSkipReason,
  runSsh,
  type SshdInstance,
  startSshd,
  TEST_USER,
} from './harness/index.js';
import { openRxssh } from './support/rxssh-session.js';

const skipReason = interopSkipReason({ testUser: true });
if (skipReason) console.warn(`[interop] issue4-agent skipped: ${skipReason}`);
const suiteName = (name: string) => `${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`;

const crypto = defaultCrypto();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe.skipIf(skipReason !== undefined)(suiteName('a real ssh-agent, sshd and agent forwarding'), () => {
  let dir: string;
  let agent: RunningAgent;
  let sshd: SshdInstance;
  let ed25519: GeneratedKey;
  let rsa: GeneratedKey;
  const subs: Subscription[] = [];

  const trustSshd: ConnectOptions['verifyHostKey'] = (info) =>
    sshd.hostKeyBlobs.some((b) => fingerprintSha256(b) === info.fingerprint);

  /** The "Accepted publickey" line sshd logged for the connection from `localPort`. */
  async function acceptedLine(localPort: number): Promise<string> {
    const [line] = await sshd.waitForLog(
      new RegExp(`Accepted publickey for ${TEST_USER} from 127\\.0\\.0\\.1 port ${localPort} .*`),
    );
    return line;
  }

  /** Runs `command` on a new session, after asking for agent forwarding when `forward` is set. */
  function execOn(conn: Connection, command: string, forward = false) {
    return firstValueFrom(
      conn.session().pipe(
        switchMap((ch) =>
          (forward ? requestAgentForwarding(ch) : of(true)).pipe(
            switchMap((ok) => {
              expect(ok, 'the server refused agent forwarding').toBe(true);
              return runExec(ch, command);
            }),
          ),
        ),
      ),
    );
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxssh-issue4-agent-'));
    ed25519 = await generateKey(dir, 'id_ed25519', 'ed25519');
    rsa = await generateKey(dir, 'id_rsa', 'rsa-3072');
    agent = await startOpenSshAgent(dir);
    for (const k of [ed25519, rsa]) {
      const added = await sshAdd(agent.socket, [k.privatePath]);
      expect(added.code, added.stderr).toBe(0);
    }
    sshd = await startSshd({
      authorizedKeys: { [TEST_USER]: [ed25519.publicLine, rsa.publicLine] },
      passwordAuthentication: false,
    });
  });

  afterAll(async () => {
    for (const s of subs) s.unsubscribe();
    await sshd?.stop();
    agent?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('authenticates our client to sshd through the agent (ed25519, and RSA with rsa-sha2-512)', async () => {
    const client = await connectAgent(agent.socket);
    try {
      const signers = await agentSigners(client);
      expect(signers.map((s) => fingerprintSha256(s.publicKey))).toEqual([
        fingerprintSha256(ed25519.blob),
        fingerprintSha256(rsa.blob),
      ]);
      for (const [signer, label] of [
        [signers[0], 'ED25519'],
        [signers[1], 'RSA'],
      ] as const) {
        const session = await openRxssh(sshd.port, {
          username: TEST_USER,
          verifyHostKey: trustSshd,
          signers: [signer],
        });
        try {
          expect(session.conn.authMethod).toBe('publickey');
          expect(await acceptedLine(session.localPort)).toContain(
            `${label} ${fingerprintSha256(signer.publicKey)}`,
          );
        } finally {
          session.close();
        }
      }
      expect(sshd.logs()).toMatch(/publickey test pkalg rsa-sha2-512 /);
    } finally {
      client.close();
    }
  });

  it('forwards the agent to sshd: ssh-add -l on the server lists our keys', async () => {
    const client = await connectAgent(agent.socket);
    const session = await openRxssh(sshd.port, {
      username: TEST_USER,
      verifyHostKey: trustSshd,
      signers: await agentSigners(client),
    });
    try {
      subs.push(of(session.conn).pipe(forwardAgent(agent.socket)).subscribe());
      const result = await execOn(session.conn, 'ssh-add -l', true);
      expect(result.exitCode, text(result.stderr)).toBe(0);
      expect(text(result.stdout)).toContain(fingerprintSha256(ed25519.blob));
      expect(text(result.stdout)).toContain(fingerprintSha256(rsa.blob));
    } finally {
      session.close();
      client.close();
    }
  });

  describe('through our server', () => {
    let server: LoopbackServer;
    const forwarding = new Map<Channel, AgentForwardingSession>();

    beforeAll(async () => {
      const userKeys = [ed25519.blob, rsa.blob];
      server = await startLoopbackServer(
        {
          hostKeys: [parsePrivateKeyFile(await readFile(ed25519.privatePath, 'utf8'))],
          auth: allowAuthorizedKeys(() => userKeys),
        },
        (session, command) => (command === 'list-forwarded' ? listForwarded(session.channel) : 0),
      );
      subs.push(server.sessions.pipe(agentForwarding()).subscribe((s) => forwarding.set(s.channel, s)));
    });

    afterAll(() => server?.stop());

    /** What the server learns from the forwarded agent, for the real-ssh case (checked in the test). */
    const listed: string[][] = [];
    async function listForwarded(channel: Channel): Promise<number> {
      const session = forwarding.get(channel);
      if (!session?.agent.requested) return 3;
      const ids = await firstValueFrom(session.agent.open().pipe(switchMap((a) => from(a.identities()))));
      listed.push(ids.map((i) => fingerprintSha256(i.keyBlob)));
      return 0;
    }

    it('our client forwards the agent to our server, which signs with it and logs in to sshd as a second hop', async () => {
      const client = await connectAgent(agent.socket);
      const first = await openRxssh(server.port, {
        username: 'hop1',
        verifyHostKey: () => true,
        signers: await agentSigners(client),
      });
      let forwarded: Subscription | undefined;
      try {
        subs.push(of(first.conn).pipe(forwardAgent(agent.socket)).subscribe());
        const ch = await new Promise<Channel>((resolve, reject) => {
          subs.push(first.conn.session().subscribe({ next: resolve, error: reject }));
        });
        expect(await firstValueFrom(requestAgentForwarding(ch))).toBe(true);
        // The server side of that session: the one it accepted last.
        const session = [...forwarding.values()].at(-1)!;
        expect(session.agent.requested).toBe(true);

        // On the server: the client's agent over an auth-agent@openssh.com channel.
        const remote = await new Promise<AgentClient>((resolve, reject) => {
          forwarded = session.agent.open().subscribe({ next: resolve, error: reject });
        });
        const ids = await remote.identities();
        expect(ids.map((i) => fingerprintSha256(i.keyBlob))).toEqual([
          fingerprintSha256(ed25519.blob),
          fingerprintSha256(rsa.blob),
        ]);
        const data = new TextEncoder().encode('signed through two hops of agent protocol');
        const sig = await remote.sign(ids[1].keyBlob, data, 'rsa-sha2-256');
        expect(verifySignature(crypto, ids[1].publicKey!, sig, data, ['rsa-sha2-256'])).toBe(true);

        // The second hop: our server logs in to sshd with the forwarded keys.
        const hop2 = await openRxssh(sshd.port, {
          username: TEST_USER,
          verifyHostKey: trustSshd,
          signers: await agentSigners(remote),
        });
        try {
          expect(await acceptedLine(hop2.localPort)).toContain(`ED25519 ${fingerprintSha256(ed25519.blob)}`);
          const whoami = await execOn(hop2.conn, 'whoami');
          expect(text(whoami.stdout).trim()).toBe(TEST_USER);
        } finally {
          hop2.close();
        }
      } finally {
        forwarded?.unsubscribe();
        first.close();
        client.close();
      }
    });

    it('the real ssh -A forwards its agent to our server, which lists the keys', async () => {
      const result = await runSsh({
        port: server.port,
        user: 'hop1',
        identities: [ed25519.privatePath],
        knownHostsLines: [`[127.0.0.1]:${server.port} ${ed25519.publicLine}`],
        // ssh requests forwarding only when it has an agent of its own (IdentityAgent, which runSsh turns off).
        options: { ForwardAgent: agent.socket, IdentityAgent: agent.socket },
        command: 'list-forwarded',
        timeoutMs: 20_000,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('Requesting authentication agent forwarding.');
      expect(listed.at(-1)).toEqual([fingerprintSha256(ed25519.blob), fingerprintSha256(rsa.blob)]);
    });
  });
});
