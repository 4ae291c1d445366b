/**
 * accept() over a memoryLink, presented to the harness as a SutPort, so a test exercises the whole server
 * stack: Driver, ServerCore and the application's RxJS auth policy. Everything runs on the queueScheduler,
 * so each delivery is processed synchronously before `receive` returns.
 */
import { queueScheduler, type Subscription, tap } from 'rxjs';
import { type AcceptOptions, accept } from '../../../src/connection/accept.js';
import type { AuthPolicy, AuthStep } from '../../../src/connection/auth-policy.js';
import type { Connection } from '../../../src/connection/connection.js';
import type { CoreEvent } from '../../../src/connection/core-events.js';
import { concatBytes } from '../../../src/crypto/bytes.js';
import { seededRandom } from '../../../src/crypto/random.js';
import { generateKey } from '../../../src/keys/generate-key.js';
import { memoryLink } from '../../../src/testing/memory-link.js';
import { Harness, type SutPort } from './harness.js';
import { crypto, ScriptedPeer } from './scripted-peer.js';

export class AcceptPort implements SutPort {
  closed = false;
  readonly connections: Connection[] = [];
  error: unknown;
  completed = false;
  /** Every step the policy was shown (what the application's callbacks saw). */
  readonly asked: AuthStep[] = [];
  private readonly out: Uint8Array[] = [];
  private readonly subscription: Subscription;
  private readonly write: (bytes: Uint8Array) => void;

  constructor(auth: AuthPolicy, options: Partial<AcceptOptions> & { seed: string }) {
    const link = memoryLink({ scheduler: queueScheduler });
    link.a.input.subscribe({
      next: (b) => this.out.push(b),
      complete: () => {
        this.closed = true;
      },
    });
    this.write = (b) => link.a.write(b);
    const spy: AuthPolicy = (steps) => auth(steps.pipe(tap((step) => this.asked.push(step))));
    this.subscription = accept(link.b, {
      scheduler: queueScheduler,
      crypto,
      random: seededRandom(`${options.seed}/sut`),
      hostKeys: [generateKey(crypto, 'ssh-ed25519', { random: seededRandom(`${options.seed}/host`) })],
      authFailureDelayMs: 0,
      ...options,
      auth: spy,
    }).subscribe({
      next: (c) => this.connections.push(c),
      error: (e) => {
        this.error = e;
      },
      complete: () => {
        this.completed = true;
      },
    });
  }

  receive(bytes: Uint8Array): void {
    this.write(bytes);
  }

  pollTransmit(): Uint8Array | undefined {
    return this.out.length ? concatBytes(...this.out.splice(0)) : undefined;
  }

  pollEvent(): CoreEvent | undefined {
    return undefined;
  }

  /** Unsubscribes (disconnecting if still open): call at the end of each test so no timer is left. */
  dispose(): void {
    this.subscription.unsubscribe();
  }
}

export function acceptUnderTest(
  auth: AuthPolicy,
  options: Partial<AcceptOptions> & { seed?: string } = {},
): Harness<AcceptPort> {
  const seed = options.seed ?? 'accept';
  const port = new AcceptPort(auth, { ...options, seed });
  return new Harness(port, new ScriptedPeer({ role: 'client', seed }), { now: 0 });
}
