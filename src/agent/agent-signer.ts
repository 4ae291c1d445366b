/**
 * Agent keys as signers for publickey authentication (RFC 4252 §7): the private key stays in the agent and
 * each signature is one SIGN_REQUEST.
 */
import { UsageError } from '../errors.js';
import { isSignatureAlgorithm, type PublicKey, type SignatureAlgorithm } from '../keys/index.js';
import type { AgentClient, AgentIdentity } from './agent-client.js';

/** What publickey authentication needs from a key it cannot see: the public half and a way to sign. */
export interface AgentSigner {
  readonly publicKey: PublicKey;
  readonly comment: string;
  /** Returns the signature blob (`string algorithm ‖ string signature`) over `data`. */
  sign(data: Uint8Array, algorithm: SignatureAlgorithm): Promise<Uint8Array>;
}

/**
 * @example
 * const signer = agentSigner(agent, identity.publicKey);
 * const blob = await signer.sign(sessionData, 'rsa-sha2-512');
 */
export function agentSigner(client: AgentClient, publicKey: PublicKey, comment = ''): AgentSigner {
  return {
    publicKey,
    comment,
    sign(data, algorithm) {
      // The name often arrives as a plain string from the negotiation; refuse anything that is not one.
      if (!isSignatureAlgorithm(algorithm))
        return Promise.reject(new UsageError(`unknown signature algorithm '${String(algorithm)}'`));
      return client.sign(publicKey, data, algorithm);
    },
  };
}

/**
 * One signer per key the agent holds, in the agent's order (the order `ssh` tries them in), skipping key
 * types we cannot parse.
 */
export async function agentSigners(client: AgentClient): Promise<AgentSigner[]> {
  const identities: AgentIdentity[] = await client.identities();
  return identities.flatMap((id) => (id.publicKey ? [agentSigner(client, id.publicKey, id.comment)] : []));
}
