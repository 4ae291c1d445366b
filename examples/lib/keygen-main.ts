/**
 * The body of examples/keygen.ts: flags in, output and an exit status out. Kept apart from the process
 * wiring so the same code runs as a program and, in tests, in-process.
 */

import { SshError } from '../../src/errors.js';
import { CERT_VALID_FOREVER } from '../../src/keys/certificate.js';
import { formatPublicKeyLine } from '../../src/keys/public-key-line.js';
import { showCertificates } from './cert-print.js';
import { type KeygenArgs, parseKeygenArgs } from './keygen-args.js';
import { certificateOptions } from './keygen-cert-options.js';
import { KeygenError } from './keygen-error.js';
import { fingerprintFile } from './keygen-fingerprint.js';
import { DEFAULT_KEY_TYPE, defaultComment, generateKeyFiles, resolveKeySpec } from './keygen-generate.js';
import { loadIdentity, readKeyFile } from './keygen-load.js';
import { existingPassphrase, newPassphrase } from './keygen-passphrase.js';
import { caSignatureAlgorithm, parsePrincipals, parseSerial, signPublicKeys } from './keygen-sign.js';
import { parseValidity } from './keygen-validity.js';

/** Where the program's output goes. */
export interface KeygenIo {
  /** Writes to stdout (the text carries its own newlines). */
  stdout(text: string): void;
  /** Writes one line to stderr. */
  stderr(line: string): void;
  env: NodeJS.ProcessEnv;
  /** The whole of standard input, for `-f -`. */
  readStdin(): string;
}

/** The node:crypto backend when available; loaded only by the modes that sign or generate. */
async function crypto() {
  const { defaultCrypto } = await import('../../src/crypto/index.js');
  return defaultCrypto();
}

function requireFile(args: KeygenArgs): string {
  if (args.file === undefined) throw new KeygenError('keygen: no key file given (-f FILE)');
  return args.file;
}

/** -l: fingerprints, as `ssh-keygen -l` prints them. */
function fingerprint(args: KeygenArgs, io: KeygenIo): number {
  const opts = { hash: args.hash, randomart: args.verbose > 0, warn: io.stderr, stdin: io.readStdin };
  io.stdout(`${fingerprintFile(requireFile(args), opts)}\n`);
  return 0;
}

/** -y: the public key line of a private key, with its comment. */
async function printPublic(args: KeygenArgs, io: KeygenIo): Promise<number> {
  const file = requireFile(args);
  const key = await loadIdentity(file, existingPassphrase(args.passphrase, io.env));
  io.stdout(`${formatPublicKeyLine(key.publicKey, key.comment)}\n`);
  return 0;
}

/** -L: every certificate in the file; status 1 when there is none. */
function showCertificate(args: KeygenArgs, io: KeygenIo): number {
  const file = requireFile(args);
  const fromStdin = file === '-';
  const text = fromStdin ? io.readStdin() : readKeyFile(file);
  const shown = showCertificates(fromStdin ? '(stdin)' : file, text, args.hash, fromStdin);
  io.stdout(shown.stdout);
  for (const e of shown.errors) io.stderr(e);
  return shown.ok ? 0 : 1;
}

/** -s: certify each operand with the CA key. */
async function sign(args: KeygenArgs, io: KeygenIo): Promise<number> {
  if (args.operands.length === 0)
    throw new KeygenError('keygen: no public key file to certify (-s CA_KEY ... FILE.pub)');
  if (args.keyId === undefined) throw new KeygenError('keygen: must specify key id (-I) when certifying');
  if (args.principals === undefined)
    throw new KeygenError(
      'keygen: must specify principals (-n) when certifying: a certificate without principals is refused by verifiers',
    );
  const principals = parsePrincipals(args.principals);
  const validity = args.validity
    ? parseValidity(args.validity, Math.floor(Date.now() / 1000))
    : { validAfter: 0n, validBefore: CERT_VALID_FOREVER };
  const { serial, autoIncrement } = parseSerial(args.serial ?? '0');
  const options = certificateOptions(args.certOptions, args.host);
  const ca = await loadIdentity(args.caKey!, existingPassphrase(args.passphrase, io.env));
  const request = {
    ca,
    keyId: args.keyId,
    principals,
    principalsText: args.principals,
    validity,
    host: args.host,
    serial,
    autoIncrement,
    options,
    signatureAlgorithm: caSignatureAlgorithm(ca, args.type),
    files: args.operands,
    quiet: args.quiet,
  };
  signPublicKeys(await crypto(), request, io.stderr);
  return 0;
}

/** Key generation (no mode flag). */
async function generate(args: KeygenArgs, io: KeygenIo): Promise<number> {
  const typeName = args.type ?? DEFAULT_KEY_TYPE;
  const request = {
    typeName,
    spec: resolveKeySpec(typeName, args.bits),
    file: requireFile(args),
    passphrase: () => newPassphrase(args.newPassphrase),
    comment: args.comment ?? defaultComment(),
    quiet: args.quiet,
    hash: args.hash,
  };
  await generateKeyFiles(await crypto(), request, (line) => io.stdout(`${line}\n`));
  return 0;
}

async function dispatch(argv: readonly string[], io: KeygenIo): Promise<number> {
  const args = parseKeygenArgs(argv);
  if (args.mode !== 'sign' && args.operands.length > 0)
    throw new KeygenError(
      `keygen: unexpected argument ${args.operands[0]} (only -s takes files without a flag)`,
    );
  switch (args.mode) {
    case 'fingerprint':
      return fingerprint(args, io);
    case 'print-public':
      return printPublic(args, io);
    case 'show-cert':
      return showCertificate(args, io);
    case 'sign':
      return sign(args, io);
    case 'generate':
      return generate(args, io);
  }
}

/**
 * Runs keygen with `argv` (without the program name) and returns the exit status: 0, or 1 after one
 * line on stderr naming the file and the reason.
 * @example process.exitCode = await runKeygen(['-l', '-f', 'id_ed25519.pub'], processIo)
 */
export async function runKeygen(argv: readonly string[], io: KeygenIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof KeygenError) io.stderr(e.message);
    else if (e instanceof SshError) io.stderr(`keygen: ${e.message}`);
    else throw e;
    return 1;
  }
}
