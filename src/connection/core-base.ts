/**
 * What client and server cores share: the transport underneath, timers (keepalive and whatever the role
 * adds), routing of upper-layer messages by number (RFC 4250 §4.1.2), and the global-request FIFO
 * (RFC 4254 §4: replies come in the order the requests were sent).
 *
 * Sans-I/O like the transport: `receive`, `receiveEnd`, `handleTimeout` and commands in; `pollTransmit`,
 * `pollEvent`, `pollTimeout` out. Connection-layer messages never reach the application before
 * authentication succeeded (libssh CVE-2018-10933 class): they end the connection as a protocol error.
 */

import { ChannelMux, type ChannelMuxOptions } from '../channel/channel-mux.js';
import { decodeChannelRequest } from '../channel/channel-requests.js';
import type { CryptoBackend, RandomSource } from '../crypto/backend.js';
import { DisconnectReason, ProtocolError, TimeoutError, UsageError } from '../errors.js';
import { Transport, type TransportOptions } from '../transport/transport.js';
import { decodeGlobalRequest, encodeGlobalRequest } from '../wire/connection-messages.js';
import { MSG } from '../wire/message-numbers.js';
import { encodePing } from '../wire/transport-messages.js';
import type { CoreEvent } from './core-events.js';
import { GlobalRequests } from './global-requests.js';
import { Keepalive, type KeepaliveOptions } from './keepalive.js';

export interface CoreOptions extends Omit<TransportOptions, 'role'> {
  crypto: CryptoBackend;
  random: RandomSource;
  clock: () => number;
  keepalive?: KeepaliveOptions;
  channels?: Omit<ChannelMuxOptions, 'send'>;
}

export abstract class CoreBase {
  readonly transport: Transport;
  authenticated = false;
  protected readonly events: CoreEvent[] = [];
  protected readonly keepalive: Keepalive;
  readonly mux: ChannelMux;
  private readonly globals: GlobalRequests;
  private closedReported = false;

  constructor(
    role: 'client' | 'server',
    protected readonly options: CoreOptions,
  ) {
    this.transport = new Transport({ ...options, role });
    this.keepalive = new Keepalive(options.keepalive, options.clock());
    const send = (p: Uint8Array) => this.transport.send(p);
    // Channel data goes to the transport apart from its header: copied once, straight into the packet.
    this.mux = new ChannelMux({ ...options.channels, send }, (head, tail) => this.transport.send(head, tail));
    this.globals = new GlobalRequests(send);
  }

  /** Runs a command against the channel layer, turning a protocol error into a disconnect, then drains events. */
  channels(command: (mux: ChannelMux) => void): void {
    if (this.closed) return;
    try {
      command(this.mux);
    } catch (e) {
      // The application misused the API: its error, not the connection's.
      if (e instanceof UsageError) {
        this.process();
        throw e;
      }
      this.transport.fail(e);
    }
    this.process();
  }

  get closed(): boolean {
    return this.transport.closed;
  }

  receive(bytes: Uint8Array): void {
    if (bytes.length > 0) this.keepalive.heard(this.options.clock());
    this.transport.receive(bytes);
    this.process();
  }

  receiveEnd(): void {
    this.transport.receiveEnd();
    this.process();
  }

  handleTimeout(): void {
    const now = this.options.clock();
    this.transport.handleTimeout();
    if (!this.closed) {
      switch (this.keepalive.expire(now)) {
        case 'dead':
          this.transport.fail(
            new TimeoutError('peer not responding to keepalive', DisconnectReason.CONNECTION_LOST),
          );
          break;
        case 'probe':
          this.globals.expect({ kind: 'keepalive' });
          this.transport.send(
            encodeGlobalRequest({ name: 'keepalive@openssh.com', wantReply: true, data: new Uint8Array(0) }),
          );
          break;
      }
    }
    if (!this.closed) this.onTimeout(now);
    this.process();
  }

  pollTransmit(): Uint8Array | undefined {
    return this.transport.pollTransmit();
  }

  /** The pending packets as they are, for adapters that write a batch without joining it (writev). */
  pollTransmitBatch(): Uint8Array[] | undefined {
    return this.transport.pollTransmitBatch();
  }

  pollEvent(): CoreEvent | undefined {
    return this.events.shift();
  }

  pollTimeout(): number | undefined {
    if (this.closed) return undefined;
    const ts = [this.transport.pollTimeout(), this.keepalive.deadline(), this.roleTimeout()].filter(
      (t): t is number => t !== undefined,
    );
    return ts.length ? Math.min(...ts) : undefined;
  }

  disconnect(
    reason: number = DisconnectReason.BY_APPLICATION,
    description = 'disconnected by application',
  ): void {
    this.transport.disconnect(reason, description);
    this.process();
  }

