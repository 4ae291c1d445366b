/**
 * OpenSSH peers for the bench, through the interop harness: a private sshd on loopback, and the `ssh` client
 * moving bulk data through a pipe (`ssh ... 'cat >/dev/null'` fed from here, `ssh ... 'head -c N /dev/zero'`
 * read here). Timing leaves out ssh's start-up, key exchange and authentication: an upload is timed from the
 * moment ssh has taken the first MiB from its stdin, a download from the first MiB of output, both to exit.
 */
import { spawn } from 'node:child_process';
import {
  buildSshArgs,
  SSH_PATH,
  type SshdInstance,
  startSshd,
  TEST_USER,
} from '../../test/interop/harness/index.js';
import { SINK_COMMAND, sourceCommand } from './commands.js';
import { track } from './procs.js';

export const SSHD_USER = TEST_USER;

export function startBenchSshd(userPublicLine: string, maxSessions: number): Promise<SshdInstance> {
  return startSshd({
    authorizedKeys: { [TEST_USER]: [userPublicLine] },
    // INFO, not less: the harness waits for sshd's "Server listening" line.
    logLevel: 'INFO',
    // Every cipher the bench measures, whatever this sshd's defaults are.
    ciphers: [
      'aes128-gcm@openssh.com',
      'aes256-gcm@openssh.com',
      'chacha20-poly1305@openssh.com',
      'aes128-ctr',
    ],
    extraConfig: [`MaxSessions ${maxSessions}`],
  });
}

export interface SshTarget {
  port: number;
  user: string;
  knownHostsPath: string;
  identity: string;
}

const FIRST = 1 << 20;
const chunk = Buffer.alloc(FIRST);

/** One bulk transfer with the OpenSSH client; resolves with the timed bytes and milliseconds. */
export function sshBulk(
  t: SshTarget,
  direction: 'upload' | 'download',
  bytes: number,
  cipher: string,
  mac: string | undefined,
): Promise<{ ms: number; bytes: number }> {
  const args = buildSshArgs(
    {
      port: t.port,
      user: t.user,
      knownHostsPath: t.knownHostsPath,
      identities: [t.identity],
      ciphers: [cipher],
      macs: mac ? [mac] : undefined,
      verbosity: 0,
      options: { Compression: 'no', LogLevel: 'ERROR' },
      command: direction === 'upload' ? SINK_COMMAND : sourceCommand(bytes),
    },
    t.knownHostsPath,
    false,
  );
  const child = spawn(SSH_PATH, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  return new Promise((resolve, reject) => {
    let t0 = 0;
    let timed = 0;
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    if (direction === 'upload') {
      let left = bytes;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, FIRST);
          const first = left === bytes;
          left -= n;
          const ok = child.stdin.write(n === FIRST ? chunk : chunk.subarray(0, n), () => {
            if (first) {
              t0 = performance.now();
              timed = bytes - n;
            }
          });
          if (!ok) return child.stdin.once('drain', pump);
        }
        child.stdin.end();
      };
      child.stdin.on('error', () => {});
      pump();
      child.stdout.resume();
    } else {
      child.stdin.end();
      let received = 0;
      child.stdout.on('data', (d: Buffer) => {
        received += d.length;
        if (t0 === 0 && received >= FIRST) {
          t0 = performance.now();
          timed = bytes - received;
        }
      });
    }
    child.once('close', (code) => {
      clearTimeout(killer);
      const ms = performance.now() - t0;
      if (code !== 0 || t0 === 0) reject(new Error(`ssh ${direction} failed (${code}): ${stderr.trim()}`));
      else resolve({ ms, bytes: timed });
    });
  });
}
