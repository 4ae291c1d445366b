/**
 * The demo: our example server and our example client talking over loopback.
 *
 *   npm run demo
 *
 * Starts examples/sshd.ts on a free loopback port with a demo password user, then runs examples/ssh.ts
 * against it with -v, shows the negotiated algorithms and the "Authenticated to ..." line, and stops both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
const dir = mkdtempSync(join(tmpdir(), 'rxssh-demo-'));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Resolves with the first line of `stream` matching `re`, or rejects after `ms`. */
function waitForLine(
  child: ChildProcess,
  re: RegExp,
  ms: number,
  echo: (l: string) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}`)), ms);
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        echo(line);
        if (re.test(line)) {
          clearTimeout(timer);
          resolve(line);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const port = await freePort();
  console.log(`== starting examples/sshd.ts on 127.0.0.1:${port} (user demo, password from SSHPASS)`);
  const server = spawn(
    tsx,
    ['examples/sshd.ts', '--listen', `127.0.0.1:${port}`, '--password', 'demo:rxssh-demo', '-v'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let client: ChildProcess | undefined;
  try {
    let hostKey = '';
    await waitForLine(server, /Server listening on/, 30_000, (l) => {
      if (l.startsWith('Host key: ')) hostKey = l.slice('Host key: '.length);
      console.log(`  [sshd] ${l}`);
    });
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`);
    console.log('== connecting with examples/ssh.ts -v -N');
    client = spawn(
      tsx,
      [
        'examples/ssh.ts',
        '-v',
        '-N',
        '-p',
        String(port),
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'StrictHostKeyChecking=yes',
        'demo@127.0.0.1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SSHPASS: 'rxssh-demo' } },
    );
    await waitForLine(client, /^Authenticated to /, 30_000, (l) => console.log(`  [ssh]  ${l}`));
    console.log('== authenticated; closing');
  } finally {
    client?.kill('SIGTERM');
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`demo failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
