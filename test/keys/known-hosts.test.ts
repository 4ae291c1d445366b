/**
 * known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), checked against the real OpenSSH `ssh-keygen`:
 * `-H` hashes a file, `-F name` lists the lines that name a host. Lines are written by hand in the documented
 * forms; ed25519 keys are the RFC 8032 §7.1 TEST 1-3 public keys in ssh-ed25519 blobs (RFC 8709 §4).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { asyncScheduler, firstValueFrom } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { runVerifier } from '../../src/connection/host-key-verifier.js';
import {
  type KnownHostsVerifierOptions,
  knownHostsVerifier,
} from '../../src/connection/known-hosts-verifier.js';
import { fromHex, toBase64 } from '../../src/crypto/bytes.js';
import { seededRandom } from '../../src/crypto/random.js';
import { UsageError } from '../../src/errors.js';
import { fingerprintSha256, parsePublicKeyLine } from '../../src/keys/index.js';
import {
  entriesForHost,
  formatKnownHostsLine,
  lookupHostKey,
  parseKnownHosts,
  wildcardMatch,
} from '../../src/keys/known-hosts.js';
import { appendKnownHost, readKnownHosts } from '../../src/keys/known-hosts-file.js';
import { SshWriter } from '../../src/wire/writer.js';
import { generateWithSshKeygen, KEYGEN_FIXTURES, sshKeygen, tempDir } from './ssh-keygen.js';

const ed25519Blob = (hex: string) => new SshWriter().string('ssh-ed25519').string(fromHex(hex)).bytes();
// RFC 8032 §7.1 TEST 1, TEST 2, TEST 3 public keys.
const A = ed25519Blob('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const B = ed25519Blob('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
const C = ed25519Blob('fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025');
const keyA = `ssh-ed25519 ${toBase64(A)}`;
const keyB = `ssh-ed25519 ${toBase64(B)}`;
const keyC = `ssh-ed25519 ${toBase64(C)}`;

// Module level, not beforeAll: the describe blocks below build their file texts while being collected.
const { dir, cleanup } = tempDir();
/** A real ecdsa-sha2-nistp256 public key from ssh-keygen. */
const keyE = generateWithSshKeygen(dir, 'ecdsa', KEYGEN_FIXTURES[1])
  .publicLine.split(' ')
  .slice(0, 2)
  .join(' ');
const E = parsePublicKeyLine(keyE).key.blob;
afterAll(() => cleanup());

let fileCounter = 0;
function writeTemp(text: string): string {
  const path = join(dir, `kh-${++fileCounter}`);
  writeFileSync(path, text);
  return path;
}

