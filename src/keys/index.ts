/** SSH keys: types, public key blobs, signatures, private keys and their files, fingerprints. */

export * from './certificate.js';
export * from './certificate-auth.js';
export * from './certificate-known-hosts.js';
export * from './certificate-line.js';
export {
  type CertificateOptions,
  type CertificateOptionsInput,
  optionStringValue,
} from './certificate-options.js';
export * from './certificate-sign.js';
export { parseSourceAddressList, sourceAddressMatches } from './certificate-source-address.js';
export * from './certificate-types.js';
export * from './certificate-verify.js';
export { invalidPointReason } from './ec-point.js';
export * from './fingerprint.js';
export * from './generate-key.js';
export * from './key-file-error.js';
export * from './key-types.js';
export * from './known-hosts.js';
export * from './openssh-private-key.js';
export * from './pem.js';
export * from './private-key.js';
export * from './private-key-body.js';
export * from './private-key-file.js';
export * from './public-key.js';
export * from './public-key-line.js';
export * from './rfc4716.js';
export * from './signature.js';
