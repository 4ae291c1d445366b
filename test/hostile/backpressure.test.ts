/**
 * A peer that stops reading, end to end: accept() over fromDuplex(), the adapter used for node:net sockets.
 * The core writes about as much as it is sent (resources.test.ts), so whether memory stays bounded depends
 * on the edge: when the socket cannot take more (write() returns false), the adapter must stop reading
 * until 'drain', so the peer's own TCP window fills and it blocks. Otherwise every request the peer keeps
 * sending adds its reply to our unsent output, without limit.
 */
import { Duplex } from 'node:stream';
import { queueScheduler, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { allowPassword } from '../../operators/allow-password.js';
import { accept } from '../../src/connection/accept.js';
import type { CoreEvent } from '../../src/connection/core-events.js';
import { concatBytes } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/random.js';
import { fromDuplex } from '../../src/io/node-duplex.js';
import { generateKey } from '../../src/keys/generate-key.js';
import { encodeUserauthRequest } from '../../src/wire/auth-messages.js';
import { MSG } from '../../src/wire/message-numbers.js';
import { encodeServiceRequest } from '../../src/wire/transport-messages.js';
import { SshWriter } from '../../src/wire/writer.js';
import { Harness, type SutPort } from './support/harness.js';
import { crypto, ScriptedPeer } from './support/scripted-peer.js';

const HIGH_WATER = 16 * 1024;

/** The server's socket as a Duplex: what the peer "sends" is pushed into it; what the server writes is
 * handed to the peer while it reads, and held (callbacks never called) once it stops. */
class StalledSocketPort implements SutPort {
  closed = false;
  reading = true;
  readonly stream: Duplex;
  private readonly out: Uint8Array[] = [];
  private readonly subscription: Subscription;

  constructor(seed: string) {
    this.stream = new Duplex({
      highWaterMark: HIGH_WATER,
      read() {},
      write: (chunk: Buffer, _enc, callback) => {
        if (!this.reading) return; // the peer no longer reads: the write never completes
        this.out.push(new Uint8Array(chunk));
        callback();
      },
    });
    this.subscription = accept(fromDuplex(this.stream), {
      scheduler: queueScheduler,
      crypto,
      random: seededRandom(`${seed}/sut`),
      hostKeys: [generateKey(crypto, 'ssh-ed25519', { random: seededRandom(`${seed}/host`) })],
      authFailureDelayMs: 0,
      auth: allowPassword(() => true),
    }).subscribe({ error: () => undefined, complete: () => undefined });
  }

  receive(bytes: Uint8Array): void {
    this.stream.push(bytes);
  }

  pollTransmit(): Uint8Array | undefined {
    return this.out.length ? concatBytes(...this.out.splice(0)) : undefined;
  }

  pollEvent(): CoreEvent | undefined {
    return undefined;
  }

  dispose(): void {
    this.subscription.unsubscribe();
    this.stream.destroy();
  }
}

/** Lets stream events run, then collects what the server wrote. */
async function settle(h: Harness<StalledSocketPort>): Promise<void> {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  h.pump();
}

describe('backpressure at the Node stream edge', () => {
  // Fixed defect, kept as a regression test (unbounded memory with a peer that does not read): fromDuplex (src/io/node-duplex.ts, `write`)
  // ignores stream.write()'s return value and never pauses the input, and Driver.flush
  // (src/connection/driver.ts) writes every batch regardless. Here the peer sends 60 000 keepalive requests
  // while reading nothing: the server keeps reading them and queues every reply in the socket's writable
  // buffer (about 2 MB; unbounded in general, and channel data would do the same). Fix: when
  // `stream.write()` returns false, pause the input (stream.pause(), or stop emitting) until 'drain'; the
  // ByteIO could expose `write(): boolean` + a drain signal so the Driver stops feeding the core meanwhile.
  it('stops reading while its unsent output is over the high-water mark', async () => {
    const port = new StalledSocketPort('backpressure');
    const h = new Harness(port, new ScriptedPeer({ role: 'client', seed: 'backpressure' }), { now: 0 });
    try {
      h.start();
      await settle(h);
      while (h.peer.kexCount === 0) {
        h.step();
        await settle(h);
      }
      h.send(encodeServiceRequest('ssh-userauth'));
      h.send(
        encodeUserauthRequest({ user: 'u', service: 'ssh-connection', method: 'password', password: 'p' }),
      );
      await settle(h);
      expect(h.sent(MSG.USERAUTH_SUCCESS), 'authenticated over the stream').toHaveLength(1);

      port.reading = false;
      const request = () =>
        h.peer.packet(
          new SshWriter().byte(MSG.GLOBAL_REQUEST).string('keepalive@openssh.com').boolean(true).bytes(),
        );
      for (let batch = 0; batch < 60; batch++) {
        port.receive(concatBytes(...Array.from({ length: 1000 }, request)));
        await settle(h);
      }
      expect(port.stream.writableLength, 'unsent output').toBeLessThanOrEqual(256 * 1024);
    } finally {
      port.dispose();
    }
  });
});
