/** rxssh/operators: composable RxJS operators for SSH flows (what other libraries call handlers). */
export { allowPassword } from './allow-password.js';
export { allowPublicKey, allowAuthorizedKeys } from './allow-public-key.js';
export {
  allowKeyboardInteractive,
  passwordViaKeyboardInteractive,
  type KeyboardInteractiveOptions,
} from './allow-keyboard-interactive.js';
export { requireMethods } from './require-methods.js';
export { ACCEPT, REJECT, decideWhen, type Answer } from './decide.js';
export { exec, runExec, sendStdin, type ExecOptions } from './exec.js';
export { collectOutput, type ExecResult, OutputLimitError } from './collect-output.js';
export { shell, subsystem, requestPty, windowChange, type PtyOptions } from './shell.js';
export { acceptSessions, type Session, type AcceptSessionsOptions } from './accept-sessions.js';
export { ForwardingError, type HostPort, type ForwardingLog } from './forwarding-error.js';
export { forwardLocal, type ForwardLocalOptions, type ListeningAddress } from './forward-local.js';
export { forwardRemote, type ForwardRemoteOptions } from './forward-remote.js';
export { socksProxy, type SocksProxyOptions } from './socks-proxy.js';
export {
  allowDirectTcpip,
  loopbackTargetsOnly,
  type AllowDirectTcpipOptions,
  type DirectTcpipPolicy,
  type DirectTcpipRequest,
} from './allow-direct-tcpip.js';
export {
  allowRemoteForwarding,
  loopbackBindOnly,
  type AllowRemoteForwardingOptions,
  type RemoteForward,
  type RemoteForwardPolicy,
  type RemoteForwardRequest,
} from './allow-remote-forwarding.js';
export { allowCertificate, type AllowCertificateOptions } from './allow-certificate.js';
export {
  agentForwarding,
  forwardAgent,
  requestAgentForwarding,
  withAgentForwarding,
  type AgentForwardingOptions,
  type AgentForwardingSession,
  type ForwardedAgent,
} from './agent-forwarding.js';
