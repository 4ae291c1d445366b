/**
 * A command-line key tool built on rxssh's keys layer, with ssh-keygen's flags:
 *
 *   npx tsx examples/keygen.ts [-q] [-t ed25519|ecdsa|rsa] [-b BITS] [-C COMMENT] [-N PASSPHRASE] -f FILE
 *   npx tsx examples/keygen.ts -l [-v] [-E sha256|md5] -f FILE
 *   npx tsx examples/keygen.ts -y [-P PASSPHRASE] -f FILE
 *   npx tsx examples/keygen.ts -s CA_KEY -I KEY_ID -n PRINCIPALS [-h] [-V VALIDITY] [-z SERIAL] [-O OPTION]... FILE.pub...
 *   npx tsx examples/keygen.ts -L [-E sha256|md5] -f CERT
 *
 * Generating writes FILE (openssh-key-v1, mode 0600; encrypted when -N is not empty) and FILE.pub, and
 * refuses to replace an existing FILE. `-l` reads a private key, a public key, or an authorized_keys or
 * known_hosts file line by line. Passphrases of existing keys come from -P, else SSH_PASSPHRASE, else a
 * prompt on a terminal. Errors are one line on stderr naming the file and the reason; exit status 1.
 */
import { readFileSync } from 'node:fs';
import { defaultCrypto } from '../src/crypto/index.js';
import { SshError } from '../src/errors.js';
import { formatPublicKeyLine } from '../src/keys/index.js';
import { showCertificates } from './lib/cert-print.js';
import { KEYGEN_USAGE, type KeygenArgs, parseKeygenArgs } from './lib/keygen-args.js';
import { certificateOptions } from './lib/keygen-cert-options.js';
import { KeygenError } from './lib/keygen-error.js';
import { fingerprintFile } from './lib/keygen-fingerprint.js';
import { DEFAULT_KEY_TYPE, defaultComment, generateKeyFiles, resolveKeySpec } from './lib/keygen-generate.js';
import { loadIdentity, readKeyFile } from './lib/keygen-load.js';
import { existingPassphrase, newPassphrase } from './lib/keygen-passphrase.js';
import { caSignatureAlgorithm, parsePrincipals, parseSerial, signPublicKeys } from './lib/keygen-sign.js';
import { parseValidity } from './lib/keygen-validity.js';

const print = (text: string) => process.stdout.write(`${text}\n`);
const warn = (text: string) => process.stderr.write(`${text}\n`);

function requireFile(args: KeygenArgs): string {
  if (args.file === undefined) throw new KeygenError(`keygen: no key file given (-f FILE)\n${KEYGEN_USAGE}`);
  return args.file;
}

/** -l: fingerprints, as `ssh-keygen -l` prints them. */
function fingerprint(args: KeygenArgs): void {
  const stdin = () => readFileSync(0, 'utf8');
  print(fingerprintFile(requireFile(args), { hash: args.hash, randomart: args.verbose > 0, warn, stdin }));
}

/** -y: the public key line of a private key, with its comment. */
async function printPublic(args: KeygenArgs): Promise<void> {
  const file = requireFile(args);
  const key = await loadIdentity(file, existingPassphrase(args.passphrase, process.env));
  print(formatPublicKeyLine(key.publicKey, key.comment));
}

/** -L: every certificate in the file; exit 1 when there is none. */
function showCertificate(args: KeygenArgs): number {
  const file = requireFile(args);
  const fromStdin = file === '-';
  const text = fromStdin ? readFileSync(0, 'utf8') : readKeyFile(file);
  const shown = showCertificates(fromStdin ? '(stdin)' : file, text, args.hash, fromStdin);
  process.stdout.write(shown.stdout);
  for (const e of shown.errors) warn(e);
  return shown.ok ? 0 : 1;
}

/** -s: certify each operand with the CA key. */
async function sign(args: KeygenArgs): Promise<void> {
  if (args.operands.length === 0) throw new KeygenError(`keygen: no public key to certify\n${KEYGEN_USAGE}`);
  if (args.keyId === undefined) throw new KeygenError('keygen: must specify key id (-I) when certifying');
  if (args.principals === undefined)
    throw new KeygenError(
      'keygen: must specify principals (-n) when certifying: a certificate without principals is refused by verifiers',
    );
  const principals = parsePrincipals(args.principals);
  const validity = args.validity
    ? parseValidity(args.validity, Math.floor(Date.now() / 1000))
    : { validAfter: 0n, validBefore: 0xffff_ffff_ffff_ffffn };
  const { serial, autoIncrement } = parseSerial(args.serial ?? '0');
  const options = certificateOptions(args.certOptions, args.host);
  const ca = await loadIdentity(args.caKey!, existingPassphrase(args.passphrase, process.env));
  const signatureAlgorithm = caSignatureAlgorithm(ca, args.type);
  signPublicKeys(
    defaultCrypto(),
    {
      ca,
      keyId: args.keyId,
      principals,
      principalsText: args.principals,
      validity,
      host: args.host,
      serial,
      autoIncrement,
      options,
      signatureAlgorithm,
      files: args.operands,
      quiet: args.quiet,
    },
    warn,
  );
}

/** Key generation (no mode flag). */
async function generate(args: KeygenArgs): Promise<void> {
  const typeName = args.type ?? DEFAULT_KEY_TYPE;
  await generateKeyFiles(
    defaultCrypto(),
    {
      typeName,
      spec: resolveKeySpec(typeName, args.bits),
      file: requireFile(args),
      passphrase: () => newPassphrase(args.newPassphrase),
      comment: args.comment ?? defaultComment(),
      quiet: args.quiet,
      hash: args.hash,
    },
    print,
  );
}

async function main(argv: string[]): Promise<number> {
  const args = parseKeygenArgs(argv);
  if (args.mode !== 'sign' && args.operands.length > 0)
    throw new KeygenError(`keygen: too many arguments\n${KEYGEN_USAGE}`);
  switch (args.mode) {
    case 'fingerprint':
      fingerprint(args);
      return 0;
    case 'print-public':
      await printPublic(args);
      return 0;
    case 'show-cert':
      return showCertificate(args);
    case 'sign':
      await sign(args);
      return 0;
    case 'generate':
      await generate(args);
      return 0;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    if (e instanceof KeygenError) warn(e.message);
    else if (e instanceof SshError) warn(`keygen: ${e.message}`);
    else warn(`keygen: ${(e as Error)?.stack ?? String(e)}`);
    process.exitCode = 1;
  },
);
