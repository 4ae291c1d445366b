/**
 * Blowfish (Schneier, "Description of a New Variable-Length Key, 64-Bit Block Cipher", FSE 1993) as
 * bcrypt uses it: the initial state, the keyed and salted key schedules of Provos & Mazières ("A
 * Future-Adaptable Password Scheme", USENIX 1999, "EksBlowfishSetup"), and ECB encryption of words.
 * Only bcrypt_pbkdf uses it, to unlock encrypted key files; it is never a transport cipher here.
 */

const ROUNDS = 16;
const P_WORDS = ROUNDS + 2; // 18
const S_WORDS = 4 * 256;

let initialState: Uint32Array | undefined;

/**
 * Blowfish's initial P-array and S-boxes are the fractional hex digits of π, in order (Schneier §3):
 * 18 + 1024 words = 33 344 bits. They are computed once with Machin's formula
 * π = 16·atan(1/5) − 4·atan(1/239) in fixed point, so no 4 KiB table has to be carried in the source.
 */
function piWords(): Uint32Array {
  if (initialState) return initialState;
  const words = P_WORDS + S_WORDS;
  const bits = BigInt(words * 32 + 64); // 64 guard bits absorb the truncation error of the series
  const one = 1n << bits;
  const atanInv = (x: bigint): bigint => {
    const x2 = x * x;
    let term = one / x;
    let sum = term;
    for (let k = 1n; term !== 0n; k++) {
      term /= x2;
      sum += (k & 1n ? -term : term) / (2n * k + 1n);
    }
    return sum;
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
  let frac = (pi - 3n * one) >> 64n; // drop the integer part 3 and the guard bits
  const out = new Uint32Array(words);
  for (let i = words - 1; i >= 0; i--) {
    out[i] = Number(frac & 0xffffffffn);
    frac >>= 32n;
  }
  initialState = out;
  return out;
}

/** Reads 4 bytes big-endian from `data`, wrapping around its end (bcrypt's "stream2word"). */
class WordStream {
  private j = 0;
  constructor(private readonly data: Uint8Array) {}
  next(): number {
    let w = 0;
    for (let i = 0; i < 4; i++) {
      if (this.j >= this.data.length) this.j = 0;
      w = ((w << 8) | this.data[this.j++]) >>> 0;
    }
    return w;
  }
}

export class Blowfish {
  readonly p: Uint32Array;
  readonly s: Uint32Array;
  /** Encipher output, kept in fields to avoid allocating per block. */
  private l = 0;
  private r = 0;

  constructor() {
    const init = piWords();
    this.p = init.slice(0, P_WORDS);
    this.s = init.slice(P_WORDS);
  }

  private f(x: number): number {
    const s = this.s;
    return (
      (((s[x >>> 24] + s[0x100 | ((x >>> 16) & 0xff)]) ^ s[0x200 | ((x >>> 8) & 0xff)]) +
        s[0x300 | (x & 0xff)]) >>>
      0
    );
  }

  /** One 64-bit block (l, r) through the 16-round Feistel network; result in this.l / this.r. */
  private encipher(l: number, r: number): void {
    const p = this.p;
    l = (l ^ p[0]) >>> 0;
    for (let i = 1; i <= ROUNDS; i += 2) {
      r = (r ^ this.f(l) ^ p[i]) >>> 0;
      l = (l ^ this.f(r) ^ p[i + 1]) >>> 0;
    }
    this.l = (r ^ p[P_WORDS - 1]) >>> 0;
    this.r = l;
  }

  /**
   * The salted key schedule (EksBlowfishSetup's ExpandKey(state, salt, key)): XOR the key into P, then
   * re-encrypt a running block, XORed with successive salt words, into P and the S-boxes in order.
   * With `salt` undefined this is the unsalted ExpandKey(state, 0, key) ("expand0state").
   */
  expand(key: Uint8Array, salt?: Uint8Array): void {
    const k = new WordStream(key);
    for (let i = 0; i < P_WORDS; i++) this.p[i] ^= k.next();
    const d = salt ? new WordStream(salt) : undefined;
    let l = 0;
    let r = 0;
    const fill = (table: Uint32Array) => {
      for (let i = 0; i < table.length; i += 2) {
        if (d) {
          l ^= d.next();
          r ^= d.next();
        }
        this.encipher(l >>> 0, r >>> 0);
        l = this.l;
        r = this.r;
        table[i] = l;
        table[i + 1] = r;
      }
    };
    fill(this.p);
    fill(this.s);
  }

  /** ECB-encrypts consecutive word pairs in place. */
  encryptWords(words: Uint32Array): void {
    for (let i = 0; i < words.length; i += 2) {
      this.encipher(words[i], words[i + 1]);
      words[i] = this.l;
      words[i + 1] = this.r;
    }
  }
}
