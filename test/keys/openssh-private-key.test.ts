/**
 * openssh-key-v1 structure checks (OpenSSH PROTOCOL.key): checkints, padding, public/private agreement,
 * key count, KDF fields, armor and base64; plus every truncation and byte flip of a real file either
 * parses or fails with KeyFileError, never another exception type.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64, utf8 } from '../../src/crypto/bytes.js';
import { nodeCrypto } from '../../src/crypto/index.js';
import {
  formatOpenSshPrivateKey,
  generateKey,
  KEY_TYPES,
  KeyFileError,
  type PrivateKey,
  parseOpenSshPrivateKey,
  writePrivateKeyBody,
} from '../../src/keys/index.js';
import { SshWriter } from '../../src/wire/writer.js';

const BEGIN = '-----BEGIN OPENSSH PRIVATE KEY-----';
const END = '-----END OPENSSH PRIVATE KEY-----';
const armor = (b: Uint8Array) => `${BEGIN}\n${toBase64(b)}\n${END}\n`;
const dearmor = (t: string) => fromBase64(t.replace(BEGIN, '').replace(END, '').replace(/\s+/g, ''));

interface Layout {
  magic?: string;
  cipher?: string;
  kdf?: string;
  kdfOptions?: Uint8Array;
  count?: number;
  publicBlob?: Uint8Array;
  check?: [number, number];
  padding?: number[];
  body?: (w: SshWriter) => void;
  comment?: string;
}

/** Builds a file field by field so one field at a time can be made wrong. */
function build(key: PrivateKey, l: Layout = {}): string {
  const section = new SshWriter().uint32(l.check?.[0] ?? 7).uint32(l.check?.[1] ?? 7);
  if (l.body) l.body(section);
  else writePrivateKeyBody(section, key, l.comment);
  const padding = l.padding ?? Array.from({ length: (8 - (section.length % 8)) % 8 }, (_, i) => i + 1);
  for (const p of padding) section.byte(p);
  const file = new SshWriter()
    .raw(utf8(l.magic ?? 'openssh-key-v1\0'))
    .string(l.cipher ?? 'none')
    .string(l.kdf ?? 'none')
    .string(l.kdfOptions ?? new Uint8Array(0))
    .uint32(l.count ?? 1)
    .string(l.publicBlob ?? key.publicKey.blob)
    .string(section.bytes());
  return armor(file.bytes());
}

