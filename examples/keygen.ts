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
import { runKeygen } from './lib/keygen-main.js';

runKeygen(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readStdin: () => readFileSync(0, 'utf8'),
}).then(
  (status) => {
    process.exitCode = status;
  },
  (e: unknown) => {
    process.stderr.write(`keygen: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
