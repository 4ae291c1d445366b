/**
 * The one state machine every method runs on. A method is described as data: each step is a table from the
 * message number it accepts next to a handler, and a handler returns what to send and the next step (or
 * the result). The machine enforces the rules common to all methods: start once, only the listed message
 * numbers in each step, nothing after the result, and errors are sticky (after one failure all input is
 * refused).
 */
import { DecodeError, ProtocolError, UsageError } from '../errors.js';
import type { KexExchange, KexResult } from './types.js';

export interface StepOutcome {
  send: Uint8Array[];
  next?: Step;
  result?: KexResult;
}

export type Handler = (payload: Uint8Array) => StepOutcome;

/** Message number → handler for the messages legal at this point of the exchange. */
export type Step = Readonly<Partial<Record<number, Handler>>>;

/**
 * `begin` runs on `start()`. A side that sends first (the client) must be started before it receives;
 * a side that only answers (the server) starts itself on its first message if the caller did not.
 */
export function exchangeMachine(begin: () => StepOutcome, sendsFirst: boolean): KexExchange {
  let started = false;
  let failed = false;
  let step: Step | undefined;

  const doStart = (): Uint8Array[] => {
    started = true;
    const out = begin();
    step = out.next;
    return out.send;
  };

  return {
    start() {
      if (started) throw new UsageError('key exchange already started');
      return doStart();
    },
    receive(payload) {
      if (!started) {
        if (sendsFirst) throw new UsageError('key exchange received a message before start()');
        doStart();
      }
      if (failed) throw new ProtocolError('key exchange already failed');
      if (payload.length === 0) {
        failed = true;
        throw new DecodeError('key exchange: empty message');
      }
      const type = payload[0];
      const handler = step?.[type];
      if (handler === undefined) {
        failed = true;
        const state =
          step === undefined ? 'after the key exchange finished' : 'at this point of the key exchange';
        throw new ProtocolError(`unexpected message ${type} ${state}`);
      }
      try {
        const out = handler(payload);
        step = out.next;
        return out.result === undefined ? { send: out.send } : { send: out.send, result: out.result };
      } catch (err) {
        failed = true;
        step = undefined;
        throw err;
      }
    },
  };
}
