/**
 * examples/keygen.ts against the real OpenSSH `ssh-keygen`: keys we write are read by it, what it writes is
 * read by us, and `-l` / `-y` / `-L` print exactly what it prints for the same files. The program runs as
 * `node --import tsx examples/keygen.ts` (one process per call, killed after a bounded time); the large
 * comparison matrices call the same entry point (runKeygen) in-process, since each process costs ~0.5 s.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeygenArgs } from '../../examples/lib/keygen-args.js';
import { certificateOptions } from '../../examples/lib/keygen-cert-options.js';
import { runKeygen } from '../../examples/lib/keygen-main.js';
import { parseAbsoluteTime, parseTimespec, parseValidity } from '../../examples/lib/keygen-validity.js';
import { parseCertificateLine } from '../../src/keys/index.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KEYGEN = join(REPO_ROOT, 'examples', 'keygen.ts');
const TIMEOUT_MS = 60_000;
const HAVE_SSH_KEYGEN = spawnSync('ssh-keygen', ['-?'], { stdio: 'ignore' }).error === undefined;

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs examples/keygen.ts; stdin is empty (never a terminal), the process is killed after TIMEOUT_MS. */
function keygen(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', KEYGEN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, SSH_PASSPHRASE: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs the real ssh-keygen (no shell); never throws, so exit status and output can be compared. */
function sshKeygen(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Result {
  const r = spawnSync('ssh-keygen', args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    timeout: TIMEOUT_MS,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** ssh-keygen that must succeed. */
function sshKeygenOk(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('ssh-keygen', args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: TIMEOUT_MS,
  });
}

async function keygenOk(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await keygen(args, env);
  if (r.status !== 0) throw new Error(`keygen.ts ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** examples/keygen.ts's entry point in this process, with the given environment and no terminal. */
async function keygenHere(args: string[], env: NodeJS.ProcessEnv = {}, stdin = ''): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const status = await runKeygen(args, {
    stdout: (text) => (stdout += text),
    stderr: (line) => (stderr += `${line}\n`),
    env,
    readStdin: () => stdin,
  });
  return { status, stdout, stderr };
}

/**
 * Same stdout and exit status from ssh-keygen and keygen.ts for the same arguments, the program spawned
 * or (`here`) run in-process (then in this process's time zone: `env` goes to ssh-keygen only if given).
 */
async function expectSameAsSshKeygen(args: string[], how: 'spawn' | 'here', env: NodeJS.ProcessEnv = {}) {
  const theirs = sshKeygen(args, env);
  const ours = how === 'spawn' ? await keygen(args, env) : await keygenHere(args, env);
  expect({ args, status: ours.status, stdout: ours.stdout }).toEqual({
    args,
    status: theirs.status,
    stdout: theirs.stdout,
  });
}

/** Runs `fn` over `items`, a few at a time (each call is a process; the machine may have two cores). */
async function eachInParallel<T>(
  items: readonly T[],
  fn: (item: T) => Promise<void>,
  limit = 3,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface KeyKind {
  label: string;
  /** -t and -b as both tools take them. */
  args: string[];
}

const KINDS: KeyKind[] = [
  { label: 'ed25519', args: ['-t', 'ed25519'] },
  { label: 'ecdsa-256', args: ['-t', 'ecdsa', '-b', '256'] },
  { label: 'ecdsa-384', args: ['-t', 'ecdsa', '-b', '384'] },
  { label: 'ecdsa-521', args: ['-t', 'ecdsa', '-b', '521'] },
  { label: 'rsa-2048', args: ['-t', 'rsa', '-b', '2048'] },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxssh-keygen-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!HAVE_SSH_KEYGEN)('keys we generate are read by ssh-keygen', () => {
  for (const kind of KINDS) {
    for (const passphrase of ['', 'correct horse']) {
      const name = `ours-${kind.label}${passphrase ? '-enc' : ''}`;
      it(`${name}: ssh-keygen -y gives our .pub line, -l agrees`, async () => {
        const file = join(dir, name);
        await keygenOk(['-q', ...kind.args, '-N', passphrase, '-C', `${name}@test`, '-f', file]);
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const pubLine = readFileSync(`${file}.pub`, 'utf8').trim();
        expect(pubLine.endsWith(` ${name}@test`)).toBe(true);
        // ssh-keygen -y prints the private key's own comment, so the whole line must match.
        expect(sshKeygenOk(['-y', '-P', passphrase, '-f', file]).trim()).toBe(pubLine);
        if (passphrase) expect(sshKeygen(['-y', '-P', 'wrong', '-f', file]).status).not.toBe(0);
        await expectSameAsSshKeygen(['-l', '-f', file], 'here');
        await expectSameAsSshKeygen(['-l', '-f', `${file}.pub`], 'here');
      });
    }
  }

  it('the default RSA size is 3072 bits, and the progress output is ssh-keygen-shaped', async () => {
    const file = join(dir, 'ours-rsa-default');
    const out = await keygenOk(['-t', 'rsa', '-N', '', '-C', 'rsa@default', '-f', file]);
    expect(sshKeygenOk(['-l', '-f', `${file}.pub`])).toMatch(/^3072 SHA256:/);
    const art = sshKeygenOk(['-lv', '-f', `${file}.pub`])
      .split('\n')
      .slice(1)
      .join('\n');
    const fp = sshKeygenOk(['-l', '-f', `${file}.pub`]).split(' ')[1];
    expect(out).toBe(
      'Generating public/private rsa key pair.\n' +
        `Your identification has been saved in ${file}\n` +
        `Your public key has been saved in ${file}.pub\n` +
        'The key fingerprint is:\n' +
        `${fp} rsa@default\n` +
        "The key's randomart image is:\n" +
        art,
    );
  });

  it('refuses to overwrite an existing key file (exit 1, file unchanged)', async () => {
    const file = join(dir, 'ours-existing');
    await keygenOk(['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    const before = readFileSync(file, 'utf8');
    const r = await keygen(['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/already exists/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it.each([
    [['-t', 'ecdsa', '-b', '512'], /ECDSA key length/],
    [['-t', 'rsa', '-b', '1024'], /minimum is 2048/],
    [['-t', 'dsa'], /DSA keys are not supported/],
    [['-t', 'nope'], /unknown key type nope/],
    [['-t', 'ed25519', '-x'], /unknown option -- x/],
  ])('refuses %j with one clear message, exit 1', async (args, message) => {
    const file = join(dir, `refused-${args.join('')}`);
    const r = await keygenHere([...args, '-N', '', '-f', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(file)).toBe(false);
  });
});

describe.skipIf(!HAVE_SSH_KEYGEN)('keys ssh-keygen made, read by keygen.ts', () => {
  const made: { label: string; file: string; passphrase: string }[] = [];
  beforeAll(() => {
    for (const kind of KINDS) {
      for (const [suffix, passphrase, format] of [
        ['', '', []],
        ['-enc', 'sesame open', []],
        ['-pem', '', ['-m', 'PEM']],
      ] as const) {
        const file = join(dir, `theirs-${kind.label}${suffix}`);
        sshKeygenOk([
          '-q',
          ...kind.args,
          '-N',
          passphrase,
          ...format,
          '-C',
          `${kind.label}@theirs`,
          '-f',
          file,
        ]);
        made.push({ label: `${kind.label}${suffix}`, file, passphrase });
      }
    }
  });

  it('-y gives the same line as ssh-keygen -y (with -P for encrypted keys)', async () => {
    await eachInParallel(made, async ({ label, file, passphrase }) => {
      const expected = sshKeygenOk(['-y', '-P', passphrase, '-f', file]);
      const args = ['-y', '-P', passphrase, '-f', file];
      expect((await keygenHere(args)).stdout).toBe(expected);
      if (label.startsWith('ed25519')) expect(await keygenOk(args)).toBe(expected); // the program itself
    });
  });

  it('-y takes the passphrase from SSH_PASSPHRASE', async () => {
    const { file, passphrase } = made.find((m) => m.label === 'ed25519-enc')!;
    expect(await keygenOk(['-y', '-f', file], { SSH_PASSPHRASE: passphrase })).toBe(
      sshKeygenOk(['-y', '-P', passphrase, '-f', file]),
    );
  });

  it('-l prints what ssh-keygen -l prints: private (with and without .pub), public, -E md5, -v', async () => {
    const runs: string[][] = [];
    for (const { label, file } of made) {
      const bare = join(dir, `bare-${label}`);
      writeFileSync(bare, readFileSync(file), { mode: 0o600 });
      runs.push(
        ['-l', '-f', file],
        ['-l', '-f', bare], // no .pub beside it: the header, or the private key, supplies it
        ['-l', '-f', `${file}.pub`],
        ['-l', '-E', 'md5', '-f', file],
        ['-l', '-E', 'md5', '-f', bare],
        ['-lv', '-f', `${file}.pub`], // with the randomart picture
        ['-lv', '-E', 'md5', '-f', file],
      );
    }
    for (const args of runs) await expectSameAsSshKeygen(args, 'here');
    // The program itself, for one key of each kind without its .pub.
    const spawned = made
      .filter((m) => !m.label.includes('-'))
      .map((m) => ['-l', '-f', join(dir, `bare-${m.label}`)]);
    await eachInParallel(spawned, (args) => expectSameAsSshKeygen(args, 'spawn'));
  });

  it('-l reads authorized_keys and hashed known_hosts line by line like ssh-keygen', async () => {
    const pubs = made
      .filter((m) => !m.label.endsWith('-pem'))
      .map((m) => readFileSync(`${m.file}.pub`, 'utf8'));
    const [a, b, c, d] = pubs.map((p) => p.trim().split(' ').slice(0, 2).join(' '));
    const authorized = join(dir, 'authorized_keys');
    writeFileSync(
      authorized,
      // The line without a comment comes first: OpenSSH 9.2 carries one line's comment into the next.
      `# a comment line\n\n   ${c}\n${a} alice@laptop\n` +
        `no-pty,command="echo \\"hi there\\"",from="10.0.0.1" ${b} with options\n` +
        'ssh-ed25519 AAAA-not-base64 broken\n' +
        `environment="A=b c" ${d} # trailing hash is not a comment\n`,
    );
    await expectSameAsSshKeygen(['-l', '-f', authorized], 'spawn');
    await expectSameAsSshKeygen(['-l', '-E', 'md5', '-f', authorized], 'here');

    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(
      knownHosts,
      `example.com,192.0.2.7 ${a}\n[git.example.org]:2222 ${b}\n*.example.net,!bad.example.net ${c}\n` +
        `@cert-authority *.example.com ${d}\n@revoked stale.example.com ${a}\n`,
    );
    await expectSameAsSshKeygen(['-l', '-f', knownHosts], 'here');
    sshKeygenOk(['-H', '-f', knownHosts]); // ssh-keygen rewrites it with |1|salt|hash host fields
    expect(readFileSync(knownHosts, 'utf8')).toMatch(/^\|1\|/);
    await expectSameAsSshKeygen(['-l', '-f', knownHosts], 'spawn');
  });

  it('-l -f - and -L -f - read standard input like ssh-keygen', async () => {
    const pubs = made
      .filter((m) => !m.label.endsWith('-pem'))
      .map((m) => readFileSync(`${m.file}.pub`, 'utf8'));
    const text = pubs.join('');
    const theirs = sshKeygen(['-l', '-f', '-'], {}, text);
    expect(theirs.status).toBe(0);
    expect(await keygenHere(['-l', '-f', '-'], {}, text)).toEqual({ ...theirs, stderr: '' });
    const notCerts = sshKeygen(['-L', '-f', '-'], {}, text);
    expect((await keygenHere(['-L', '-f', '-'], {}, text)).status).toBe(notCerts.status);
  });

  it('-l on a file without keys fails like ssh-keygen (exit 1 here, a message naming the file)', async () => {
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'nothing to see\n');
    const r = await keygen(['-l', '-f', junk]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`keygen: ${junk} is not a public key file.\n`);
    expect(sshKeygen(['-l', '-f', junk]).status).not.toBe(0);
    const missing = await keygen(['-l', '-f', join(dir, 'missing')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`${join(dir, 'missing')}: No such file or directory`);
  });

  describe('errors: one line on stderr naming the file and the reason, exit 1', () => {
    const cases: [string, () => string, string[], NodeJS.ProcessEnv, RegExp][] = [
      ['wrong passphrase', () => made[1].file, ['-P', 'not it'], {}, /incorrect passphrase/],
      ['wrong SSH_PASSPHRASE', () => made[1].file, [], { SSH_PASSPHRASE: 'nope' }, /incorrect passphrase/],
      ['no passphrase, no terminal', () => made[1].file, [], {}, /encrypted.*-P or SSH_PASSPHRASE/],
      [
        'truncated file',
        () => {
          const f = join(dir, 'truncated');
          writeFileSync(f, readFileSync(made[0].file, 'utf8').slice(0, 200), { mode: 0o600 });
          return f;
        },
        [],
        {},
        /truncated/,
      ],
      ['a public key', () => `${made[0].file}.pub`, [], {}, /public key, not a private key/],
      [
        'a world-readable private key',
        () => {
          const f = join(dir, 'readable');
          writeFileSync(f, readFileSync(made[0].file));
          chmodSync(f, 0o644);
          return f;
        },
        [],
        {},
        /bad permissions: permissions 0644/,
      ],
    ];
    it.each(cases)('%s', async (_name, file, extra, env, reason) => {
      const path = file();
      const r = await keygen(['-y', ...extra, '-f', path], env);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(path);
      expect(r.stderr).toMatch(reason);
    });
  });
});

