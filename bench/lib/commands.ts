/**
 * The exec commands every bench server understands, spelled as OpenSSH's shell would run them, so one client
 * works against sshd, the ssh2 bench server and the rxssh bench server alike.
 */
export const SINK_COMMAND = 'cat >/dev/null';
export const sourceCommand = (bytes: number) => `head -c ${bytes} /dev/zero`;
export const ECHO_COMMAND = 'echo ok';
/** Bench servers only: prints the server process's CPU time so far (`process.cpuUsage()`, µs) as JSON. */
export const CPU_COMMAND = 'bench-cpu';

export type BenchCommand =
  | { kind: 'sink' }
  | { kind: 'source'; bytes: number }
  | { kind: 'echo'; text: string };

/** Parses what a bench server is asked to run; anything else is refused. */
export function parseBenchCommand(command: string): BenchCommand | undefined {
  if (command === SINK_COMMAND) return { kind: 'sink' };
  const source = /^head -c (\d+) \/dev\/zero$/.exec(command);
  if (source) return { kind: 'source', bytes: Number(source[1]) };
  if (command === 'true') return { kind: 'echo', text: '' };
  if (command === CPU_COMMAND) return { kind: 'echo', text: `${JSON.stringify(process.cpuUsage())}\n` };
  const echo = /^echo (.*)$/.exec(command);
  if (echo) return { kind: 'echo', text: `${echo[1]}\n` };
  return undefined;
}

/** Zero-filled chunk that sources write repeatedly (content does not matter: no compression is negotiated). */
export const CHUNK = 256 * 1024;
