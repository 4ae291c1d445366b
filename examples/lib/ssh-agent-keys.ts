/**
 * The ssh-agent of examples/ssh.ts: where it is (IdentityAgent, ForwardAgent, as in ssh_config(5)) and what it
 * holds: plain keys as signers, and the certificates ssh-add loaded beside them (`*-cert.pub`), each paired
 * with the agent key it certifies.
 */
import { type AgentClient, type AgentSigner, agentSigner, connectAgent } from '../../src/agent/index.js';
import { equalBytes } from '../../src/crypto/bytes.js';
import { type Certificate, parseCertificate } from '../../src/keys/certificate.js';
import { expandHome } from './ssh-identity-files.js';

/**
 * ssh_config(5) IdentityAgent: `none`, `SSH_AUTH_SOCK` (the default), `$VAR` (that variable), or a socket
 * path (`~` expanded). Undefined when there is no agent to use.
 */
export function identityAgentPath(value: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const v = value ?? 'SSH_AUTH_SOCK';
  if (v.toLowerCase() === 'none') return undefined;
  if (v === 'SSH_AUTH_SOCK') return env.SSH_AUTH_SOCK || undefined;
  if (v.startsWith('$')) return env[v.slice(1)] || undefined;
  return expandHome(v);
}

/**
 * ssh_config(5) ForwardAgent: `no` (the default), `yes` (the agent ssh itself uses, IdentityAgent), `$VAR`, or a
 * socket path. Undefined when nothing is to be forwarded.
 */
export function forwardAgentPath(
  value: string | undefined,
  identityAgent: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (value === undefined || /^(no|false)$/i.test(value)) return undefined;
  if (/^(yes|true)$/i.test(value)) return identityAgent;
  if (value.startsWith('$')) return env[value.slice(1)] || undefined;
  return expandHome(value);
}

export interface AgentCertificate {
  certificate: Certificate;
  comment: string;
  signer: AgentSigner;
}

export interface AgentKeys {
  client: AgentClient;
  signers: AgentSigner[];
  certificates: AgentCertificate[];
}

/** Connects and lists the agent's keys; undefined (with a debug line, as ssh -v) when it cannot be reached. */
export async function loadAgentKeys(
  path: string,
  debug: (line: string) => void,
): Promise<AgentKeys | undefined> {
  let client: AgentClient | undefined;
  try {
    const agent = await connectAgent(path);
    client = agent;
    const identities = await agent.identities();
    // In the agent's order, which is the order ssh(1) offers them in.
    const signers = identities.flatMap((id) =>
      id.publicKey ? [agentSigner(agent, id.publicKey, id.comment)] : [],
    );
    const certificates = identities.flatMap(({ keyBlob, comment, publicKey }): AgentCertificate[] => {
      if (publicKey) return [];
      let certificate: Certificate;
      try {
        certificate = parseCertificate(keyBlob);
      } catch {
        return []; // a key type we cannot use (FIDO keys, for instance)
      }
      const signer = signers.find((s) => equalBytes(s.publicKey.blob, certificate.publicKey.blob));
      return signer && certificate.certType === 'user' ? [{ certificate, comment, signer }] : [];
    });
    return { client: agent, signers, certificates };
  } catch (e) {
    client?.close();
    debug(`get_agent_identities: ${(e as Error).message}`);
    return undefined;
  }
}
