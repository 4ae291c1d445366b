/**
 * The client side of a connection as a sans-I/O core: transport + user authentication (RFC 4252) +
 * the connection layer. The application answers host-key and credential questions through commands; the
 * core never blocks and never calls out.
 */
import { ClientAuth, type ClientAuthMethod } from '../auth/client-auth.js';
import { serverSigAlgs } from '../wire/transport-messages.js';
import { CoreBase, type CoreOptions } from './core-base.js';

export interface ClientCoreOptions extends CoreOptions {
  username: string;
  /** Methods in order of preference; each is tried only if the server lists it. */
  authMethods: ClientAuthMethod[];
}

export class ClientCore extends CoreBase {
  private auth?: ClientAuth;
  serverSigAlgs?: string[];

  constructor(private readonly clientOptions: ClientCoreOptions) {
    super('client', clientOptions);
  }

  /** The application's verdict on the server's host key; nothing is sent to the server before `true`. */
  answerHostKey(accepted: boolean, reason?: string): void {
    this.transport.answerHostKey(accepted, reason);
    this.process();
  }

  answerPassword(password: string | null, newPassword?: string): void {
    this.auth?.answerPassword(password, newPassword);
    this.drainAuth();
  }

  answerKbdInt(responses: string[] | null): void {
    this.auth?.answerKbdInt(responses);
    this.drainAuth();
  }

  answerSignature(signature: Uint8Array | null): void {
    this.auth?.answerSignature(signature);
    this.drainAuth();
  }

  protected onKexComplete(initial: boolean): void {
    if (!initial || this.auth) return;
    this.auth = new ClientAuth({
      username: this.clientOptions.username,
      sessionId: this.transport.sessionId!,
      methods: this.clientOptions.authMethods,
      serverSigAlgs: serverSigAlgs(this.transport.peerExtensions),
    });
    this.auth.start();
    this.drainAuth();
  }

  /** RFC 8308 §2.4: a server may send EXT_INFO again during authentication; later values win. */
  protected override onExtInfo(ext: Map<string, Uint8Array>): void {
    const algs = serverSigAlgs(ext);
    if (algs) this.auth?.setServerSigAlgs(algs);
  }

  protected onUserauthMessage(payload: Uint8Array): void {
    if (this.authenticated) return; // RFC 4252 §5.1: later authentication messages are ignored
    if (!this.auth) throw new Error('unreachable: authentication message before key exchange');
    this.auth.receive(payload);
    this.drainAuth();
  }

  private drainAuth(): void {
    const auth = this.auth;
    if (!auth || this.closed) {
      this.process();
      return;
    }
    for (let out = auth.poll(); out; out = auth.poll()) {
      switch (out.type) {
        case 'send':
          this.transport.send(out.payload);
          break;
        case 'banner':
          this.events.push({ type: 'banner', message: out.message });
          break;
        case 'need-password':
        case 'need-kbdint':
        case 'need-signature':
          this.events.push({ type: 'auth-prompt', prompt: out });
          break;
        case 'method-result':
          this.events.push({
            type: 'auth-attempt',
            method: out.method,
            result: out.result,
            methodsLeft: out.methodsLeft,
          });
          break;
        case 'success':
          this.authenticated = true;
          this.transport.setAuthenticated();
          this.events.push({
            type: 'authenticated',
            username: this.clientOptions.username,
            method: out.method,
            methods: [out.method],
          });
          break;
        case 'failed':
          this.transport.fail(out.error);
          break;
      }
    }
    this.process();
  }
}
