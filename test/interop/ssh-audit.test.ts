/**
 * ssh-audit (https://github.com/jtesta/ssh-audit, Debian package `ssh-audit`) against our server with its
 * default algorithms: no [fail] finding (security checklist item 15). The host keys are the kinds we
 * recommend (Ed25519, RSA 3072); which key kinds a server holds is its operator's choice, not a default.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowPassword } from '../../operators/index.js';
import {
  DEFAULT_KEX,
  DEFAULT_SERVER_KEX,
  listenTcp,
  type PrivateKey,
  parsePrivateKeyFile,
  serve,
} from '../../src/index.js';
import { generateKey, LOOPBACK, runProcess } from './harness/index.js';

const SSH_AUDIT = ['/usr/bin/ssh-audit', '/usr/local/bin/ssh-audit'].find((p) => existsSync(p));
const skip = SSH_AUDIT ? undefined : 'ssh-audit is not installed (.ci/run installs the Debian package)';
if (skip) console.warn(`[interop] ssh-audit skipped: ${skip}`);

describe.skipIf(!!skip)(`ssh-audit against our default server${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let port: number;
  let server: Subscription;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rxssh-audit-'));
    const hostKeys: PrivateKey[] = [];
    for (const [name, kind] of [
      ['host_ed25519', 'ed25519'],
      ['host_rsa', 'rsa-3072'],
    ] as const) {
      const key = await generateKey(dir, name, kind);
      hostKeys.push(parsePrivateKeyFile(await readFile(key.privatePath, 'utf8')));
    }
    port = await new Promise<number>((resolve) => {
      const incoming = listenTcp({ host: LOOPBACK, port: 0 }, (a: AddressInfo) => resolve(a.port));
      server = serve(incoming, { hostKeys, auth: allowPassword(() => false) }).subscribe();
    });
  }, 60_000);
  afterAll(async () => {
    server?.unsubscribe();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports no failures, and sees the algorithms we mean to offer', async () => {
    const result = await runProcess(SSH_AUDIT!, {
      args: ['-n', '-p', String(port), LOOPBACK],
      timeoutMs: 60_000,
    });
    const out = result.stdout;
    expect(out, result.stderr).toContain('(kex) curve25519-sha256');
    expect(out).toContain('(enc) aes128-gcm@openssh.com');
    expect(out).toContain('(key) ssh-ed25519');
    expect(out).toContain('(key) rsa-sha2-512');
    const failures = out.split('\n').filter((line) => line.includes('[fail]'));
    expect(failures, out).toEqual([]);
  });

  it('keeps NIST ECDH out of the server default only', () => {
    expect(DEFAULT_SERVER_KEX.some((n) => n.startsWith('ecdh-sha2-nistp'))).toBe(false);
    expect(DEFAULT_KEX).toContain('ecdh-sha2-nistp256');
  });
});