  /** Sends a global request (RFC 4254 §4); with `wantReply` the callback gets the peer's answer in order. */
  globalRequest(name: string, data: Uint8Array, onReply?: (ok: boolean, data: Uint8Array) => void): void {
    if (onReply) this.globals.expect({ kind: 'app', resolve: onReply });
    this.transport.send(encodeGlobalRequest({ name, wantReply: !!onReply, data }));
    this.process();
  }

  /** Sends an OpenSSH transport-level ping (PROTOCOL: ping@openssh.com), when the peer announced it. */
  ping(data: Uint8Array): boolean {
    if (!this.transport.peerExtensions.has('ping@openssh.com') || !this.authenticated) return false;
    this.transport.send(encodePing(data));
    this.process();
    return true;
  }

  protected abstract onUserauthMessage(payload: Uint8Array): void;
  protected abstract onKexComplete(initial: boolean): void;
  protected onTimeout(_now: number): void {}
  protected onExtInfo(_extensions: Map<string, Uint8Array>): void {}
  protected roleTimeout(): number | undefined {
    return undefined;
  }

  /** Drains transport events, routing upper-layer messages; errors end the connection with their reason. */
  protected process(): void {
    for (;;) {
      const e = this.transport.pollEvent();
      if (!e) {
        // The transport stops after each upper-layer message until we handled it; let it go on.
        if (this.transport.resume()) continue;
        break;
      }
      try {
        this.handleTransportEvent(e);
      } catch (err) {
        this.transport.fail(err);
      }
      this.drainChannels();
    }
    this.drainChannels(); // commands produce channel events without any transport event
  }

  private handleTransportEvent(e: NonNullable<ReturnType<Transport['pollEvent']>>): void {
    switch (e.type) {
      case 'message':
        return this.route(e.payload);
      case 'host-key':
        this.events.push({ type: 'host-key', algorithm: e.algorithm, blob: e.blob });
        return;
      case 'kex-complete':
        this.events.push({
          type: 'kex',
          info: { initial: e.initial, algorithms: e.algorithms, strictKex: e.strictKex },
        });
        this.onKexComplete(e.initial);
        return;
      case 'ext-info':
        this.events.push({ type: 'ext-info', extensions: e.extensions });
        this.onExtInfo(e.extensions);
        return;
      case 'debug':
        this.events.push({ type: 'debug', message: e.message });
        return;
      case 'pong':
        this.events.push({ type: 'pong', data: e.data });
        return;
      case 'unimplemented':
        return;
      case 'closed':
        if (this.closedReported) return;
        this.closedReported = true;
        this.events.push({
          type: 'closed',
          info: { reason: e.reason, description: e.description, byPeer: e.byPeer, error: e.error },
        });
        return;
    }
  }

  private route(p: Uint8Array): void {
    const type = p[0];
    if (type === MSG.SERVICE_REQUEST || type === MSG.SERVICE_ACCEPT || (type >= 50 && type < 80)) {
      return this.onUserauthMessage(p);
    }
    if (type >= 80 && type < 128) {
      if (!this.authenticated) throw new ProtocolError(`connection message ${type} before authentication`);
      // RFC 4254 assigns 80-82 and 90-100; the rest of the range is unassigned (RFC 4253 §11.4).
      if (type <= 82 || (type >= 90 && type <= 100)) return this.onConnectionMessage(p);
    }
    this.transport.sendUnimplemented(); // RFC 4253 §11.4
  }

  /** Connection layer (RFC 4254): global requests here, channel messages to the multiplexer. */
  protected onConnectionMessage(p: Uint8Array): void {
    switch (p[0]) {
      case MSG.GLOBAL_REQUEST: {
        const req = decodeGlobalRequest(p);
        const reply = this.globals.onRequest(req);
        if (reply)
          this.events.push({
            type: 'global-request',
            name: req.name,
            wantReply: req.wantReply,
            data: req.data,
            reply,
          });
        return;
      }
      case MSG.REQUEST_SUCCESS:
      case MSG.REQUEST_FAILURE:
        return this.globals.onReply(p);
      default:
        this.mux.receive(p);
    }
  }

  /** Moves channel events out of the multiplexer into the core's event queue. */
  private drainChannels(): void {
    for (let e = this.mux.poll(); e; e = this.mux.poll()) {
      if (e.type !== 'request') {
        this.events.push({ type: 'channel', event: e });
        continue;
      }
      // Decoded here, inside the core, so a malformed request ends the connection as a protocol error.
      try {
        const request = decodeChannelRequest(e.requestType, e.data);
        this.events.push({ type: 'channel', event: e, request });
      } catch (err) {
        this.transport.fail(err);
        this.process();
        return;
      }
    }
  }
}
