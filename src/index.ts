/**
 * rxssh: an SSH client and server for TypeScript, built on RxJS.
 *
 * @example
 * import { connect, connectTcp, acceptHostKey } from 'rxssh';
 * connectTcp({ host: '127.0.0.1', port: 22 })
 *   .pipe(switchMap((io) => connect(io, { username: 'me', password: 'secret', verifyHostKey: acceptHostKey(fp) })))
 *   .subscribe((conn) => console.log('authenticated using', conn.authMethod));
 */
export * from './errors.js';
export type { CryptoBackend, RandomSource, HashAlg } from './crypto/backend.js';
export { defaultCrypto, nodeCrypto, nobleCrypto } from './crypto/index.js';
export { systemRandom, seededRandom } from './crypto/random.js';

export type { ByteIO } from './io/byte-io.js';
export { fromDuplex } from './io/node-duplex.js';
export { connectTcp, listenTcp, fromSocket } from './io/node-net.js';
export { fromWebStreams } from './io/web-streams.js';

export { connect, type ConnectOptions, type KbdIntChallenge } from './connection/connect.js';
export { accept, serve, hostKeySigner, type AcceptOptions } from './connection/accept.js';
export { Connection } from './connection/connection.js';
export type { AuthPolicy, AuthStep, AuthRequest, AuthDecision } from './connection/auth-policy.js';
export type { DisconnectInfo, KexInfo, CoreEvent } from './connection/core-events.js';
export {
  acceptHostKey,
  acceptAnyHostKeyInsecure,
  type HostKeyInfo,
  type HostKeyVerifier,
} from './connection/host-key-verifier.js';
export { knownHostsVerifier } from './connection/known-hosts-verifier.js';
export { ClientCore } from './connection/client-core.js';
export { ServerCore } from './connection/server-core.js';

export { type AlgorithmPreferences, defaultPreferences, editAlgorithmList } from './transport/algorithms.js';
export { Transport } from './transport/transport.js';
export { KEX_METHODS, DEFAULT_KEX } from './kex/registry.js';
export { CIPHERS, MACS, DEFAULT_CIPHERS, DEFAULT_MACS } from './cipher/registry.js';
export * from './keys/index.js';
export type { ExternalSigner } from './connection/connect.js';
export type { Channel } from './connection/channels/channel.js';
export type { ChannelMsg, IncomingRequest } from './connection/channels/channel-msg.js';
export type { IncomingChannel, ChannelOptions } from './connection/channels/channel-table.js';
export type { GlobalRequestMsg } from './connection/connection.js';
export { channelDuplex, type ChannelDuplex } from './io/channel-duplex.js';
export * from './channel/channel-requests.js';
export { TerminalMode, encodeTerminalModes, decodeTerminalModes } from './channel/terminal-modes.js';
export * from './agent/index.js';
