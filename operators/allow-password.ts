/**
 * Decides `password` requests (RFC 4252 §8) with the application's check.
 *
 * @example
 * accept(io, { hostKeys, auth: pipe(allowPassword((user, pw) => user === 'demo' && pw === 'secret')) })
 */
import type { AuthPolicy, AuthRequest } from '../src/connection/auth-policy.js';
import { type Answer, decideWhen, verdict } from './decide.js';

type PasswordRequest = Extract<AuthRequest, { method: 'password' }>;

export function allowPassword(
  check: (username: string, password: string, request: PasswordRequest) => Answer<boolean>,
): AuthPolicy {
  return decideWhen(
    (r): r is PasswordRequest => r.method === 'password' && r.newPassword === undefined,
    (r) => verdict(check(r.username, r.password, r)),
  );
}
