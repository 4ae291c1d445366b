/**
 * Rules every exchange obeys, for every method: each message of a real exchange, truncated or with a
 * trailing byte, is a DecodeError at the point where it arrives; unexpected message numbers are a
 * ProtocolError; nothing is accepted after the result or after a failure; misuse is a UsageError.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/index.js';
import { DecodeError, ProtocolError, UsageError } from '../../src/errors.js';
import { KEX_METHODS } from '../../src/kex/registry.js';
import type { KexExchange } from '../../src/kex/types.js';
import { BACKENDS, context, fakeHostKey, type Run, runExchange } from './helpers.js';

const [[, crypto]] = BACKENDS; // the rules live above the backend; one is enough here

function pair(name: string, seed: string): { client: KexExchange; server: KexExchange } {
  const method = KEX_METHODS[name];
  return {
    client: method.client(context(crypto, seededRandom(`${seed}/client`))),
    server: method.server(context(crypto, seededRandom(`${seed}/server`)), fakeHostKey),
  };
}

const recorded = new Map(
  Object.keys(KEX_METHODS).map((name) => [name, runExchange(KEX_METHODS[name], crypto, `machine ${name}`)]),
);

/** A fresh pair replayed up to message `index` of a recorded run; returns who receives that message. */
function receiverOf(name: string, index: number): { receiver: KexExchange; message: Uint8Array } {
  const seed = `machine ${name}`;
  const { wire } = recorded.get(name) as Run;
  const { client, server } = pair(name, seed);
  client.start();
  server.start();
  for (let j = 0; j < index; j++) (wire[j].from === 'client' ? server : client).receive(wire[j].payload);
  return { receiver: wire[index].from === 'client' ? server : client, message: wire[index].payload };
}

const cases = [...recorded].flatMap(([name, run]) =>
  run.wire.map((m, index) => ({ name, index, type: m.payload[0] })),
);

describe.each(cases)('$name, message #$index (type $type)', ({ name, index }) => {
  it('truncated by one byte → DecodeError', () => {
    const { receiver, message } = receiverOf(name, index);
    expect(() => receiver.receive(message.subarray(0, message.length - 1))).toThrow(DecodeError);
  });

  it('with one trailing byte → DecodeError', () => {
    const { receiver, message } = receiverOf(name, index);
    expect(() => receiver.receive(concatBytes(message, Uint8Array.of(0)))).toThrow(DecodeError);
  });

  it('only the message number → DecodeError', () => {
    const { receiver, message } = receiverOf(name, index);
    expect(() => receiver.receive(message.subarray(0, 1))).toThrow(DecodeError);
  });

  it('whole → accepted, and the receiver is then done with that message number', () => {
    const { receiver, message } = receiverOf(name, index);
    expect(() => receiver.receive(message)).not.toThrow();
    expect(() => receiver.receive(message)).toThrow(ProtocolError);
  });
});

describe.each(Object.keys(KEX_METHODS))('%s state rules', (name) => {
  it('the client must start before it receives, and starts once', () => {
    const { client } = pair(name, 'rules');
    expect(() => client.receive(Uint8Array.of(31))).toThrow(UsageError);
    expect(client.start()).toHaveLength(1);
    expect(() => client.start()).toThrow(UsageError);
  });

  it('the server sends nothing first and may be fed without start()', () => {
    const { client, server } = pair(name, 'rules');
    const [first] = client.start();
    expect(() => server.receive(first)).not.toThrow();
    const other = pair(name, 'rules');
    expect(other.server.start()).toEqual([]);
  });

  // GEX servers open with 30 or 34, everyone else with 30 only: anything else first is out of order.
  const outOfOrder = [20, 21, 31, 32, 33, 35, 49, 50, ...(name.includes('group-exchange') ? [] : [34])];
  it.each(outOfOrder)('server refuses message %i first → ProtocolError', (type) => {
    const { server } = pair(name, 'rules');
    expect(() => server.receive(Uint8Array.of(type, 0, 0, 0, 0))).toThrow(ProtocolError);
  });

  it('client refuses its own INIT echoed back → ProtocolError', () => {
    const { client } = pair(name, 'rules');
    const [init] = client.start();
    expect(() => client.receive(init)).toThrow(ProtocolError);
  });

  it('an empty message → DecodeError', () => {
    const { server } = pair(name, 'rules');
    expect(() => server.receive(new Uint8Array(0))).toThrow(DecodeError);
  });

  it('errors are sticky: after a failure even a valid message is refused', () => {
    const { client, server } = pair(name, 'rules');
    const [init] = client.start();
    expect(() => server.receive(concatBytes(init, Uint8Array.of(1)))).toThrow(DecodeError);
    expect(() => server.receive(init)).toThrow(ProtocolError);
  });

  it('nothing is accepted after the result', () => {
    const { client, server } = pair(name, 'rules');
    let toServer = client.start();
    let done = false;
    for (let i = 0; i < 4 && !done; i++) {
      const replies = toServer.flatMap((m) => server.receive(m).send);
      toServer = [];
      for (const r of replies) {
        const out = client.receive(r);
        toServer.push(...out.send);
        if (out.result) {
          done = true;
          expect(() => client.receive(r)).toThrow(ProtocolError);
        }
      }
    }
    expect(done).toBe(true);
  });
});
