/**
 * What the interop tests need from the machine, and a readable reason when it is missing.
 * `.ci/run` provides all of it on CI: OpenSSH binaries, /run/sshd, and the local test user.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';

/** Local account that `.ci/run` creates for password and keyboard-interactive logins through PAM. */
export const TEST_USER = 'rxssh-test';
/** Its password (a throwaway account on a throwaway machine; set by `.ci/run` with chpasswd). */
export const TEST_PASSWORD = 'rxssh-test-pass';

export const SSHD_PATH = '/usr/sbin/sshd';
export const SSH_PATH = '/usr/bin/ssh';
export const SSH_KEYGEN_PATH = '/usr/bin/ssh-keygen';

/** sshd refuses to start without its privilege-separation directory. */
const PRIVSEP_DIR = '/run/sshd';

export interface InteropNeeds {
  /** The test logs in as {@link TEST_USER}, so the account must exist. */
  testUser?: boolean;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** True when /etc/passwd has an entry for `user`. */
export function localUserExists(user: string): boolean {
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .some((line) => line.startsWith(`${user}:`));
  } catch {
    return false;
  }
}

/**
 * Why interop tests cannot run here, or undefined when they can.
 * sshd must run as root: it switches to the logged-in user and talks to PAM.
 */
export function interopSkipReason(needs: InteropNeeds = {}): string | undefined {
  for (const bin of [SSHD_PATH, SSH_PATH, SSH_KEYGEN_PATH]) {
    if (!isExecutable(bin)) return `${bin} is missing (apt-get install openssh-server openssh-client)`;
  }
  if (!isRoot()) return 'not running as root: sshd needs root for UsePAM and switching to the test user';
  if (!existsSync(PRIVSEP_DIR))
    return `${PRIVSEP_DIR} is missing (mkdir -p ${PRIVSEP_DIR}; .ci/run does this)`;
  if (needs.testUser && !localUserExists(TEST_USER)) {
    return `local user ${TEST_USER} is missing (.ci/run creates it with password ${TEST_PASSWORD})`;
  }
  return undefined;
}
