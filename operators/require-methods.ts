/**
 * Multi-method policies (RFC 4252 §5.1 partial success), like OpenSSH's `AuthenticationMethods
 * publickey,password`: a method the inner operators accepted counts as done; until every required method is
 * done the client gets "partial success" with the methods still needed. State is per connection and is reset
 * when the user name changes.
 *
 * @example
 * pipe(allowPublicKey(isAuthorized), allowPassword(check), requireMethods(['publickey', 'password']))
 */
import { map } from 'rxjs';
import { wireMethod } from '../src/auth/auth-request.js';
import type { AuthPolicy, AuthStep } from '../src/connection/auth-policy.js';
import { ACCEPT } from './decide.js';

export function requireMethods(required: readonly string[]): AuthPolicy {
  return (source) => {
    let user: string | undefined;
    const done = new Set<string>();
    return source.pipe(
      map((step: AuthStep): AuthStep => {
        const { request, decision } = step;
        if (request.username !== user) {
          user = request.username;
          done.clear();
        }
        // A PK_OK answer or a prompt is not a success: leave those as they are.
        if (decision?.result !== 'accept' || request.method === 'publickey-query') return step;
        done.add(wireMethod(request.method));
        const missing = required.filter((m) => !done.has(m));
        return missing.length === 0
          ? { ...step, decision: ACCEPT }
          : { ...step, decision: { result: 'partial', nextMethods: missing } };
      }),
    );
  };
}
