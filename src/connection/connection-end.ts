/** How the observable from `connect()` or `accept()` ends when its connection does. */
import type { Subscriber } from 'rxjs';
import { DisconnectReason, PeerDisconnectError } from '../errors.js';
import type { DisconnectInfo } from './core-events.js';

/**
 * Completes on a clean end (we closed, or an authenticated peer said BY_APPLICATION); errors with the typed
 * error otherwise, so failures are never mistaken for an orderly goodbye.
 */
export function endConnection(
  subscriber: Subscriber<unknown>,
  info: DisconnectInfo,
  authenticated: boolean,
): void {
  const err = info.error;
  const clean =
    !err ||
    (authenticated && err instanceof PeerDisconnectError && info.reason === DisconnectReason.BY_APPLICATION);
  if (clean) subscriber.complete();
  else subscriber.error(err);
}
