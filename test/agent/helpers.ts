/** Test helpers: a real OpenSSH ssh-agent, ssh-add runs, and an in-memory client ↔ server pipe. */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { AgentClient } from '../../src/agent/agent-client.js';
import type { AgentServer } from '../../src/agent/agent-server.js';
import { agentStream } from '../../src/agent/agent-stream.js';
import type { ByteIO } from '../../src/io/byte-io.js';
import { killQuietly, type ProcessResult, runProcess } from '../interop/harness/process.js';

export interface RunningAgent {
  socket: string;
  pid: number;
  stop(): void;
}

/** `ssh-agent -a <socket> -D` in the foreground; resolves once the socket exists. Stop kills it by PID. */
export async function startOpenSshAgent(dir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningAgent> {
  const socket = join(dir, 'openssh-agent.sock');
  const child = spawn('ssh-agent', ['-a', socket, '-D'], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH, ...env },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('ssh-agent did not start');
  for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 25));
  if (!existsSync(socket)) {
    killQuietly(pid, 'SIGKILL');
    throw new Error('ssh-agent socket never appeared');
  }
  return { socket, pid, stop: () => killQuietly(pid, 'SIGTERM') };
}

/**
 * Writes an askpass script that prints `passphrase`, for ssh-add's prompts (-x, -X) with no TTY:
 * SSH_ASKPASS_REQUIRE=force makes ssh-add use it (ssh-add(1), ENVIRONMENT).
 */
export function writeAskpass(dir: string, name: string, passphrase: string): string {
  const secret = join(dir, `${name}.txt`);
  const script = join(dir, `${name}.sh`);
  writeFileSync(secret, `${passphrase}\n`, { mode: 0o600 });
  writeFileSync(script, `#!/bin/sh\ncat '${secret}'\n`);
  chmodSync(script, 0o700);
  return script;
}

/** Runs ssh-add against the agent at `socket`, optionally answering prompts with an askpass script. */
export function sshAdd(socket: string, args: string[], askpass?: string): Promise<ProcessResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SSH_AUTH_SOCK: socket };
  if (askpass) Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' });
  return runProcess('ssh-add', { args, env, timeoutMs: 20_000 });
}

/** The SHA256 fingerprints `ssh-add -l` prints, one per key ("256 SHA256:… comment (ED25519)"). */
export function listedFingerprints(out: ProcessResult): string[] {
  if (out.code === 1 && /no identities/.test(out.stdout + out.stderr)) return [];
  if (out.code !== 0) throw new Error(`ssh-add -l failed (${out.code}): ${out.stderr}`);
  return out.stdout
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[1]);
}

/** A ByteIO whose bytes the test controls: `written` records what was sent, `input` delivers replies. */
export function scriptedIo(): ByteIO & { written: Uint8Array[]; feed: Subject<Uint8Array>; ended: boolean } {
  const feed = new Subject<Uint8Array>();
  const io = {
    written: [] as Uint8Array[],
    feed,
    ended: false,
    input: feed.asObservable(),
    write(bytes: Uint8Array) {
      io.written.push(bytes.slice());
    },
    end() {
      io.ended = true;
    },
  };
  return io;
}

/** An AgentClient wired straight to an AgentServer through agentStream, with a test-controlled clock. */
export function memoryClient(server: AgentServer, clock: () => number): AgentClient {
  const toClient = new Subject<Uint8Array>();
  const stream = agentStream(server);
  const io: ByteIO = {
    input: toClient.asObservable(),
    write(bytes) {
      // Delivered on a later microtask, as a socket would, and one byte at a time to exercise reassembly.
      queueMicrotask(() => {
        const reply = stream.receive(bytes, clock());
        for (let i = 0; i < reply.length; i++) toClient.next(reply.subarray(i, i + 1));
      });
    },
    end() {
      toClient.complete();
    },
  };
  return new AgentClient(io);
}
