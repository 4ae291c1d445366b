/** What every bench group shares: options, keys, the peers started for this run, and the results so far. */
import type { SshdInstance } from '../../test/interop/harness/index.js';
import type { ServerProcess } from './procs.js';
import type { Spread } from './stats.js';

export interface BenchOptions {
  groups: Set<string>;
  /** Bulk transfer size, bytes (node:crypto backend and the peers). */
  bytes: number;
  /** Bulk transfer size with the pure-JS backend. */
  nobleBytes: number;
  runs: number;
  handshakes: number;
  ciphers: readonly CipherCase[];
  scaleCount: number;
}

export interface CipherCase {
  label: string;
  cipher: string;
  mac?: string;
}

export const CIPHER_CASES: readonly CipherCase[] = [
  { label: 'aes128-gcm', cipher: 'aes128-gcm@openssh.com' },
  { label: 'aes256-gcm', cipher: 'aes256-gcm@openssh.com' },
  { label: 'chacha20-poly1305', cipher: 'chacha20-poly1305@openssh.com' },
  { label: 'aes128-ctr+hmac-sha2-256-etm', cipher: 'aes128-ctr', mac: 'hmac-sha2-256-etm@openssh.com' },
];

/** Who talks to whom in a bulk cell. */
export type Pair = 'rxssh' | 'ssh2' | 'openssh' | 'rxssh-sshd' | 'ssh-rxssh' | 'noble';

export const PAIR_TITLES: Record<Pair, string> = {
  rxssh: 'rxssh↔rxssh',
  ssh2: 'ssh2↔ssh2',
  openssh: 'OpenSSH↔OpenSSH',
  'rxssh-sshd': 'rxssh→sshd',
  'ssh-rxssh': 'ssh→rxssh',
  noble: 'rxssh↔rxssh (noble)',
};

export interface BulkCell {
  cipher: string;
  direction: 'upload' | 'download';
  pair: Pair;
  bytes: number;
  /** MB/s (10^6 bytes per second) per run. */
  mbps?: Spread;
  /**
   * CPU milliseconds each side spent per 100 MB moved (both rxssh and ssh2 bench servers report theirs):
   * what a transfer costs, whatever else the machine was doing.
   */
  cpuMsPer100MB?: { sender?: Spread; receiver?: Spread };
  /** Idle share of the machine just before the cell (1 = nothing else running). */
  idleBefore: number;
  error?: string;
}

export interface Peers {
  rxssh?: ServerProcess;
  rxsshNoble?: ServerProcess;
  ssh2?: ServerProcess;
  sshd?: SshdInstance;
}

export interface BenchContext {
  opts: BenchOptions;
  /** The user's private key file (ed25519, made by ssh-keygen) and its public line. */
  userKey: string;
  userPublicLine: string;
  /** known_hosts for the rxssh and ssh2 bench servers (the sshd has its own). */
  knownHostsPath: string;
  peers: Peers;
  log(line: string): void;
  results: Record<string, unknown> & { bulk: BulkCell[] };
}
