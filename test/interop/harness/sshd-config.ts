/**
 * Builds the text of a throwaway sshd_config (see sshd_config(5)). Pure: no files, no processes.
 * sshd keeps the FIRST value it reads for a keyword, so `extraConfig` goes on top to override our defaults,
 * and `Match` blocks (which run to the end of the file) go in `trailingConfig`.
 */

/** An algorithm list: names joined with commas, or a raw string such as `+ssh-rsa` or `-chacha20-poly1305@openssh.com`. */
export type AlgorithmList = readonly string[] | string;

export type SshdLogLevel = 'QUIET' | 'FATAL' | 'ERROR' | 'INFO' | 'VERBOSE' | 'DEBUG1' | 'DEBUG2' | 'DEBUG3';

export interface SshdConfigOptions {
  /** Run logins through PAM (needed for keyboard-interactive and password against real accounts). Default false. */
  usePam?: boolean;
  /** Default true (sshd's default). */
  passwordAuthentication?: boolean;
  /** Default true (sshd's default); without PAM it has no prompts to offer. */
  kbdInteractiveAuthentication?: boolean;
  /** Default true. */
  pubkeyAuthentication?: boolean;
  /** Default `DEBUG1`: enough to see negotiation and auth decisions without drowning the log. */
  logLevel?: SshdLogLevel;
  kexAlgorithms?: AlgorithmList;
  ciphers?: AlgorithmList;
  macs?: AlgorithmList;
  hostKeyAlgorithms?: AlgorithmList;
  pubkeyAcceptedAlgorithms?: AlgorithmList;
  /** sshd's `RekeyLimit`, e.g. `'1M 10s'` or `'64K'`. */
  rekeyLimit?: string;
  /** Default `prohibit-password` (sshd's default): root may log in with a key, not a password. */
  permitRootLogin?: 'yes' | 'no' | 'prohibit-password' | 'forced-commands-only';
  /** Raw lines placed before our defaults, so they win over them. */
  extraConfig?: readonly string[];
  /** Raw lines placed at the end, e.g. `Match User rxssh-test` blocks. */
  trailingConfig?: readonly string[];
}

export interface SshdConfigPlacement {
  port: number;
  listenAddress: string;
  /** Absolute paths of the host private keys. */
  hostKeyPaths: readonly string[];
  pidFile: string;
  /** `AuthorizedKeysFile` value; `%u` expands to the user name. */
  authorizedKeysPattern: string;
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');
const joinList = (list: AlgorithmList) => (typeof list === 'string' ? list : list.join(','));

export function buildSshdConfig(place: SshdConfigPlacement, options: SshdConfigOptions = {}): string {
  const lines: string[] = ['# Written by the rxssh interop harness; one sshd per test file.'];
  lines.push(...(options.extraConfig ?? []));
  lines.push(
    `Port ${place.port}`,
    `ListenAddress ${place.listenAddress}`,
    ...place.hostKeyPaths.map((path) => `HostKey ${path}`),
    `PidFile ${place.pidFile}`,
    `UsePAM ${yesNo(options.usePam ?? false)}`,
    // The temp folder belongs to root and lives under /tmp; StrictModes would refuse it.
    'StrictModes no',
    `AuthorizedKeysFile ${place.authorizedKeysPattern}`,
    `PubkeyAuthentication ${yesNo(options.pubkeyAuthentication ?? true)}`,
    `PasswordAuthentication ${yesNo(options.passwordAuthentication ?? true)}`,
    `KbdInteractiveAuthentication ${yesNo(options.kbdInteractiveAuthentication ?? true)}`,
    `PermitRootLogin ${options.permitRootLogin ?? 'prohibit-password'}`,
    `LogLevel ${options.logLevel ?? 'DEBUG1'}`,
  );
  const lists: [string, AlgorithmList | undefined][] = [
    ['KexAlgorithms', options.kexAlgorithms],
    ['Ciphers', options.ciphers],
    ['MACs', options.macs],
    ['HostKeyAlgorithms', options.hostKeyAlgorithms],
    ['PubkeyAcceptedAlgorithms', options.pubkeyAcceptedAlgorithms],
  ];
  for (const [keyword, list] of lists) if (list !== undefined) lines.push(`${keyword} ${joinList(list)}`);
  if (options.rekeyLimit !== undefined) lines.push(`RekeyLimit ${options.rekeyLimit}`);
  lines.push(
    'Subsystem sftp internal-sftp',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    // Matrix tests open many connections at once; the default 10:30:100 starts dropping at 10.
    'MaxStartups 64:30:128',
    'LoginGraceTime 60',
  );
  lines.push(...(options.trailingConfig ?? []));
  return `${lines.join('\n')}\n`;
}
