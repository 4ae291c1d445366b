/**
 * Server-side authentication decisions are an RxJS pipeline: each request the client makes becomes an
 * `AuthStep`, flows through the application's policy (a chain of operators from `rxssh/operators`, or any
 * RxJS operators), and whatever decision it carries at the end is applied. A step that leaves the policy
 * undecided is rejected: the policy fails closed.
 */
import type { OperatorFunction } from 'rxjs';
import type { Decision as AuthDecision, AuthRequest } from '../auth/server-auth.js';

export type { AuthDecision, AuthRequest };

export interface AuthStep {
  readonly id: number;
  readonly request: AuthRequest;
  readonly decision?: AuthDecision;
}

export type AuthPolicy = OperatorFunction<AuthStep, AuthStep>;

export const REJECT: AuthDecision = { result: 'reject' };
