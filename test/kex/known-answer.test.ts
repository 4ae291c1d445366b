/**
 * Exchanges with fixed private keys, checked against values computed without the code under test: K from
 * published vectors (RFC 7748 §6.1 X25519, RFC 5903 §8.1 P-256 ECDH) or from node:crypto's own DH, and H
 * re-assembled here byte by byte from the RFC layouts and hashed with node:crypto createHash.
 */
import { createDiffieHellman, createHash } from 'node:crypto';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { bytesToBigInt, concatBytes, fromHex, toHex } from '../../src/crypto/bytes.js';
import type { RandomSource } from '../../src/crypto/index.js';
import { MODP_2048, MODP_3072 } from '../../src/kex/dh-groups.js';
import { encodeDhInit, encodeGexRequestOld, KexMessage } from '../../src/kex/messages.js';
import { KEX_METHODS } from '../../src/kex/registry.js';
import type { KexMethod, KexResult } from '../../src/kex/types.js';
import { SshReader } from '../../src/wire/reader.js';
import { BACKENDS, context, fakeHostKey } from './helpers.js';

/** A random source that hands out exactly these chunks, in order, and fails on any other request. */
function scripted(...chunks: Uint8Array[]): RandomSource {
  return (n) => {
    const next = chunks.shift();
    if (next === undefined || next.length !== n) throw new Error(`unexpected random(${n})`);
    return next.slice();
  };
}

// Independent RFC 4251 §5 encoders (deliberately not SshWriter).
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
const str = (b: Uint8Array) => concatBytes(u32(b.length), b);
function mpint(v: bigint): Uint8Array {
  if (v === 0n) return u32(0);
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return str(fromHex(hex));
}
const nodeHash = (alg: string, ...parts: Uint8Array[]) =>
  new Uint8Array(
    createHash(alg)
      .update(concatBytes(...parts))
      .digest(),
  );
const big = (hex: string) => BigInt(`0x${hex}`);

function prefixFor(ctxBytes: ReturnType<typeof context>): Uint8Array {
  return concatBytes(
    str(ctxBytes.clientVersion),
    str(ctxBytes.serverVersion),
    str(ctxBytes.clientKexInit),
    str(ctxBytes.serverKexInit),
    str(fakeHostKey.blob),
  );
}

function run(
  method: KexMethod,
  crypto: (typeof BACKENDS)[number][1],
  clientRandom: RandomSource,
  serverRandom: RandomSource,
) {
  const client = method.client(context(crypto, clientRandom));
  const server = method.server(context(crypto, serverRandom), fakeHostKey);
  const [init] = client.start();
  const { send, result: serverResult } = server.receive(init);
  const { result: clientResult } = client.receive(send[0]);
  return { init, reply: send[0], client: clientResult as KexResult, server: serverResult as KexResult };
}

// RFC 7748 §6.1
const ALICE = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const ALICE_PUB = fromHex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
const BOB = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
const BOB_PUB = fromHex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
const X25519_K = fromHex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');

