/**
 * Agent forwarding in memory (OpenSSH PROTOCOL.agent): our client asks with `auth-agent-req@openssh.com` and
 * serves `auth-agent@openssh.com` channels from a local agent socket (our AgentServer on a unix socket); our
 * server answers the request and talks to the client's agent over a channel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, from, type Observable, type Subscription, switchMap } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptSessions } from '../../operators/accept-sessions.js';
import {
  type AgentForwardingOptions,
  type AgentForwardingSession,
  agentForwarding,
  forwardAgent,
  requestAgentForwarding,
  withAgentForwarding,
} from '../../operators/agent-forwarding.js';
import { allowCertificate } from '../../operators/allow-certificate.js';
import type { AgentClient } from '../../src/agent/agent-client.js';
import { type AgentListener, serveAgent } from '../../src/agent/agent-listen.js';
import { AgentServer } from '../../src/agent/agent-server.js';
import type { AcceptOptions } from '../../src/connection/accept.js';
import type { ConnectOptions } from '../../src/connection/connect.js';
import type { Connection } from '../../src/connection/connection.js';
import { ChannelOpenError, UsageError } from '../../src/errors.js';
import { DEFAULT_USER_EXTENSIONS, verifySignature } from '../../src/keys/index.js';
import { connectedPair, TEST_USER } from '../../src/testing/index.js';
import { certify, crypto, newKey, sameKey } from '../certificates/support.js';

const dir = mkdtempSync(join(tmpdir(), 'rxssh-fwd-'));
const agentKey = newKey();
let listener: AgentListener;

beforeAll(async () => {
  const agent = new AgentServer({ crypto });
  agent.addKey(agentKey, {}, 0);
  listener = await serveAgent(agent, join(dir, 'agent.sock'));
});
afterAll(async () => {
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  client?: Partial<ConnectOptions>;
  server?: Partial<AcceptOptions>;
  forwarding?: AgentForwardingOptions;
}

/** A pair whose server emits sessions with `agent`; the client side is what `clientFlow` makes of the connection. */
function pair(setup: Setup, clientFlow: (conn$: Observable<Connection>) => Observable<unknown>) {
  const { client$, server$ } = connectedPair({ client: setup.client, server: setup.server });
  const sessions$ = server$.pipe(acceptSessions(), agentForwarding(setup.forwarding));
  const subs: Subscription[] = [];
  const firstSession = new Promise<AgentForwardingSession>((resolve, reject) =>
    subs.push(sessions$.subscribe({ next: resolve, error: reject })),
  );
  const clientEvents: unknown[] = [];
  subs.push(
    clientFlow(client$).subscribe({ next: (v) => clientEvents.push(v), error: (e) => clientEvents.push(e) }),
  );
  return {
    firstSession,
    clientEvents,
    close: () => {
      for (const s of subs) s.unsubscribe();
    },
  };
}

describe('agent forwarding between our client and our server', () => {
  it('lets the server list and sign with the keys of the client-side agent', async () => {
    const { firstSession, clientEvents, close } = pair({}, (conn$) =>
      conn$.pipe(
        forwardAgent(listener.path),
        switchMap((conn) => conn.session()),
        switchMap((ch) => requestAgentForwarding(ch)),
      ),
    );
    const session = await firstSession;
    await firstValueFrom(session.agent.requested$, { defaultValue: 'never' });
    expect(session.agent.requested).toBe(true);
    await waitFor(() => clientEvents.length > 0);
    expect(clientEvents).toEqual([true]);
    const data = new TextEncoder().encode('second hop session data');
    // Two agent channels at once, each its own connection to the agent on the client side.
    const results = await Promise.all(
      [0, 1].map(() =>
        firstValueFrom(session.agent.open().pipe(switchMap((a) => from(listAndSign(a, data))))),
      ),
    );
    for (const { ids, signature } of results) {
      expect(ids.map((i) => i.publicKey && sameKey(i.publicKey, agentKey.publicKey))).toEqual([true]);
      expect(verifySignature(crypto, agentKey.publicKey, signature, data, ['ssh-ed25519'])).toBe(true);
    }
    close();
  });

  it('withAgentForwarding asks on each session and hands the channel on, refused or not', async () => {
    const refused: unknown[] = [];
    const { firstSession, clientEvents, close } = pair({ forwarding: { allow: () => false } }, (conn$) =>
      conn$.pipe(
        forwardAgent(listener.path),
        switchMap((conn) => conn.session()),
        withAgentForwarding((ch) => refused.push(ch.channelType)),
      ),
    );
    const session = await firstSession;
    await waitFor(() => clientEvents.length > 0);
    expect(refused).toEqual(['session']);
    expect(session.agent.requested).toBe(false);
    await expect(firstValueFrom(session.agent.open())).rejects.toBeInstanceOf(UsageError);
    close();
  });

  it('a client without forwardAgent refuses the server’s agent channels', async () => {
    const { firstSession, close } = pair({}, (conn$) =>
      conn$.pipe(
        switchMap((conn) => conn.session()),
        switchMap((ch) => requestAgentForwarding(ch)),
      ),
    );
    const session = await firstSession;
    await firstValueFrom(session.agent.requested$, { defaultValue: 'never' });
    await expect(firstValueFrom(session.agent.open())).rejects.toBeInstanceOf(ChannelOpenError);
    close();
  });

  it('an unreachable agent socket refuses the channel with SSH_OPEN_CONNECT_FAILED', async () => {
    const { firstSession, close } = pair({}, (conn$) =>
      conn$.pipe(
        forwardAgent(join(dir, 'nobody-listens.sock')),
        switchMap((conn) => conn.session()),
        switchMap((ch) => requestAgentForwarding(ch)),
      ),
    );
    const session = await firstSession;
    await firstValueFrom(session.agent.requested$, { defaultValue: 'never' });
    const err = await firstValueFrom(session.agent.open()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelOpenError);
    expect((err as ChannelOpenError).openReason).toBe(2);
    close();
  });

  it('forwardAgent without an agent path is a usage error', async () => {
    const { clientEvents, close } = pair({}, (conn$) => conn$.pipe(forwardAgent('')));
    await waitFor(() => clientEvents.length > 0);
    expect(clientEvents[0]).toBeInstanceOf(UsageError);
    close();
  });

  it('is refused to a user certificate without permit-agent-forwarding, as sshd refuses it', async () => {
    const ca = newKey();
    const userKey = newKey();
    const run = async (extensions: readonly string[]) => {
      const certificate = certify(ca, userKey, 'user', [TEST_USER], { extensions });
      const { firstSession, clientEvents, close } = pair(
        {
          client: { password: undefined, certificates: [{ certificate, key: userKey }] },
          server: { auth: allowCertificate({ trustedCas: (k) => sameKey(k, ca.publicKey) }) },
        },
        (conn$) =>
          conn$.pipe(
            forwardAgent(listener.path),
            switchMap((conn) => conn.session()),
            switchMap((ch) => requestAgentForwarding(ch)),
          ),
      );
      await firstSession;
      await waitFor(() => clientEvents.length > 0);
      close();
      return clientEvents[0];
    };
    expect(await run(DEFAULT_USER_EXTENSIONS.filter((e) => e !== 'permit-agent-forwarding'))).toBe(false);
    expect(await run(DEFAULT_USER_EXTENSIONS)).toBe(true);
  });
});

async function listAndSign(agent: AgentClient, data: Uint8Array) {
  const ids = await agent.identities();
  return { ids, signature: await agent.sign(ids[0].keyBlob, data, 'ssh-ed25519') };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
