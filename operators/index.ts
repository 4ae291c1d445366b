/** rxssh/operators: composable RxJS operators for SSH flows (what other libraries call handlers). */

export { type AcceptSessionsOptions, acceptSessions, type Session } from './accept-sessions.js';
export {
  type AgentForwardingOptions,
  type AgentForwardingSession,
  agentForwarding,
  type ForwardedAgent,
  forwardAgent,
  requestAgentForwarding,
  withAgentForwarding,
} from './agent-forwarding.js';
export { type AllowCertificateOptions, allowCertificate } from './allow-certificate.js';
export {
  type AllowDirectStreamlocalOptions,
  allowDirectStreamlocal,
  type DirectStreamlocalPolicy,
  type DirectStreamlocalRequest,
} from './allow-direct-streamlocal.js';
export {
  type AllowDirectTcpipOptions,
  allowDirectTcpip,
  type DirectTcpipPolicy,
  type DirectTcpipRequest,
  loopbackTargetsOnly,
} from './allow-direct-tcpip.js';
export {
  allowKeyboardInteractive,
  type KeyboardInteractiveOptions,
  passwordViaKeyboardInteractive,
} from './allow-keyboard-interactive.js';
export { allowPassword } from './allow-password.js';
export { allowAuthorizedKeys, allowPublicKey } from './allow-public-key.js';
export {
  type AllowRemoteForwardingOptions,
  allowRemoteForwarding,
  loopbackBindOnly,
  type RemoteForward,
  type RemoteForwardPolicy,
  type RemoteForwardRequest,
} from './allow-remote-forwarding.js';
export {
  type AllowStreamlocalForwardingOptions,
  allowStreamlocalForwarding,
  forwardToClientStreamlocal,
  type StreamlocalForwardPolicy,
  type StreamlocalForwardRequest,
} from './allow-streamlocal-forwarding.js';
export { collectOutput, type ExecResult, OutputLimitError } from './collect-output.js';
export { ACCEPT, type Answer, decideWhen, REJECT } from './decide.js';
export { type ExecOptions, exec, runExec, sendStdin } from './exec.js';
export { type ForwardLocalOptions, forwardLocal, type ListeningAddress } from './forward-local.js';
export {
  type ForwardLocalStreamlocalOptions,
  forwardLocalStreamlocal,
  openDirectStreamlocal,
} from './forward-local-streamlocal.js';
export { type ForwardRemoteOptions, forwardRemote } from './forward-remote.js';
export {
  type ForwardRemoteStreamlocalOptions,
  forwardRemoteStreamlocal,
  type RemoteListening,
} from './forward-remote-streamlocal.js';
export { ForwardingError, type ForwardingLog, type HostPort } from './forwarding-error.js';
export { requireMethods } from './require-methods.js';
export { type PtyOptions, requestPty, shell, subsystem, windowChange } from './shell.js';
export { type SocksProxyOptions, socksProxy } from './socks-proxy.js';
export {
  connectEndpoint,
  connectStreamlocal,
  type Endpoint,
  isStreamlocal,
  type ListenEndpoint,
  listenStreamlocal,
  type StreamlocalListenEvent,
  type StreamlocalListenOptions,
  type StreamlocalPath,
} from './streamlocal-sockets.js';
export {
  type AllowX11Options,
  allowX11,
  type SessionX11,
  type X11Display,
  type X11Session,
  type X11State,
} from './x11-allow.js';
export {
  connectX11Display,
  parseX11Display,
  type X11Connector,
  type X11DisplayTarget,
} from './x11-display.js';
export { forwardX11, MIT_MAGIC_COOKIE, requestX11, type X11ForwardOptions } from './x11-forward.js';