function expectCode(text: string, code: string, message?: RegExp) {
  if (code === 'none') {
    expect(parseOpenSshPrivateKey(text).comment).toBe('');
    return;
  }
  let err: unknown;
  try {
    parseOpenSshPrivateKey(text);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(KeyFileError);
  expect((err as KeyFileError).code).toBe(code);
  if (message) expect((err as KeyFileError).message).toMatch(message);
}

let keys: Record<string, PrivateKey>;
beforeAll(() => {
  keys = Object.fromEntries(
    KEY_TYPES.map((t) => [t, generateKey(nodeCrypto!, t, { bits: 2048, comment: `c-${t}` })]),
  );
});

describe('openssh-key-v1 layout', () => {
  it('our field-by-field builder makes a file the parser accepts (so the cases below differ in one field)', () => {
    for (const key of Object.values(keys)) {
      const parsed = parseOpenSshPrivateKey(build(key));
      expect(parsed.publicKey.blob).toEqual(key.publicKey.blob);
      expect(parsed.comment).toBe(key.comment);
    }
  });

  it('writes 70-column base64 lines and padding 1, 2, 3, … to a multiple of 8', () => {
    const text = formatOpenSshPrivateKey(keys['ssh-rsa']);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe(BEGIN);
    expect(lines.at(-1)).toBe(END);
    expect(lines.slice(1, -2).every((l) => l.length === 70)).toBe(true);
  });

  it('round-trips the comment, including UTF-8', () => {
    const key = keys['ssh-ed25519'];
    const text = formatOpenSshPrivateKey(key, { comment: 'zoë@例え' });
    expect(parseOpenSshPrivateKey(text).comment).toBe('zoë@例え');
  });

  const ed = () => keys['ssh-ed25519'];
  it.each<[string, () => string, string, RegExp]>([
    ['checkints differ', () => build(ed(), { check: [1, 2] }), 'malformed', /checkints differ/],
    // With an empty comment the ed25519 section is 8 + 123 bytes, so the right padding is 1..5.
    [
      'the control case: padding 1..5',
      () => build(ed(), { comment: '', padding: [1, 2, 3, 4, 5] }),
      'none',
      /./,
    ],
    [
      'padding bytes wrong',
      () => build(ed(), { comment: '', padding: [1, 2, 4, 4, 5] }),
      'malformed',
      /padding bytes/,
    ],
    [
      'padding a whole block more',
      () => build(ed(), { comment: '', padding: [...Array(13).keys()].map((i) => i + 1) }),
      'malformed',
      /too much padding/,
    ],
    [
      'section not a block multiple',
      () => build(ed(), { comment: '', padding: [1, 2, 3, 4] }),
      'malformed',
      /multiple of the block size/,
    ],
    [
      'public key of another key',
      () => build(ed(), { publicBlob: keys['ecdsa-sha2-nistp256'].publicKey.blob }),
      'malformed',
      /does not match/,
    ],
    ['two keys', () => build(ed(), { count: 2 }), 'unsupported', /2 keys/],
    ['KDF named while unencrypted', () => build(ed(), { kdf: 'bcrypt' }), 'malformed', /KDF/],
    ['bad magic', () => build(ed(), { magic: 'openssh-key-v2\0' }), 'unknown-format', /magic/],
    [
      'unknown key type inside',
      () => build(ed(), { body: (w) => w.string('ssh-dss') }),
      'malformed',
      /unknown key type/,
    ],
    ['bad base64', () => `${BEGIN}\nAAAA*AAA\n${END}\n`, 'malformed', /base64/],
    ['no END line', () => `${BEGIN}\nAAAA\n`, 'malformed', /no END line/],
    ['not a key', () => 'hello', 'unknown-format', /no BEGIN line/],
  ])('%s', (_, text, code, message) => {
    expectCode(text(), code, message);
  });

  it('refuses inconsistent private fields (ed25519 seed ‖ pub disagrees; RSA p·q ≠ n)', () => {
    const edKey = keys['ssh-ed25519'];
    const badEd = build(edKey, {
      body: (w) => {
        const pub = edKey.publicKey.type === 'ssh-ed25519' ? edKey.publicKey.publicKey : new Uint8Array();
        w.string('ssh-ed25519').string(pub).string(new Uint8Array(64)).string('');
      },
    });
    expectCode(badEd, 'malformed', /disagree/);
    const rsa = keys['ssh-rsa'];
    if (rsa.type !== 'ssh-rsa') throw new Error('fixture');
    const { n, e, d, qi, p, q } = rsa.rsa;
    const badRsa = build(rsa, {
      body: (w) =>
        w
          .string('ssh-rsa')
          .mpint(n)
          .mpint(e)
          .mpint(d)
          .mpint(qi)
          .mpint(p)
          .mpint(q + 2n)
          .string(''),
    });
    expectCode(badRsa, 'malformed', /p·q/);
  });

  it('every truncation and every byte flip of each key type fails only with KeyFileError', () => {
    for (const key of Object.values(keys)) {
      const bytes = dearmor(formatOpenSshPrivateKey(key));
      const step = key.type === 'ssh-rsa' ? 7 : 1; // RSA files are long; a stride keeps the run short
      for (let n = 0; n < bytes.length; n += step) {
        expect(() => parseOpenSshPrivateKey(armor(bytes.subarray(0, n)))).toThrow(KeyFileError);
      }
      for (let i = 0; i < bytes.length; i += step) {
        const m = bytes.slice();
        m[i] ^= 0x41;
        try {
          parseOpenSshPrivateKey(armor(m));
        } catch (e) {
          expect(e).toBeInstanceOf(KeyFileError);
        }
      }
    }
  });
});
