/**
 * The server side of a SOCKS5 handshake (RFC 1928) on a socket: method negotiation (no authentication only),
 * then one CONNECT request. Emits the request once read; the caller answers with `reply()` and, on success,
 * pipes the socket (bytes the client sent early are put back first). Input is buffered only up to one
 * message, so a client cannot make us hold more than MAX_SOCKS5_MESSAGE bytes.
 */
import type { Socket } from 'node:net';
import { Observable } from 'rxjs';
import {
  encodeSocksMethod,
  encodeSocksReply,
  MAX_SOCKS5_MESSAGE,
  readSocksGreeting,
  readSocksRequest,
  SOCKS_CONNECT,
  SocksError,
  SocksMethod,
  SocksReply,
} from './socks5.js';

export interface Socks5Connect {
  host: string;
  port: number;
  /** Sends the RFC 1928 §6 reply; anything but SUCCEEDED also ends the socket. */
  reply(code: number): void;
}

/** How long a client may take to send its greeting and request (a stalled one would hold a socket forever). */
export const SOCKS5_HANDSHAKE_TIMEOUT_MS = 30_000;

/** Emits one CONNECT request and completes; errors with SocksError (after answering) on anything else. */
export function socks5Handshake(
  socket: Socket,
  timeoutMs = SOCKS5_HANDSHAKE_TIMEOUT_MS,
): Observable<Socks5Connect> {
  return new Observable<Socks5Connect>((subscriber) => {
    let buf: Uint8Array = new Uint8Array(0);
    let stage: 'greeting' | 'request' = 'greeting';
    const refuse = (bytes: Uint8Array, err: SocksError) => {
      stop();
      socket.end(bytes);
      subscriber.error(err);
    };
    const reply = (code: number) => {
      if (code === SocksReply.SUCCEEDED) socket.write(encodeSocksReply(code));
      else socket.end(encodeSocksReply(code));
    };
    const onData = (chunk: Buffer) => {
      const joined = new Uint8Array(buf.length + chunk.length);
      joined.set(buf);
      joined.set(chunk, buf.length);
      buf = joined;
      try {
        if (stage === 'greeting') {
          const g = readSocksGreeting(buf);
          if (!g) return;
          buf = buf.subarray(g.length);
          if (!g.methods.includes(SocksMethod.NO_AUTH)) {
            return refuse(
              encodeSocksMethod(SocksMethod.NO_ACCEPTABLE),
              new SocksError('no acceptable authentication method'),
            );
          }
          socket.write(encodeSocksMethod(SocksMethod.NO_AUTH));
          stage = 'request';
        }
        const req = readSocksRequest(buf);
        if (!req) {
          if (buf.length > MAX_SOCKS5_MESSAGE) throw new SocksError('request too long');
          return;
        }
        if (req.command !== SOCKS_CONNECT) {
          throw new SocksError(`command ${req.command}`, SocksReply.COMMAND_NOT_SUPPORTED);
        }
        stop();
        // Bytes after the request belong to the forwarded stream.
        const rest = buf.subarray(req.length);
        if (rest.length > 0) socket.unshift(Buffer.from(rest));
        subscriber.next({ host: req.host, port: req.port, reply });
        subscriber.complete();
      } catch (e) {
        const err = e instanceof SocksError ? e : new SocksError(String(e));
        // Before method selection the answer is a method byte; after it, a reply.
        refuse(
          stage === 'greeting' ? encodeSocksMethod(SocksMethod.NO_ACCEPTABLE) : encodeSocksReply(err.reply),
          err,
        );
      }
    };
    const onEnd = () => {
      stop();
      subscriber.error(new SocksError('client closed during the handshake'));
    };
    const onTimeout = () => {
      stop();
      socket.destroy();
      subscriber.error(new SocksError(`no request within ${timeoutMs} ms`));
    };
    const stop = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.setTimeout(timeoutMs);
    socket.once('timeout', onTimeout);
    socket.resume();
    return stop;
  });
}
