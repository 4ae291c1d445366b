/** Key-exchange methods by their SSH name, and the order we offer them in. */
import { x25519Agreement } from './curve25519.js';
import { fixedGroupDh } from './dh-fixed.js';
import { dhGroupExchange } from './dh-gex.js';
import { MODP_2048, MODP_3072, MODP_4096, MODP_6144, MODP_8192, OAKLEY_GROUP_2 } from './dh-groups.js';
import { nistAgreement } from './ecdh-nist.js';
import { ecdhShapedMethod } from './ecdh-shaped.js';
import { mlkem768x25519Agreement } from './mlkem768x25519.js';
import type { KexMethod } from './types.js';

const methods: KexMethod[] = [
  ecdhShapedMethod('mlkem768x25519-sha256', 'sha256', mlkem768x25519Agreement),
  ecdhShapedMethod('curve25519-sha256', 'sha256', x25519Agreement), // RFC 8731
  ecdhShapedMethod('curve25519-sha256@libssh.org', 'sha256', x25519Agreement), // its pre-RFC name
  ecdhShapedMethod('ecdh-sha2-nistp256', 'sha256', nistAgreement('p256')), // RFC 5656 §6.2.1
  ecdhShapedMethod('ecdh-sha2-nistp384', 'sha384', nistAgreement('p384')),
  ecdhShapedMethod('ecdh-sha2-nistp521', 'sha512', nistAgreement('p521')),
  dhGroupExchange('diffie-hellman-group-exchange-sha256', 'sha256'), // RFC 4419
  fixedGroupDh('diffie-hellman-group14-sha256', 'sha256', MODP_2048), // RFC 8268
  fixedGroupDh('diffie-hellman-group15-sha512', 'sha512', MODP_3072),
  fixedGroupDh('diffie-hellman-group16-sha512', 'sha512', MODP_4096),
  fixedGroupDh('diffie-hellman-group17-sha512', 'sha512', MODP_6144),
  fixedGroupDh('diffie-hellman-group18-sha512', 'sha512', MODP_8192),
  fixedGroupDh('diffie-hellman-group14-sha1', 'sha1', MODP_2048), // RFC 4253 §8.2, legacy
  fixedGroupDh('diffie-hellman-group1-sha1', 'sha1', OAKLEY_GROUP_2), // RFC 4253 §8.1, legacy (1024 bits)
];

export const KEX_METHODS: Record<string, KexMethod> = Object.fromEntries(methods.map((m) => [m.name, m]));

/**
 * Our preference order: hybrid post-quantum first, then X25519, NIST ECDH, group exchange and the large
 * fixed groups. SHA-1 methods and groups under 2048 bits are never offered by default (RFC 9142 §4).
 */
export const DEFAULT_KEX: string[] = [
  'mlkem768x25519-sha256',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
];

/**
 * What a server offers unless told otherwise: the client list without the NIST-curve ECDH methods, which
 * audits such as ssh-audit fail (the curves' provenance is disputed). A server can afford this where a client
 * cannot: every peer that speaks NIST ECDH also speaks X25519 or the RFC 8268 groups still offered here, while
 * our client keeps NIST ECDH to reach servers that have nothing else. `algorithms.kex` opts back in.
 */
export const DEFAULT_SERVER_KEX: string[] = DEFAULT_KEX.filter((name) => !name.startsWith('ecdh-sha2-nistp'));
