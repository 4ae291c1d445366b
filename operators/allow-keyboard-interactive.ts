/**
 * Decides `keyboard-interactive` logins (RFC 4256): send prompts, then judge the responses.
 *
 * @example
 * allowKeyboardInteractive({
 *   prompts: () => [{ prompt: 'Password: ', echo: false }],
 *   verify: (user, [pw]) => checkPassword(user, pw),
 * })
 */
import type { AuthPolicy, AuthRequest } from '../src/connection/auth-policy.js';
import { type Answer, decideWhen, verdict } from './decide.js';

export interface KeyboardInteractiveOptions {
  name?: string;
  instruction?: string;
  prompts: (username: string) => { prompt: string; echo: boolean }[];
  verify: (username: string, responses: string[]) => Answer<boolean>;
}

type KbdRequest = Extract<AuthRequest, { method: 'keyboard-interactive' | 'keyboard-interactive-response' }>;

export function allowKeyboardInteractive(opts: KeyboardInteractiveOptions): AuthPolicy {
  return decideWhen(
    (r): r is KbdRequest =>
      r.method === 'keyboard-interactive' || r.method === 'keyboard-interactive-response',
    (r) =>
      r.method === 'keyboard-interactive'
        ? {
            result: 'prompts',
            name: opts.name ?? '',
            instruction: opts.instruction ?? '',
            prompts: opts.prompts(r.username),
          }
        : verdict(opts.verify(r.username, r.responses)),
  );
}

/** Password login through keyboard-interactive, as servers using PAM offer it. */
export function passwordViaKeyboardInteractive(
  check: (username: string, password: string) => Answer<boolean>,
): AuthPolicy {
  return allowKeyboardInteractive({
    prompts: () => [{ prompt: 'Password: ', echo: false }],
    verify: (user, responses) => responses.length === 1 && check(user, responses[0]),
  });
}