describe.skipIf(!HAVE_SSH_KEYGEN)('certificates', () => {
  const utc = { TZ: 'UTC' };
  let user: string;
  let host: string;
  beforeAll(async () => {
    user = join(dir, 'cert-user');
    host = join(dir, 'cert-host');
    sshKeygenOk(['-q', '-t', 'ecdsa', '-N', '', '-C', 'user@cert', '-f', user]);
    sshKeygenOk(['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', 'host@cert', '-f', host]);
  });

  const CAS: KeyKind[] = [KINDS[0], KINDS[2], KINDS[4]];
  /** A CA key made by ssh-keygen, once per kind. */
  function caKey(kind: KeyKind): string {
    const file = join(dir, `ca-${kind.label}`);
    if (!existsSync(file)) sshKeygenOk(['-q', ...kind.args, '-N', '', '-C', 'ca', '-f', file]);
    return file;
  }
  const SIGNINGS: { label: string; args: string[]; target: () => string }[] = [
    { label: 'plain user', args: ['-I', 'alice', '-n', 'alice'], target: () => `${user}.pub` },
    {
      label: 'user with options',
      args: [
        ...['-I', 'bob@corp', '-n', 'bob,root', '-z', '1234', '-V', '20240102030405Z:20340101Z'],
        ...['-O', 'clear', '-O', 'permit-pty', '-O', 'force-command=/usr/bin/uptime -p'],
        ...['-O', 'source-address=10.0.0.0/8,::1', '-O', 'extension:login@example.com=bob'],
        ...['-O', 'critical:custom@example.com', '-O', 'verify-required'],
      ],
      target: () => `${user}.pub`,
    },
    {
      label: 'host, open end',
      args: ['-h', '-I', 'web', '-n', 'web.example.com,*.web.example.com', '-V', '20250101:forever'],
      target: () => `${host}.pub`,
    },
    {
      label: 'user, open start',
      args: ['-I', 'x', '-n', 'x', '-V', 'always:20300615120000Z'],
      target: () => `${user}.pub`,
    },
  ];

  for (const ca of CAS) {
    for (const signing of SIGNINGS) {
      it(`${ca.label} CA, ${signing.label}: ssh-keygen -L accepts ours and prints what ours prints for its own`, async () => {
        const caFile = caKey(ca);
        const target = signing.target();
        const certFile = target.replace(/\.pub$/, '-cert.pub');

        // ssh-keygen signs, both print it.
        sshKeygenOk(['-q', '-s', caFile, ...signing.args, target], utc);
        const theirCert = readFileSync(certFile, 'utf8');
        const theirL = sshKeygenOk(['-L', '-f', certFile]);
        await expectSameAsSshKeygen(['-L', '-f', certFile], 'here');
        await expectSameAsSshKeygen(['-L', '-E', 'md5', '-f', certFile], 'here');
        await expectSameAsSshKeygen(['-l', '-f', certFile], 'here');
        await expectSameAsSshKeygen(['-lv', '-f', certFile], 'here'); // randomart titled [ED25519-CERT] etc.

        // We sign the same key with the same flags: ssh-keygen parses it (checking the CA signature) and
        // shows the very same fields; only the nonce and signature differ.
        const r = await keygen(['-s', caFile, ...signing.args, target], utc);
        expect(r.status).toBe(0);
        expect(r.stderr).toMatch(new RegExp(`^Signed (user|host) key ${certFile}: id "`));
        const ourCert = readFileSync(certFile, 'utf8');
        expect(ourCert).not.toBe(theirCert);
        expect(ourCert.split(' ').slice(2)).toEqual(theirCert.split(' ').slice(2)); // same comment
        expect(sshKeygenOk(['-L', '-f', certFile])).toBe(theirL);
        expect((await keygenHere(['-L', '-f', certFile])).stdout).toBe(theirL);
      });
    }
  }

  it('-L prints local times as ssh-keygen does (TZ), and path:N: headers for later lines', async () => {
    const caFile = caKey(KINDS[0]);
    const env = { TZ: 'America/New_York' };
    sshKeygenOk(
      ['-q', '-s', caFile, '-I', 'tz', '-n', 'a', '-V', '20240710:20241231235959', `${user}.pub`],
      env,
    );
    const certFile = `${user}-cert.pub`;
    const one = readFileSync(certFile, 'utf8');
    const several = join(dir, 'several-certs');
    writeFileSync(several, `${one}# comment\n${readFileSync(`${user}.pub`, 'utf8')}${one}`);
    for (const tz of ['America/New_York', 'Asia/Kolkata', 'UTC']) {
      await expectSameAsSshKeygen(['-L', '-f', several], 'spawn', { TZ: tz });
    }
    // Our -V reads local times in the same zone.
    await keygenOk(
      ['-q', '-s', caFile, '-I', 'tz', '-n', 'a', '-V', '20240710:20241231235959', `${user}.pub`],
      env,
    );
    expect(parseCertificateLine(readFileSync(certFile, 'utf8')).certificate.validAfter).toBe(
      parseCertificateLine(one).certificate.validAfter,
    );
  });

  it('-L on a file without certificates exits 1', async () => {
    const r = await keygenHere(['-L', '-f', `${user}.pub`]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('is not a certificate');
  });

  it('signing refuses a missing -n, an empty principal, a certificate as the key', async () => {
    const caFile = caKey(KINDS[0]);
    expect((await keygenHere(['-s', caFile, '-I', 'x', `${user}.pub`])).stderr).toMatch(/principals \(-n\)/);
    expect((await keygenHere(['-s', caFile, '-I', 'x', '-n', 'a,,b', `${user}.pub`])).stderr).toMatch(
      /empty principal/,
    );
    sshKeygenOk(['-q', '-s', caFile, '-I', 'x', '-n', 'a', `${user}.pub`]);
    const r = await keygenHere(['-s', caFile, '-I', 'x', '-n', 'a', `${user}-cert.pub`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/certificate and cannot be certified/);
  });
});

describe('-V validity intervals (parse_cert_times)', () => {
  const now = 1_700_000_000; // 2023-11-14T22:13:20Z
  it('reads relative, absolute (UTC), hex and open bounds', () => {
    expect(parseTimespec('1h30m')).toBe(5400);
    expect(parseTimespec('2w1d10')).toBe(2 * 604800 + 86400 + 10);
    expect(parseTimespec('10x')).toBeNull();
    expect(parseTimespec('5s5')).toBe(10);
    expect(parseTimespec('5 5')).toBeNull();
    expect(parseValidity('+1d', now)).toEqual({
      validAfter: BigInt(Math.floor((now - 59) / 60) * 60),
      validBefore: BigInt(now + 86400),
    });
    expect(parseValidity('-1h:+2h', now)).toEqual({
      validAfter: BigInt(now - 3600),
      validBefore: BigInt(now + 7200),
    });
    expect(parseValidity('always:forever', now)).toEqual({ validAfter: 0n, validBefore: 2n ** 64n - 1n });
    expect(parseValidity('0x10:0xffffffffffffffff', now)).toEqual({
      validAfter: 16n,
      validBefore: 2n ** 64n - 1n,
    });
    expect(parseAbsoluteTime('20240102Z')).toBe(BigInt(Date.UTC(2024, 0, 2) / 1000));
    expect(parseAbsoluteTime('202401020304UTC')).toBe(BigInt(Date.UTC(2024, 0, 2, 3, 4) / 1000));
    expect(parseAbsoluteTime('20240102030405z')).toBe(BigInt(Date.UTC(2024, 0, 2, 3, 4, 5) / 1000));
    expect(parseAbsoluteTime('2024010203')).toBeNull();
    expect(parseAbsoluteTime('20241302Z')).toBeNull();
  });

  it.each([
    ['+', /invalid relative/],
    ['20240101', /life specification/],
    [':forever', /life specification/],
    ['always:', /life specification/],
    ['20240101Z:20230101Z', /empty certificate validity/],
    ['forever:always', /invalid from time/],
    ['0x:1', /not a number/],
    ['-99999999w:forever', /invalid relative/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseValidity(spec, now)).toThrow(message);
  });
});

describe('-O certificate options (add_cert_option)', () => {
  it('user certificates default to the five permit-* extensions; host certificates to none', () => {
    expect(Object.keys(certificateOptions([], false).extensions).sort()).toEqual([
      'permit-X11-forwarding',
      'permit-agent-forwarding',
      'permit-port-forwarding',
      'permit-pty',
      'permit-user-rc',
    ]);
    expect(certificateOptions([], true)).toEqual({ criticalOptions: {}, extensions: {} });
  });

  it('toggles flags without case, keeps values, refuses repeats and unknown options', () => {
    expect(
      certificateOptions(['NO-PTY', 'no-x11-forwarding', 'no-user-rc', 'No-Agent-Forwarding'], false),
    ).toEqual({
      criticalOptions: {},
      extensions: { 'permit-port-forwarding': true },
    });
    expect(
      certificateOptions(['clear', 'force-command=ls -l', 'extension:a@b=c', 'critical:d@e'], false),
    ).toEqual({ criticalOptions: { 'force-command': 'ls -l', 'd@e': true }, extensions: { 'a@b': 'c' } });
    expect(() => certificateOptions(['force-command=a', 'force-command=b'], false)).toThrow(/already/);
    expect(() => certificateOptions(['source-address=300.1.1.1'], false)).toThrow(/source-address/);
    expect(() => certificateOptions(['force-command='], false)).toThrow(/empty/);
    expect(() => certificateOptions(['permit-everything'], false)).toThrow(/unsupported/);
  });
});

describe('flags (ssh-keygen getopt rules)', () => {
  it('takes clustered flags, attached values, operands anywhere and -- ', () => {
    const a = parseKeygenArgs(['-lvE', 'md5', '-fkey']);
    expect([a.mode, a.verbose, a.hash, a.file]).toEqual(['fingerprint', 1, 'md5', 'key']);
    const s = parseKeygenArgs(['a.pub', '-s', 'ca', '-I', 'id', '-O', 'no-pty', '-Oclear', '--', '-b.pub']);
    expect([s.mode, s.caKey, s.keyId, s.certOptions, s.operands]).toEqual([
      'sign',
      'ca',
      'id',
      ['no-pty', 'clear'],
      ['a.pub', '-b.pub'],
    ]);
    expect(parseKeygenArgs(['-t', 'rsa', '-b4096', '-N', '', '-f', 'k'])).toMatchObject({
      mode: 'generate',
      bits: 4096,
      newPassphrase: '',
    });
  });

  it.each([
    [['-x'], 'keygen: unknown option -- x'],
    [['-f'], 'keygen: option requires an argument -- f'],
    [['-b', '0x10'], 'keygen: bits has bad value 0x10'],
    [['-E', 'sha1'], 'keygen: invalid hash algorithm "sha1" (sha256 or md5)'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseKeygenArgs(argv)).toThrow(message);
  });

  it.each([
    [['-l'], /no key file given/],
    [['-l', '-f', 'x', 'stray'], /unexpected argument stray/],
    [['-s', 'ca', '-n', 'a', 'k.pub'], /key id \(-I\)/],
    [['-s', 'ca', '-I', 'i', '-n', 'a'], /no public key file to certify/],
  ])('%j: one line on stderr, status 1', async (argv, message) => {
    const r = await keygenHere(argv);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
