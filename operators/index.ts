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