describe.each(BACKENDS)('%s backend', (_label, crypto) => {
  const prefix = prefixFor(context(crypto, scripted()));

  it('curve25519-sha256 with the RFC 7748 §6.1 keys: K = mpint of the shared output, H per RFC 8731 §3', () => {
    const r = run(KEX_METHODS['curve25519-sha256'], crypto, scripted(ALICE), scripted(BOB));
    expect(toHex(r.init)).toBe(toHex(concatBytes(Uint8Array.of(30), str(ALICE_PUB))));
    const k = mpint(bytesToBigInt(X25519_K));
    expect(toHex(r.client.sharedSecret)).toBe(toHex(k));
    const h = nodeHash('sha256', prefix, str(ALICE_PUB), str(BOB_PUB), k);
    expect(toHex(r.client.exchangeHash)).toBe(toHex(h));
    expect(toHex(r.server.exchangeHash)).toBe(toHex(h));
  });

  it('ecdh-sha2-nistp256 with the RFC 5903 §8.1 keys: K = mpint of the x-coordinate, H per RFC 5656 §4', () => {
    const i = big('c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433');
    const r_ = big('c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53');
    // randomScalar draws size+8 bytes and maps them to (v mod (n-1)) + 1, so v = d - 1 yields d.
    const raw = (d: bigint) => fromHex((d - 1n).toString(16).padStart(80, '0'));
    const r = run(KEX_METHODS['ecdh-sha2-nistp256'], crypto, scripted(raw(i)), scripted(raw(r_)));
    const gi = fromHex(
      '04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c37725811805271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3',
    );
    const gr = fromHex(
      '04d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf6356fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab',
    );
    const k = mpint(big('d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de'));
    expect(toHex(r.init)).toBe(toHex(concatBytes(Uint8Array.of(30), str(gi))));
    expect(toHex(r.client.sharedSecret)).toBe(toHex(k));
    expect(toHex(r.client.exchangeHash)).toBe(toHex(nodeHash('sha256', prefix, str(gi), str(gr), k)));
  });

  it('mlkem768x25519-sha256: C_INIT = pk ‖ X25519, S_REPLY = ct ‖ X25519, K = string(SHA-256(K_PQ ‖ K_CL))', () => {
    const seed = new Uint8Array(64).map((_, j) => j);
    const msg = new Uint8Array(32).fill(0x42);
    const r = run(KEX_METHODS['mlkem768x25519-sha256'], crypto, scripted(seed, ALICE), scripted(BOB, msg));
    // Reference values straight from the ML-KEM library and the RFC 7748 vector.
    const { publicKey } = ml_kem768.keygen(seed);
    const { cipherText, sharedSecret: kpq } = ml_kem768.encapsulate(publicKey, msg);
    const cInit = concatBytes(publicKey, ALICE_PUB);
    const sReply = concatBytes(cipherText, BOB_PUB);
    expect(cInit).toHaveLength(1216);
    expect(sReply).toHaveLength(1120);
    expect(toHex(r.init)).toBe(toHex(concatBytes(Uint8Array.of(30), str(cInit))));
    const reply = new SshReader(r.reply);
    expect(reply.byte()).toBe(31);
    expect(toHex(reply.string())).toBe(toHex(fakeHostKey.blob));
    expect(toHex(reply.string())).toBe(toHex(sReply));
    const k = str(nodeHash('sha256', kpq, X25519_K));
    expect(toHex(r.client.sharedSecret)).toBe(toHex(k));
    expect(toHex(r.server.sharedSecret)).toBe(toHex(k));
    expect(toHex(r.client.exchangeHash)).toBe(toHex(nodeHash('sha256', prefix, str(cInit), str(sReply), k)));
  });

  it('diffie-hellman-group14-sha256: e, f, K from node:crypto DH with the same exponents; H per RFC 4253 §8', () => {
    // 320-bit exponents (RFC 3526 §8), top bit set as generateDhKeyPair sets it.
    const xc = new Uint8Array(40).fill(0xa5);
    const xs = new Uint8Array(40).fill(0x96);
    const r = run(KEX_METHODS['diffie-hellman-group14-sha256'], crypto, scripted(xc), scripted(xs));
    const p = Buffer.from(MODP_2048.p.toString(16), 'hex');
    const dhC = createDiffieHellman(p, Buffer.from([2]));
    dhC.setPrivateKey(Buffer.from(xc));
    const dhS = createDiffieHellman(p, Buffer.from([2]));
    dhS.setPrivateKey(Buffer.from(xs));
    dhC.generateKeys();
    dhS.generateKeys();
    const e = bytesToBigInt(dhC.getPublicKey());
    const f = bytesToBigInt(dhS.getPublicKey());
    const k = mpint(bytesToBigInt(dhC.computeSecret(dhS.getPublicKey())));
    expect(toHex(r.init)).toBe(toHex(encodeDhInit(e)));
    expect(toHex(r.client.sharedSecret)).toBe(toHex(k));
    expect(toHex(r.client.exchangeHash)).toBe(toHex(nodeHash('sha256', prefix, mpint(e), mpint(f), k)));
  });

  describe('diffie-hellman-group-exchange-sha256', () => {
    const method = KEX_METHODS['diffie-hellman-group-exchange-sha256'];
    // The default request is 2048/3072/8192, so the server picks the 3072-bit group: 420-bit exponents.
    const xs = new Uint8Array(53).fill(0x0c);
    const p = MODP_3072.p;
    const dh = (x: Uint8Array) => {
      const d = createDiffieHellman(Buffer.from(p.toString(16), 'hex'), Buffer.from([2]));
      d.setPrivateKey(Buffer.from(x));
      d.generateKeys();
      return d;
    };

    it('H covers min ‖ n ‖ max ‖ p ‖ g ‖ e ‖ f ‖ K (RFC 4419 §3)', () => {
      const xc = new Uint8Array(53).fill(0x0b);
      const client = method.client(context(crypto, scripted(xc)));
      const server = method.server(context(crypto, scripted(xs)), fakeHostKey);
      const [request] = client.start();
      expect(toHex(request)).toBe('220000080000000c0000002000');
      const group = server.receive(request).send[0];
      expect(toHex(group)).toBe(toHex(concatBytes(Uint8Array.of(31), mpint(p), mpint(2n))));
      const init = client.receive(group).send[0];
      const { send, result: serverResult } = server.receive(init);
      const clientResult = client.receive(send[0]).result as KexResult;
      const e = bytesToBigInt(dh(xc).getPublicKey());
      const f = bytesToBigInt(dh(xs).getPublicKey());
      const k = mpint(bytesToBigInt(dh(xc).computeSecret(dh(xs).getPublicKey())));
      expect(toHex(init)).toBe(toHex(encodeDhInit(e, KexMessage.KEX_DH_GEX_INIT)));
      const h = nodeHash(
        'sha256',
        prefix,
        u32(2048),
        u32(3072),
        u32(8192),
        mpint(p),
        mpint(2n),
        mpint(e),
        mpint(f),
        k,
      );
      expect(toHex(clientResult.exchangeHash)).toBe(toHex(h));
      expect(toHex(serverResult?.exchangeHash ?? new Uint8Array())).toBe(toHex(h));
      expect(toHex(clientResult.sharedSecret)).toBe(toHex(k));
    });

    it('answers KEX_DH_GEX_REQUEST_OLD, hashing only n in place of min ‖ n ‖ max', () => {
      const server = method.server(context(crypto, scripted(xs)), fakeHostKey);
      const group = server.receive(encodeGexRequestOld(3072)).send[0];
      expect(toHex(group)).toBe(toHex(concatBytes(Uint8Array.of(31), mpint(p), mpint(2n))));
      const x = 0xfeedfacecafebeefn;
      const e = crypto.modPow(2n, x, p);
      const { send, result } = server.receive(encodeDhInit(e, KexMessage.KEX_DH_GEX_INIT));
      const reply = new SshReader(send[0]);
      expect(reply.byte()).toBe(KexMessage.KEX_DH_GEX_REPLY);
      reply.string();
      const f = reply.mpint();
      const k = mpint(crypto.modPow(f, x, p));
      expect(f).toBe(bytesToBigInt(dh(xs).getPublicKey()));
      const h = nodeHash('sha256', prefix, u32(3072), mpint(p), mpint(2n), mpint(e), mpint(f), k);
      expect(toHex(result?.exchangeHash ?? new Uint8Array())).toBe(toHex(h));
      expect(toHex(reply.string())).toBe(toHex(fakeHostKey.sign(h)));
    });
  });
});
