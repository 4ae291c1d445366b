/**
 * Admission control seen by real OpenSSH `ssh`: with MaxStartups full (one stalled unauthenticated connection
 * holding the only place), ssh is turned away before any key exchange with sshd's notice; once the stalled
 * connection goes, ssh logs in and runs its command (checklist item 12; sshd_config(5) MaxStartups).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptSessions, allowPassword } from '../../operators/index.js';
import { AdmissionError, listenTcp, parsePrivateKeyFile, serve } from '../../src/index.js';
import { generateKey, interopSkipReason, LOOPBACK, runSsh } from './harness/index.js';

const skipReason = interopSkipReason({});
if (skipReason) console.warn(`[interop] admission skipped: ${skipReason}`);

const USER = 'rxssh-interop';
const PASSWORD = 'admission pass';

describe.skipIf(!!skipReason)(
  `ssh against a server at MaxStartups${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let dir: string;
    let port: number;
    let knownHostsLine = '';
    let server: Subscription;
    const refusals: string[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rxssh-admission-'));
      const key = await generateKey(dir, 'host_ed25519', 'ed25519');
      const hostKey = parsePrivateKeyFile(await readFile(key.privatePath, 'utf8'));
      const blob = Buffer.from(key.blob).toString('base64');
      port = await new Promise<number>((resolve) => {
        const incoming = listenTcp({ host: LOOPBACK, port: 0 }, (a: AddressInfo) => resolve(a.port));
        server = serve(
          incoming,
          {
            hostKeys: [hostKey],
            auth: allowPassword((u, p) => u === USER && p === PASSWORD),
            authFailureDelayMs: 0,
            maxStartups: { start: 1, rate: 100, full: 1 },
          },
          (err) => {
            if (err instanceof AdmissionError) refusals.push(err.why);
          },
        )
          .pipe(acceptSessions())
          .subscribe(({ channel }) =>
            channel.subscribe((msg) => {
              if (msg.type !== 'request' || msg.request.type !== 'exec') return;
              msg.reply(true);
              channel.next(new TextEncoder().encode('admitted\n'));
              channel.request({ type: 'exit-status', status: 0 }, false).subscribe();
              channel.complete();
              channel.close();
            }),
          );
      });
      knownHostsLine = `[${LOOPBACK}]:${port} ${key.keyType} ${blob}`;
    }, 60_000);
    afterAll(async () => {
      server?.unsubscribe();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const ssh = () =>
      runSsh({
        port,
        user: USER,
        password: PASSWORD,
        preferredAuthentications: ['password'],
        knownHostsLines: [knownHostsLine],
        command: 'x',
      });

    it('turns ssh away while a stalled connection holds the only place, and lets it in afterwards', async () => {
      // A client that connects and says nothing: it holds the one unauthenticated place.
      const stalled = net.connect({ host: LOOPBACK, port });
      stalled.on('error', () => undefined);
      await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
      await new Promise((r) => setTimeout(r, 100));

      const refused = await ssh();
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('Not allowed at this time');
      expect(refusals).toEqual(['full']);

      stalled.destroy();
      await new Promise((r) => setTimeout(r, 200));
      const admitted = await ssh();
      expect(admitted.code, admitted.stderr).toBe(0);
      expect(admitted.stdout).toBe('admitted\n');
    });
  },
);
