/** SSH keys: types, public key blobs, signatures, private keys and their files, fingerprints. */
export * from './fingerprint.js';
export * from './generate-key.js';
export * from './key-file-error.js';
export * from './key-types.js';
export * from './openssh-private-key.js';
export * from './pem.js';
export * from './private-key.js';
export * from './private-key-body.js';
export * from './private-key-file.js';
export * from './public-key.js';
export * from './public-key-line.js';
export * from './signature.js';
export { invalidPointReason } from './ec-point.js';
