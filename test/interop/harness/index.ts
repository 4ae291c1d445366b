/** The interop harness: real OpenSSH peers for tests. Import from here in test/interop/*.test.ts. */
export * from './environment.js';
export * from './keys.js';
export * from './net.js';
export * from './process.js';
export * from './ssh-client.js';
export * from './ssh-log.js';
export * from './sshd.js';
export * from './sshd-config.js';
