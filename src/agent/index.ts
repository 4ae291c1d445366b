/** ssh-agent protocol (draft-miller-ssh-agent-04): message codecs, a client, an in-memory agent, and their edges. */
export * from './agent-client.js';
export * from './agent-client-core.js';
export * from './agent-error.js';
export * from './agent-framing.js';
export * from './agent-listen.js';
export * from './agent-messages.js';
export * from './agent-server.js';
export * from './agent-signer.js';
export * from './agent-socket.js';
export * from './agent-stream.js';
