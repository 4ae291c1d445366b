/**
 * Everything examples/ssh.ts offers for publickey authentication (RFC 4252 §7), in ssh(1)'s order:
 * - certificates (PROTOCOL.certkeys): each -o CertificateFile, the `FILE-cert.pub` beside each identity file
 *   (as ssh loads it), and those the agent holds, each paired with the private or agent key it certifies;
 * - the identity files (one the agent also holds is signed by the agent: no passphrase needed);
 * - then the agent's other keys, unless IdentitiesOnly=yes.
 * Each reaches connect() as an ExternalSigner labelled the way `ssh -v` names keys, which notes when it signs:
 * a signature is only asked for once the server accepted the key, so after a publickey success the last
 * signer is the key that authenticated.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ExternalSigner, UserCertificate } from '../../src/connection/connect.js';
import { equalBytes } from '../../src/crypto/bytes.js';
import { defaultCrypto } from '../../src/crypto/index.js';
import type { Certificate } from '../../src/keys/certificate.js';
import { parseCertificateLine } from '../../src/keys/certificate-line.js';
import { fingerprintSha256 } from '../../src/keys/fingerprint.js';
import type { SignatureAlgorithm } from '../../src/keys/key-types.js';
import type { PublicKey } from '../../src/keys/public-key.js';
import { type AgentKeys, identityAgentPath, loadAgentKeys } from './ssh-agent-keys.js';
import { type SshCliConfig, yesNo } from './ssh-config.js';
import { expandHome, type FileIdentity, identityPaths, loadIdentityFiles } from './ssh-identity-files.js';

export interface AuthKeys {
  certificates: UserCertificate[];
  signers: ExternalSigner[];
  /** What will be offered, in order, as `ssh -v` lists it ("Will attempt key: ..."). */
  attempts: string[];
  /** The label of the key that signed last: after a publickey success, the one that authenticated. */
  lastSigned(): string | undefined;
  /** Lets go of the agent (its keys are only needed until authentication ends). */
  close(): void;
}

export interface AuthKeyHooks {
  debug(line: string): void;
  warn(line: string): void;
}

type Sign = (data: Uint8Array, algorithm: SignatureAlgorithm) => Promise<Uint8Array>;

/** ssh(1)'s short type names (sshkey_type): ED25519, ECDSA, RSA, and -CERT for certificates. */
function typeLabel(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (keyType === 'ssh-rsa') return 'RSA';
  return keyType;
}

const label = (name: string, key: PublicKey, cert: boolean, origin: string) =>
  `${name} ${typeLabel(key.type)}${cert ? '-CERT' : ''} ${fingerprintSha256(key)}${origin}`;

export async function prepareAuthKeys(
  cfg: SshCliConfig,
  env: NodeJS.ProcessEnv,
  hooks: AuthKeyHooks,
): Promise<AuthKeys> {
  const o = cfg.options;
  const crypto = defaultCrypto();
  const paths = identityPaths(cfg.identityFiles);
  const files = await loadIdentityFiles(paths, {
    env,
    batchMode: yesNo(o.get('batchmode'), false),
    warn: hooks.warn,
  });
  const agentPath = identityAgentPath(o.get('identityagent'), env);
  const agent: AgentKeys | undefined = agentPath ? await loadAgentKeys(agentPath, hooks.debug) : undefined;
  const identitiesOnly = yesNo(o.get('identitiesonly'), false);

  let last: string | undefined;
  const signer = (name: string, publicKey: PublicKey, sign: Sign): ExternalSigner & { name: string } => ({
    name,
    publicKey,
    sign: async (data, algorithm) => {
      hooks.debug(`Server accepts key: ${name}`);
      const signature = await sign(data, algorithm);
      last = name;
      return signature;
    },
  });
  const agentSign = (blob: Uint8Array): Sign | undefined => {
    const found = agent?.signers.find((s) => equalBytes(s.publicKey.blob, blob));
    return found && ((data, algorithm) => found.sign(data, algorithm));
  };
  const fileSign =
    (id: FileIdentity): Sign =>
    async (data, algorithm) => {
      const key = await id.privateKey();
      if (!key) throw new Error(`no private key for ${id.path}`);
      return key.sign(crypto, data, algorithm);
    };

  // Plain keys: the files (the agent signing for any it holds), then the rest of the agent.
  const signers = files.map((id) => {
    const viaAgent = agentSign(id.publicKey.blob);
    const origin = `${id.explicit ? ' explicit' : ''}${viaAgent ? ' agent' : ''}`;
    return signer(label(id.path, id.publicKey, false, origin), id.publicKey, viaAgent ?? fileSign(id));
  });
  const fromFile = (blob: Uint8Array) => files.some((f) => equalBytes(f.publicKey.blob, blob));
  for (const s of agent?.signers ?? []) {
    if (fromFile(s.publicKey.blob) || identitiesOnly) continue;
    signers.push(signer(label(s.comment, s.publicKey, false, ' agent'), s.publicKey, (d, a) => s.sign(d, a)));
  }

  // Certificates, each with the key it certifies: a file's, else the agent's.
  const certificates: UserCertificate[] = [];
  const certificateNames: string[] = [];
  const addCertificate = (name: string, cert: Certificate, origin: string, loud: boolean) => {
    if (certificates.some((c) => equalBytes(c.certificate, cert.blob))) return;
    if (cert.certType !== 'user') {
      if (loud) hooks.warn(`Certificate ${name} is a host certificate: not used to log in`);
      return;
    }
    const id = files.find((f) => equalBytes(f.publicKey.blob, cert.publicKey.blob));
    const sign = agentSign(cert.publicKey.blob) ?? (id && fileSign(id));
    if (!sign || (identitiesOnly && !id)) {
      const say = loud ? hooks.warn : hooks.debug;
      say(`Certificate ${name}: no private key or agent key for it; not used`);
      return;
    }
    const s = signer(label(name, cert.publicKey, true, origin), cert.publicKey, sign);
    certificates.push({ certificate: cert.blob, key: s });
    certificateNames.push(s.name);
  };
  const certFiles = [
    ...cfg.certificateFiles.map((f) => ({ path: expandHome(f), explicit: true })),
    ...paths.map((p) => ({ path: `${p.path}-cert.pub`, explicit: false })).filter((p) => existsSync(p.path)),
  ];
  for (const { path, explicit } of certFiles) {
    try {
      const { certificate } = parseCertificateLine(readFileSync(path, 'utf8'));
      addCertificate(path, certificate, explicit ? ' explicit' : '', explicit);
    } catch (e) {
      const say = explicit ? hooks.warn : hooks.debug;
      say(`Load certificate "${path}": ${(e as Error).message}`);
    }
  }
  for (const c of agent?.certificates ?? []) addCertificate(c.comment, c.certificate, ' agent', false);

  return {
    certificates,
    signers,
    // connect() tries certificates first.
    attempts: [...certificateNames, ...signers.map((s) => s.name)],
    lastSigned: () => last,
    close: () => agent?.client.close(),
  };
}