/** Line numbers `ssh-keygen -F name -f file` reports ("# Host name found: line N [TYPE]"). */
function keygenFind(path: string, name: string): number[] {
  const r = spawnSync('ssh-keygen', ['-F', name, '-f', path], { encoding: 'utf8' });
  return [...r.stdout.matchAll(/^# Host .* found: line (\d+)/gm)].map((m) => Number(m[1]));
}

const sshName = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);

describe('parseKnownHosts', () => {
  it('reads markers, pattern lists, hashed names, [host]:port, comments and CRLF', () => {
    const text = [
      '# Comments allowed at start of line',
      `cvs.example.net,192.0.2.10 ${keyA} a comment  with spaces`,
      '',
      `|1|${toBase64(new Uint8Array(20).fill(1))}|${toBase64(new Uint8Array(20).fill(2))} ${keyB}`,
      `@revoked * ${keyC}`,
      `@cert-authority *.mydomain.org,*.MyDomain.com ${keyA}`,
      `[Alpha.example.com]:2222,!x?.example.com\t${keyE}\r`,
      '   \t# indented comment',
    ].join('\n');
    const { entries, skipped } = parseKnownHosts(text, 'kh');
    expect(skipped).toEqual([]);
    expect(entries.map((e) => [e.line, e.marker, e.keyType, e.comment])).toEqual([
      [2, null, 'ssh-ed25519', 'a comment  with spaces'],
      [4, null, 'ssh-ed25519', ''],
      [5, 'revoked', 'ssh-ed25519', ''],
      [6, 'cert-authority', 'ssh-ed25519', ''],
      [7, null, 'ecdsa-sha2-nistp256', ''],
    ]);
    expect(entries[0].names).toEqual({
      kind: 'patterns',
      patterns: [
        { pattern: 'cvs.example.net', negated: false },
        { pattern: '192.0.2.10', negated: false },
      ],
    });
    expect(entries[1].names).toMatchObject({ kind: 'hashed', salt: new Uint8Array(20).fill(1) });
    expect(entries[3].names).toMatchObject({
      patterns: [{ pattern: '*.mydomain.org' }, { pattern: '*.mydomain.com' }],
    });
    expect(entries[4].names).toMatchObject({
      patterns: [
        { pattern: '[alpha.example.com]:2222', negated: false },
        { pattern: 'x?.example.com', negated: true },
      ],
    });
    expect(entries[0].blob).toEqual(A);
    expect(entries[0].key?.type).toBe('ssh-ed25519');
    expect(entries.every((e) => e.source === 'kh')).toBe(true);
  });

  it('keeps lines of key types rxssh does not implement, with key = null', () => {
    const sk = new SshWriter().string('sk-ssh-ed25519@openssh.com').string(new Uint8Array(32)).string('ssh:');
    const { entries, skipped } = parseKnownHosts(`h sk-ssh-ed25519@openssh.com ${toBase64(sk.bytes())}`);
    expect(skipped).toEqual([]);
    expect(entries[0]).toMatchObject({ keyType: 'sk-ssh-ed25519@openssh.com', key: null });
  });

  it.each([
    ['an unknown marker', `@trusted h ${keyA}`, /unknown marker/],
    ['a marker alone', '@revoked', /missing key/],
    ['no key', 'host ssh-ed25519', /missing key/],
    ['bad base64', `host ssh-ed25519 ${toBase64(A).slice(0, -4)}!!!!`, /base64/],
    ['a type word that disagrees with the blob', `host ssh-rsa ${toBase64(A)}`, /says ssh-rsa/],
    ['a truncated blob', `host ssh-ed25519 ${toBase64(A.subarray(0, 40))}`, /truncated/],
    ['an unknown type whose blob says otherwise', `host ssh-dss ${toBase64(A)}`, /says ssh-dss/],
    [
      'a hash with the wrong magic',
      `|2|${toBase64(new Uint8Array(20))}|${toBase64(new Uint8Array(20))} ${keyA}`,
      /hashed/,
    ],
    [
      'a salt of 16 bytes',
      `|1|${toBase64(new Uint8Array(16))}|${toBase64(new Uint8Array(20))} ${keyA}`,
      /20 bytes/,
    ],
    ['a hashed name with a third part', `|1|${toBase64(new Uint8Array(20))}|AA==|AA== ${keyA}`, /hashed/],
    ['a host pattern of 1023 characters', `${'a'.repeat(1023)} ${keyA}`, /pattern over/],
    ['a line over 64 KiB', `h ${keyA} ${'c'.repeat(70000)}`, /over 65536/],
  ])('skips %s and reports its line number', (_, bad, reason) => {
    const { entries, skipped } = parseKnownHosts(`# first\n${bad}\nok ${keyB}\n`);
    expect(entries.map((e) => e.line)).toEqual([3]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].line).toBe(2);
    expect(skipped[0].reason).toMatch(reason);
  });

  it('never throws, whatever the text', () => {
    const piece = fc.constantFrom(
      '@revoked',
      '|1|',
      '|',
      '!',
      '*',
      ',',
      ' ',
      '\t',
      '\n',
      '#',
      keyA,
      'ssh-ed25519',
      'AAAA',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(piece, fc.string()), { maxLength: 12 }), (parts) => {
        const { entries, skipped } = parseKnownHosts(parts.join(''));
        expect(entries.length + skipped.length).toBeLessThanOrEqual(parts.join('').split('\n').length);
      }),
    );
  });
});

