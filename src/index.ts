/**
 * rxssh: an SSH client and server for TypeScript, built on RxJS.
 *
 * @example
 * import { connect, connectTcp, acceptHostKey } from 'rxssh';
 * connectTcp({ host: '127.0.0.1', port: 22 })
 *   .pipe(switchMap((io) => connect(io, { username: 'me', password: 'secret', verifyHostKey: acceptHostKey(fp) })))
 *   .subscribe((conn) => console.log('authenticated using', conn.authMethod));
 */

export * from './agent/index.js';
export * from './channel/channel-requests.js';
export { decodeTerminalModes, encodeTerminalModes, TerminalMode } from './channel/terminal-modes.js';
export { CIPHERS, DEFAULT_CIPHERS, DEFAULT_MACS, MACS } from './cipher/registry.js';
export {
  type AcceptOptions,
  accept,
  acceptedUserCertificate,
  hostCertificateSigner,
  hostKeySigner,
  type ServeOptions,
  type ServerAuthStep,
  serve,
  type UserCertificateGrant,
} from './connection/accept.js';
export type { AuthDecision, AuthPolicy, AuthRequest, AuthStep } from './connection/auth-policy.js';
export type { Channel } from './connection/channels/channel.js';
export type { ChannelMsg, IncomingRequest } from './connection/channels/channel-msg.js';
export type { ChannelOptions, IncomingChannel } from './connection/channels/channel-table.js';
export { ClientCore } from './connection/client-core.js';
export type { ExternalSigner, UserCertificate } from './connection/connect.js';
export { type ConnectOptions, connect, type KbdIntChallenge } from './connection/connect.js';
export type { GlobalRequestMsg } from './connection/connection.js';
export { Connection } from './connection/connection.js';
export type { CoreEvent, DisconnectInfo, KexInfo } from './connection/core-events.js';
export {
  acceptAnyHostKeyInsecure,
  acceptHostKey,
  type HostKeyInfo,
  type HostKeyVerifier,
} from './connection/host-key-verifier.js';
export { knownHostsVerifier } from './connection/known-hosts-verifier.js';
export { ServerCore } from './connection/server-core.js';
export { DEFAULT_MAX_STARTUPS, type MaxStartups } from './connection/startups-gate.js';
export type { CryptoBackend, HashAlg, RandomSource } from './crypto/backend.js';
export { defaultCrypto, nobleCrypto, nodeCrypto } from './crypto/index.js';
export { seededRandom, systemRandom } from './crypto/random.js';
export * from './errors.js';
export type { ByteIO } from './io/byte-io.js';
export { channelByteIO } from './io/channel-byte-io.js';
export { type ChannelDuplex, channelDuplex } from './io/channel-duplex.js';
export { fromDuplex } from './io/node-duplex.js';
export { connectTcp, fromSocket, listenTcp } from './io/node-net.js';
export { fromWebStreams } from './io/web-streams.js';
export { DEFAULT_KEX, DEFAULT_SERVER_KEX, KEX_METHODS } from './kex/registry.js';
export * from './keys/index.js';
export { type AlgorithmPreferences, defaultPreferences, editAlgorithmList } from './transport/algorithms.js';
export { Transport } from './transport/transport.js';
