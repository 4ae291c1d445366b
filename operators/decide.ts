/**
 * The skeleton every authentication operator shares: steps already decided, or of another method, pass
 * through untouched and in order; a matching step is decided by the application's callback, which may answer
 * synchronously, with a Promise or with an Observable. A throw, a rejection, an empty answer or an error all
 * decide "reject": policies fail closed.
 */
import {
  catchError,
  concatMap,
  defaultIfEmpty,
  defer,
  from,
  map,
  type ObservableInput,
  of,
  take,
} from 'rxjs';
import type { AuthDecision, AuthPolicy, AuthRequest, AuthStep } from '../src/connection/auth-policy.js';

export type Answer<T> = T | ObservableInput<T>;

export const ACCEPT: AuthDecision = { result: 'accept' };
export const REJECT: AuthDecision = { result: 'reject' };

export function toObservableInput<T>(answer: Answer<T>): ObservableInput<T> {
  const a = answer as unknown;
  if (
    a !== null &&
    typeof a === 'object' &&
    (Symbol.iterator in a || 'then' in a || 'subscribe' in a) &&
    !Array.isArray(a)
  ) {
    return answer as ObservableInput<T>;
  }
  return of(answer as T);
}

export function decideWhen<R extends AuthRequest>(
  matches: (request: AuthRequest) => request is R,
  decide: (request: R) => Answer<AuthDecision>,
): AuthPolicy {
  return concatMap((step: AuthStep) => {
    const request = step.request;
    if (step.decision || !matches(request)) return of(step);
    return defer(() => from(toObservableInput(decide(request)))).pipe(
      take(1),
      defaultIfEmpty(REJECT),
      catchError(() => of(REJECT)),
      map((decision): AuthStep => ({ ...step, decision })),
    );
  });
}

/** Maps a yes/no answer to accept/reject. */
export function verdict(answer: Answer<boolean>): ObservableInput<AuthDecision> {
  return from(toObservableInput(answer)).pipe(map((ok) => (ok === true ? ACCEPT : REJECT)));
}