describe('wildcardMatch', () => {
  it.each([
    ['db1.example.com', '*.example.com', true],
    ['example.com', '*.example.com', false],
    ['a.b.example.com', '*.example.com', true],
    ['db1', 'db?', true],
    ['db12', 'db?', false],
    ['', '*', true],
    ['', '', true],
    ['x', '', false],
    ['abc', 'a*b*c', true],
    ['abcb', 'a*b', true],
    ['ab*', 'ab*', true],
    ['[h]:2222', '[h]:22*', true],
  ])('%j against %j is %s', (text, pattern, expected) => {
    expect(wildcardMatch(text, pattern)).toBe(expected);
  });

  it('agrees with a regex reference on random short inputs', () => {
    const reference = (text: string, pattern: string) =>
      new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(
        text,
      );
    const chars = fc.constantFrom('a', 'b', '.');
    const text = fc.array(chars, { maxLength: 10 }).map((a) => a.join(''));
    const pattern = fc
      .array(fc.constantFrom('a', 'b', '.', '*', '?'), { maxLength: 8 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(text, pattern, (t, p) => wildcardMatch(t, p) === reference(t, p)),
      { numRuns: 2000 },
    );
  });

  it('does bounded work on a pathological pattern against a long host name', () => {
    const host = 'a'.repeat(200_000);
    const started = performance.now();
    expect(wildcardMatch(host, '*a*a*a*a*a*a*a*a*b')).toBe(false);
    expect(wildcardMatch(`${host}b`, '*a*a*a*a*a*a*a*a*b')).toBe(true);
    const { entries } = parseKnownHosts(`*a*a*a*a*a*a*a*a*b,*a*a*a*a*a*a*a*a*c ${keyA}`);
    expect(lookupHostKey(entries, host, 22, A).status).toBe('unknown');
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('host matching agrees with ssh-keygen -F', () => {
  const text = [
    '# hand-written, in the forms of sshd(8)',
    `alpha.example.com,192.0.2.1 ${keyA} c1`,
    `*.example.com,!bad.example.com ${keyB}`,
    `[alpha.example.com]:2222 ${keyA}`,
    `@revoked *.example.org ${keyC}`,
    `Mixed.Case.Org ${keyA}`,
    `db?.example.net,!db9.example.net ${keyE}`,
    `@cert-authority *.corp.example ${keyC}`,
    `[*.example.com]:* ${keyC}`,
  ].join('\n');
  const queries: [string, number][] = [
    ['alpha.example.com', 22],
    ['ALPHA.example.com', 22],
    ['alpha.example.com', 2222],
    ['alpha.example.com', 2200],
    ['bad.example.com', 22],
    ['x.example.com', 22],
    ['x.example.com', 443],
    ['example.com', 22],
    ['y.example.org', 22],
    ['mixed.case.org', 22],
    ['db1.example.net', 22],
    ['db9.example.net', 22],
    ['db10.example.net', 22],
    ['h.corp.example', 22],
    ['192.0.2.1', 22],
    ['unknown.invalid', 22],
  ];

  it.each(queries)('plain file: %s port %d', (host, port) => {
    const path = writeTemp(`${text}\n`);
    const ours = entriesForHost(parseKnownHosts(text).entries, host, port).map((e) => e.line);
    expect(ours).toEqual(keygenFind(path, sshName(host, port)));
  });

  it('hashed file (ssh-keygen -H): the same lines are found', () => {
    const path = writeTemp(`${text}\n`);
    sshKeygen(['-q', '-H', '-f', path]);
    const hashed = readFileSync(path, 'utf8');
    expect(hashed).toMatch(/^\|1\|/m);
    const { entries, skipped } = parseKnownHosts(hashed);
    expect(skipped).toEqual([]);
    expect(entries.filter((e) => e.names.kind === 'hashed').length).toBeGreaterThanOrEqual(4);
    // ssh-keygen -F hashes its query as given, while ssh(1) lowercases the host first: query in lowercase.
    for (const [host, port] of queries.filter(([h]) => h === h.toLowerCase())) {
      const ours = entriesForHost(entries, host, port).map((e) => e.line);
      expect(ours, `${host}:${port}`).toEqual(keygenFind(path, sshName(host, port)));
    }
  });

  it('a line we hash is found by ssh-keygen -F for that host only', () => {
    const rng = seededRandom('known_hosts hash');
    const lines = [
      formatKnownHostsLine('Gamma.example.com', 22, A, { hash: true, random: rng }),
      formatKnownHostsLine('127.0.0.1', 2222, E, { hash: true, random: rng, comment: 'added by rxssh' }),
    ];
    const path = writeTemp(`${lines.join('\n')}\n`);
    expect(keygenFind(path, 'gamma.example.com')).toEqual([1]);
    expect(keygenFind(path, '[127.0.0.1]:2222')).toEqual([2]);
    expect(keygenFind(path, '127.0.0.1')).toEqual([]);
    expect(keygenFind(path, 'delta.example.com')).toEqual([]);
  });
});

describe('lookupHostKey', () => {
  const { entries } = parseKnownHosts(
    [
      `alpha.example.com ${keyA}`,
      `*.example.com,!bad.example.com ${keyB}`,
      `[alpha.example.com]:2222 ${keyE}`,
      `@revoked nowhere.invalid ${keyC}`,
      `@cert-authority *.example.com ${keyA}`,
    ].join('\n'),
    'kh',
  );

  it('match: a line for the host carries the key; another line with another key does not spoil it', () => {
    const r = lookupHostKey(entries, 'alpha.example.com', 22, A);
    expect(r.status).toBe('match');
    expect(r.matches.map((e) => e.line)).toEqual([1]);
    expect(r.others.map((e) => e.line)).toEqual([2]);
  });

  it('mismatch: same key type, different key', () => {
    const r = lookupHostKey(entries, 'x.example.com', 22, A);
    expect(r.status).toBe('mismatch');
    expect(r.changed.map((e) => e.line)).toEqual([2]);
  });

  it('unknown with others: only keys of another type are known', () => {
    const r = lookupHostKey(entries, 'alpha.example.com', 2222, A);
    expect(r.status).toBe('unknown');
    expect(r.others.map((e) => e.keyType)).toEqual(['ecdsa-sha2-nistp256']);
    expect(r.changed).toEqual([]);
  });

  it('a negated pattern excludes the host; a CA line never matches a plain key', () => {
    expect(lookupHostKey(entries, 'bad.example.com', 22, B).status).toBe('unknown');
    expect(lookupHostKey(entries, 'ca.example.com', 22, A).status).toBe('mismatch');
    expect(lookupHostKey(entries, 'ca.example.com', 22, A).matches).toEqual([]);
  });

  it('revoked: an @revoked line with this key wins, whatever host it names', () => {
    const more = [...entries, ...parseKnownHosts(`alpha.example.com ${keyC}`).entries];
    const r = lookupHostKey(more, 'alpha.example.com', 22, C);
    expect(r.status).toBe('revoked');
    expect(r.revoked.map((e) => e.line)).toEqual([4]);
  });

  it('port 22 uses the bare name, other ports [host]:port', () => {
    expect(lookupHostKey(entries, 'alpha.example.com', 2222, E).status).toBe('match');
    expect(lookupHostKey(entries, 'alpha.example.com', 22, E).status).toBe('unknown');
  });
});

describe('formatKnownHostsLine', () => {
  it('writes `name type base64 [comment]`, lowercased, [host]:port off port 22', () => {
    expect(formatKnownHostsLine('Example.COM', 22, A)).toBe(`example.com ${keyA}`);
    expect(formatKnownHostsLine('::1', 2222, A, { comment: 'c' })).toBe(`[::1]:2222 ${keyA} c`);
    expect(formatKnownHostsLine('h', 22, A, { marker: 'revoked' })).toBe(`@revoked h ${keyA}`);
  });

  it('hashes with an injected salt: |1|base64(salt)|base64(HMAC-SHA1(salt, name))', () => {
    const salt = new Uint8Array(20).fill(7);
    const line = formatKnownHostsLine('h.example', 2222, A, { hash: true, salt });
    expect(line.startsWith(`|1|${toBase64(salt)}|`)).toBe(true);
    expect(line).toBe(formatKnownHostsLine('h.example', 2222, A, { hash: true, salt }));
    const { entries } = parseKnownHosts(line);
    expect(lookupHostKey(entries, 'H.example', 2222, A).status).toBe('match');
    expect(lookupHostKey(entries, 'h.example', 22, A).status).toBe('unknown');
  });

  it.each([['*'], ['*.example.com'], ['a b'], ['a,b'], ['!a'], [''], ['a\nb'], ['|1|x']])(
    'refuses host name %j, which would not be a plain name',
    (host) => {
      expect(() => formatKnownHostsLine(host, 22, A)).toThrow(UsageError);
    },
  );

  it('refuses a salt that is not 20 bytes, hashing without salt or random, and a multi-line comment', () => {
    expect(() => formatKnownHostsLine('h', 22, A, { hash: true, salt: new Uint8Array(16) })).toThrow(
      UsageError,
    );
    expect(() => formatKnownHostsLine('h', 22, A, { hash: true })).toThrow(UsageError);
    expect(() => formatKnownHostsLine('h', 22, A, { comment: 'x\ny' })).toThrow(UsageError);
    expect(() => formatKnownHostsLine('h', 0, A)).toThrow(UsageError);
  });
});

describe('known_hosts files', () => {
  it('reads a missing file as empty and tags entries with their file', async () => {
    expect(await readKnownHosts(join(dir, 'absent', 'known_hosts'))).toEqual({ entries: [], skipped: [] });
    const path = writeTemp(`h ${keyA}\nbroken\n`);
    const read = await readKnownHosts(path);
    expect(read.entries[0].source).toBe(path);
    expect(read.skipped).toEqual([{ source: path, line: 2, reason: expect.stringMatching(/missing key/) }]);
  });

  it('creates the directory and a 0600 file, and adds a newline a hand-edited file lacks', async () => {
    const path = join(dir, 'fresh', 'ssh', 'known_hosts');
    await appendKnownHost(path, `one ${keyA}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, `${readFileSync(path, 'utf8')}two ${keyB}`); // no trailing newline
    await appendKnownHost(path, `three ${keyC}`);
    expect(readFileSync(path, 'utf8')).toBe(`one ${keyA}\ntwo ${keyB}\nthree ${keyC}\n`);
    await expect(appendKnownHost(path, `x ${keyA}\ny ${keyB}`)).rejects.toThrow(UsageError);
  });

  it('50 parallel appends leave 50 intact lines', async () => {
    const path = join(dir, 'parallel', 'known_hosts');
    const lines = Array.from({ length: 50 }, (_, i) => formatKnownHostsLine(`host${i}.example`, 22, E));
    await Promise.all(lines.map((l) => appendKnownHost(path, l)));
    const { entries, skipped } = await readKnownHosts(path);
    expect(skipped).toEqual([]);
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean).sort()).toEqual([...lines].sort());
    expect(entries).toHaveLength(50);
  });
});

describe('knownHostsVerifier', () => {
  const check = (opts: KnownHostsVerifierOptions, blob: Uint8Array, host?: string, port?: number) =>
    firstValueFrom(
      runVerifier(knownHostsVerifier(opts), { algorithm: 'x', blob, host, port }, asyncScheduler),
    );
  const setup = (text: string) => {
    const sub = join(dir, `v-${++fileCounter}`);
    mkdirSync(sub);
    const path = join(sub, 'known_hosts');
    if (text) writeFileSync(path, text);
    const messages: string[] = [];
    return { path, messages, onMessage: (m: string) => messages.push(m) };
  };

  it('yes: refuses an unknown key with the message ssh(1) prints', async () => {
    const { path, messages, onMessage } = setup('');
    expect(await check({ files: [path], strict: 'yes', onMessage }, A, '127.0.0.1', 2222)).toBe(false);
    expect(messages).toEqual([
      'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.',
    ]);
  });

  it('accept-new: appends exactly one well-formed line; the next check matches and writes nothing', async () => {
    const { path, messages, onMessage } = setup('');
    const opts: KnownHostsVerifierOptions = { files: [path], strict: 'accept-new', onMessage };
    expect(await check(opts, E, '127.0.0.1', 2222)).toBe(true);
    const written = readFileSync(path, 'utf8');
    expect(written).toBe(`[127.0.0.1]:2222 ${keyE}\n`);
    expect(messages).toEqual([
      "Warning: Permanently added '[127.0.0.1]:2222' (ECDSA) to the list of known hosts.",
    ]);
    expect(await check(opts, E, '127.0.0.1', 2222)).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(written);
    expect(keygenFind(path, '[127.0.0.1]:2222')).toEqual([1]);
  });

  it('accept-new with hashNew: the new line is hashed and ssh-keygen -F finds it', async () => {
    const { path } = setup('');
    const opts = { files: [path], strict: 'accept-new', hashNew: true, random: seededRandom('v') } as const;
    expect(await check(opts, A, 'new.example.com')).toBe(true);
    expect(readFileSync(path, 'utf8')).toMatch(/^\|1\|[^ ]+ ssh-ed25519 /);
    expect(keygenFind(path, 'new.example.com')).toEqual([1]);
    expect(await check({ ...opts, strict: 'yes' }, A, 'new.example.com')).toBe(true);
  });

  it.each(['yes', 'ask', 'accept-new'] as const)(
    '%s: a changed key is refused, naming both fingerprints and the old line',
    async (strict) => {
      const { path, messages, onMessage } = setup(`# old\nserver.example ${keyA}\n`);
      expect(await check({ files: [path], strict, onMessage }, B, 'server.example')).toBe(false);
      const text = messages.join('\n');
      expect(text).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
      expect(text).toContain(`Expected: ${fingerprintSha256(A)}`);
      expect(text).toContain(`Offered:  ${fingerprintSha256(B)}`);
      expect(text).toContain(`Offending ED25519 key in ${path}:2`);
      expect(readFileSync(path, 'utf8')).toBe(`# old\nserver.example ${keyA}\n`);
    },
  );

  it('no: a changed key is accepted with a loud warning and not written; an unknown one is added', async () => {
    const { path, messages, onMessage } = setup(`server.example ${keyA}\n`);
    expect(await check({ files: [path], strict: 'no', onMessage }, B, 'server.example')).toBe(true);
    expect(messages.join('\n')).toMatch(/HAS CHANGED[\s\S]*connecting anyway/);
    expect(readFileSync(path, 'utf8')).toBe(`server.example ${keyA}\n`);
    expect(await check({ files: [path], strict: 'no', onMessage }, B, 'other.example')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(`server.example ${keyA}\nother.example ${keyB}\n`);
  });

  it('a revoked key is refused even with strict no', async () => {
    const { path, messages, onMessage } = setup(`@revoked * ${keyC}\n`);
    expect(await check({ files: [path], strict: 'no', onMessage }, C, 'any.example')).toBe(false);
    expect(messages[0]).toMatch(/marked as revoked/);
    expect(readFileSync(path, 'utf8')).toBe(`@revoked * ${keyC}\n`);
  });

  it('ask: adds the key only when confirm says yes; without confirm it refuses', async () => {
    const { path, onMessage } = setup(`ask.example ${keyE}\n`);
    const questions: string[] = [];
    const confirm = (q: string) => {
      questions.push(q);
      return Promise.resolve(false);
    };
    expect(await check({ files: [path], strict: 'ask', onMessage, confirm }, A, 'ask.example')).toBe(false);
    expect(questions[0]).toContain(`ED25519 key fingerprint is ${fingerprintSha256(A)}.`);
    expect(questions[0]).toContain('Keys of a different type are already known');
    expect(await check({ files: [path], onMessage }, A, 'ask.example')).toBe(false);
    expect(await check({ files: [path], strict: 'ask', confirm: () => true }, A, 'ask.example')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(`ask.example ${keyE}\nask.example ${keyA}\n`);
  });

  it('looks in every file, writes only to the first; honours HostKeyAlias (no port)', async () => {
    const first = setup('');
    const second = setup(`[known.example]:2022 ${keyA}\n`);
    const opts = { files: [first.path, second.path], strict: 'accept-new' } as const;
    expect(await check(opts, A, 'known.example', 2022)).toBe(true);
    expect(await check({ ...opts, hostKeyAlias: 'Alias1' }, B, 'known.example', 2022)).toBe(true);
    expect(readFileSync(first.path, 'utf8')).toBe(`alias1 ${keyB}\n`);
    expect(await check({ ...opts, hostKeyAlias: 'alias1', strict: 'yes' }, B, 'elsewhere', 9)).toBe(true);
  });

  it('fails closed without a host name or when a file cannot be read', async () => {
    const { path, messages, onMessage } = setup('');
    expect(await check({ files: [path], strict: 'no', onMessage }, A)).toBe(false);
    expect(await check({ files: [dir], strict: 'no', onMessage }, A, 'h')).toBe(false);
    expect(messages[1]).toMatch(/cannot read known_hosts/);
    expect(() => knownHostsVerifier({ files: [] })).toThrow(UsageError);
  });
});
