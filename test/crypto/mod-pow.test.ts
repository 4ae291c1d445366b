import { checkPrimeSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToBigInt } from '../../src/crypto/bytes.js';
import { createNodeBackend, cryptoBackends } from '../../src/crypto/index.js';
import { modPowBigInt } from '../../src/crypto/mod-pow.js';
import { seededRandom } from '../../src/crypto/random.js';
import { UsageError } from '../../src/errors.js';

// RFC 3526 §3, the 2048-bit MODP group (SSH diffie-hellman-group14, RFC 8268), generator 2.
const MODP_2048 = BigInt(
  '0x' +
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AACAA68FFFFFFFFFFFFFFFF',
);

const rand = (seed: string, bytes: number): bigint => bytesToBigInt(seededRandom(seed)(bytes));

describe.each(cryptoBackends)('$name backend: modPow', (c) => {
  it('small known values', () => {
    expect(c.modPow(4n, 13n, 497n)).toBe(445n);
    expect(c.modPow(2n, 10n, 1000n)).toBe(24n);
    expect(c.modPow(3n, 0n, 7n)).toBe(1n);
    expect(c.modPow(0n, 5n, 7n)).toBe(0n);
    expect(c.modPow(5n, 3n, 1n)).toBe(0n);
    expect(c.modPow(-2n, 3n, 7n)).toBe(6n); // (-8) mod 7
    expect(c.modPow(65537n, 65537n, 2n ** 61n - 1n)).toBe(modPowBigInt(65537n, 65537n, 2n ** 61n - 1n));
  });

  it('RFC 3526 group 14: Fermat g^(p-1) = 1 and (g^a)^b = (g^b)^a', () => {
    expect(checkPrimeSync(MODP_2048)).toBe(true); // guards the transcription above
    const p = MODP_2048;
    expect(c.modPow(2n, p - 1n, p)).toBe(1n);
    for (const size of [32, 256]) {
      const a = rand(`a${size}`, size);
      const b = rand(`b${size}`, size);
      const ga = c.modPow(2n, a, p);
      const gb = c.modPow(2n, b, p);
      expect(ga).not.toBe(gb);
      expect(c.modPow(ga, b, p)).toBe(c.modPow(gb, a, p));
    }
  });

  it('agrees with the other backend on edge bases and big exponents', () => {
    const p = MODP_2048;
    const x = rand('x', 256);
    for (const base of [0n, 1n, p - 1n, p, p + 2n, -3n, rand('base', 300)]) {
      for (const other of cryptoBackends) expect(other.modPow(base, x, p)).toBe(c.modPow(base, x, p));
    }
  });

  it('an 8192-bit modulus with a full-size exponent finishes and agrees with the other backend', () => {
    const m = rand('m8192', 1024) | 1n | (1n << 8191n);
    const base = rand('base8192', 1024) % m;
    const exponent = rand('e8192', 1024);
    const started = performance.now();
    const r = c.modPow(base, exponent, m);
    expect(performance.now() - started).toBeLessThan(10_000);
    for (const other of cryptoBackends.filter((b) => b !== c))
      expect(other.modPow(base, exponent, m)).toBe(r);
  });

  it('refuses a non-positive modulus or a negative exponent', () => {
    expect(() => c.modPow(2n, 3n, 0n)).toThrow(UsageError);
    expect(() => c.modPow(2n, -1n, 7n)).toThrow(UsageError);
  });
});

describe('node backend modPow and OpenSSL prime checks', () => {
  // createDiffieHellman(p) runs OpenSSL's DH_check (a primality test costing ~1.5 s at 3072 bits) unless p
  // is a named group; group-exchange primes come from the server's moduli file, so they must not go there.
  it('uses OpenSSL only for the named groups', async () => {
    const nc = await import('node:crypto');
    const calls: number[] = [];
    const spy = new Proxy(nc, {
      get(target, prop, receiver) {
        if (prop === 'createDiffieHellman') {
          return (...args: Parameters<typeof nc.createDiffieHellman>) => {
            calls.push(1);
            return (nc.createDiffieHellman as (...a: unknown[]) => unknown)(...args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const backend = createNodeBackend(spy as typeof nc);
    const named = BigInt(`0x${nc.getDiffieHellman('modp14').getPrime('hex')}`);
    const x = 0x1234567890abcdefn;
    const viaNamed = backend.modPow(2n, x, named);
    expect(calls.length).toBe(1);
    // A different odd modulus of the same size (not a named group): bigint path, no OpenSSL object.
    const other = named - 2n;
    const viaOther = backend.modPow(2n, x, other);
    expect(calls.length).toBe(1);
    expect(viaNamed).toBe(modPowBigInt(2n, x, named));
    expect(viaOther).toBe(modPowBigInt(2n, x, other));
  });
});
