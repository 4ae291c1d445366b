/** The agent answered SSH_AGENT_FAILURE (draft-miller-ssh-agent-04 §4.1): it understood and said no. */
import { DisconnectReason, SshError } from '../errors.js';

/**
 * The agent refused a request: unknown key, locked agent, wrong unlock passphrase, user declined a
 * confirmation, unsupported key type or extension. Blame is 'policy': the protocol worked, the answer was no.
 */
export class AgentRefusedError extends SshError {
  override name = 'AgentRefusedError';
  constructor(readonly operation: string) {
    super(`agent refused ${operation}`, DisconnectReason.BY_APPLICATION, 'policy');
  }
}
