/**
 * OpenSSH host-key rotation (PROTOCOL §2.5, hostkeys-00 / hostkeys-prove-00) and no-more-sessions (§2.2) over
 * the in-memory pair.
 */
import { firstValueFrom, type Observable, share, switchMap, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { acceptSessions } from '../../operators/index.js';
import {
  encodeGlobalRequestPayload,
  encodeHostkeysProveReply,
} from '../../src/channel/global-request-payloads.js';
import type { Connection } from '../../src/connection/connection.js';
import { hostKeyProofData } from '../../src/connection/host-keys-proof.js';
import { defaultCrypto } from '../../src/crypto/index.js';
import { seededRandom } from '../../src/crypto/random.js';
import { generateKey } from '../../src/keys/generate-key.js';
import type { KeyType } from '../../src/keys/key-types.js';
import { parseSignature } from '../../src/keys/signature.js';
import { connectedPair } from '../../src/testing/index.js';

const crypto = defaultCrypto();
const key = (type: KeyType, seed: string) =>
  generateKey(crypto, type, { random: seededRandom(seed), bits: 2048 });
const ed = key('ssh-ed25519', 'ed');
const ecdsa = key('ecdsa-sha2-nistp256', 'ecdsa');
const rsa = key('ssh-rsa', 'rsa');
const blobs = (keys: readonly { blob: Uint8Array }[]) => keys.map((k) => Buffer.from(k.blob).toString('hex'));
/** The first value, kept subscribed: unsubscribing from connect() or session() would close it. */
const live = <T>(source$: Observable<T>) => new Promise<T>((resolve) => source$.subscribe(resolve));
const hex = (...keys: { publicKey: { blob: Uint8Array } }[]) => blobs(keys.map((k) => k.publicKey));

describe('hostkeys-00 / hostkeys-prove-00 (OpenSSH PROTOCOL §2.5)', () => {
  it('the client proves the keys it did not know and reports all announced keys', async () => {
    const { client$, server$ } = connectedPair({ server: { hostKeys: [ed, ecdsa, rsa] } });
    server$.subscribe();
    const update = await firstValueFrom(client$.pipe(switchMap((c) => c.hostKeys$)));
    expect(blobs(update.keys)).toEqual(hex(ed, ecdsa, rsa));
    expect(blobs(update.proven)).toEqual(hex(ecdsa, rsa));
  });

  it('RSA proofs use the RSA algorithm of the key exchange when RSA was negotiated', async () => {
    const { client$, server$ } = connectedPair({
      server: { hostKeys: [rsa, ed] },
      client: { algorithms: { hostKey: ['rsa-sha2-256'] }, verifyHostKey: () => true },
    });
    server$.subscribe();
    const conn = await live(client$);
    const reply = await firstValueFrom(
      conn.globalRequest(
        'hostkeys-prove-00@openssh.com',
        encodeGlobalRequestPayload({ type: 'hostkeys-prove-00@openssh.com', hostKeys: [rsa.publicKey.blob] }),
      ),
    );
    expect(reply.ok).toBe(true);
    // one string (the signature blob) whose algorithm is rsa-sha2-256
    const sig = reply.data.subarray(4);
    expect(parseSignature(sig).algorithm).toBe('rsa-sha2-256');
    const update = await firstValueFrom(conn.hostKeys$);
    expect(blobs(update.proven)).toEqual(hex(ed));
  });

  it('the server refuses to prove a key it does not hold', async () => {
    const { client$, server$ } = connectedPair({ server: { hostKeys: [ed] } });
    server$.subscribe();
    const reply = await firstValueFrom(
      client$.pipe(
        switchMap((c) =>
          c.globalRequest(
            'hostkeys-prove-00@openssh.com',
            encodeGlobalRequestPayload({
              type: 'hostkeys-prove-00@openssh.com',
              hostKeys: [ed.publicKey.blob, ecdsa.publicKey.blob],
            }),
          ),
        ),
      ),
    );
    expect(reply.ok).toBe(false);
  });

  it('announceHostKeys: false sends nothing', async () => {
    const { client$, server$ } = connectedPair({
      server: { hostKeys: [ed, ecdsa], announceHostKeys: false },
    });
    const server = server$.pipe(share());
    server.subscribe();
    const conn = await live(client$);
    const seen: unknown[] = [];
    conn.hostKeys$.subscribe((u) => seen.push(u));
    await firstValueFrom(timer(50));
    expect(seen).toEqual([]);
  });

  it('keys the application already knows need no proof', async () => {
    const { client$, server$ } = connectedPair({
      server: { hostKeys: [ed, ecdsa] },
      client: { isKnownHostKey: (k) => k.type === 'ecdsa-sha2-nistp256' },
    });
    let proveRequests = 0;
    server$.subscribe((s) =>
      s.globalRequests$.subscribe((r) => {
        if (r.name === 'hostkeys-prove-00@openssh.com') proveRequests++;
      }),
    );
    const update = await firstValueFrom(client$.pipe(switchMap((c) => c.hostKeys$)));
    expect(blobs(update.keys)).toEqual(hex(ed, ecdsa));
    expect(update.proven).toEqual([]);
    expect(proveRequests).toBe(0);
  });

  it('never reports a key whose proof does not verify', async () => {
    // A server that announces a key and "proves" it with a signature over the wrong data.
    const { client$, server$ } = connectedPair({ server: { hostKeys: [ed], announceHostKeys: false } });
    server$.subscribe((s: Connection) => {
      s.globalRequests$.subscribe((r) => {
        if (r.name !== 'hostkeys-prove-00@openssh.com') return;
        const wrong = hostKeyProofData(new Uint8Array(32), ecdsa.publicKey.blob); // not our session id
        r.reply(true, encodeHostkeysProveReply([ecdsa.sign(crypto, wrong)]));
      });
      s.sendGlobalRequest(
        'hostkeys-00@openssh.com',
        encodeGlobalRequestPayload({
          type: 'hostkeys-00@openssh.com',
          hostKeys: [ed.publicKey.blob, ecdsa.publicKey.blob],
        }),
      );
    });
    const conn = await live(client$);
    const seen: unknown[] = [];
    conn.hostKeys$.subscribe((u) => seen.push(u));
    await firstValueFrom(timer(50));
    expect(seen).toEqual([]);
  });

  // A server that announces [kex key, rsa] and proves rsa with `algorithm` (sshd signs with ssh-rsa after a
  // non-RSA key exchange: serverloop.c, server_input_hostkeys_prove).
  const rsaProvedWith = async (
    kexKey: typeof ed,
    algorithm: 'ssh-rsa' | 'rsa-sha2-512',
    clientHostKey: string,
  ) => {
    const { client$, server$ } = connectedPair({
      server: { hostKeys: [kexKey], announceHostKeys: false },
      client: { algorithms: { hostKey: [clientHostKey] }, verifyHostKey: () => true },
    });
    server$.subscribe((s: Connection) => {
      s.globalRequests$.subscribe((r) => {
        if (r.name !== 'hostkeys-prove-00@openssh.com') return;
        const data = hostKeyProofData(s.sessionId, rsa.publicKey.blob);
        r.reply(true, encodeHostkeysProveReply([rsa.sign(crypto, data, algorithm)]));
      });
      s.sendGlobalRequest(
        'hostkeys-00@openssh.com',
        encodeGlobalRequestPayload({
          type: 'hostkeys-00@openssh.com',
          hostKeys: [kexKey.publicKey.blob, rsa.publicKey.blob],
        }),
      );
    });
    const conn = await live(client$);
    const seen: { proven: readonly { blob: Uint8Array }[] }[] = [];
    conn.hostKeys$.subscribe((u) => seen.push(u));
    await firstValueFrom(timer(50));
    return seen.map((u) => blobs(u.proven));
  };

  it('accepts a SHA-1 ssh-rsa proof after a non-RSA key exchange, as sshd sends it', async () => {
    expect(await rsaProvedWith(ed, 'ssh-rsa', 'ssh-ed25519')).toEqual([hex(rsa)]);
  });

  it("after an RSA key exchange, only that exchange's RSA algorithm proves a key", async () => {
    const rsa2 = key('ssh-rsa', 'rsa2');
    expect(await rsaProvedWith(rsa2, 'rsa-sha2-512', 'rsa-sha2-256')).toEqual([]);
    expect(await rsaProvedWith(rsa2, 'rsa-sha2-512', 'rsa-sha2-512')).toEqual([hex(rsa)]);
  });

  it('the proof is a signature over string name ‖ string session id ‖ string blob', async () => {
    const { client$, server$ } = connectedPair({ server: { hostKeys: [ed] } });
    server$.subscribe();
    const conn = await live(client$);
    const reply = await firstValueFrom(
      conn.globalRequest(
        'hostkeys-prove-00@openssh.com',
        encodeGlobalRequestPayload({ type: 'hostkeys-prove-00@openssh.com', hostKeys: [ed.publicKey.blob] }),
      ),
    );
    // Ed25519 is deterministic (RFC 8032), so the same key over the same data gives the same bytes.
    const expected = ed.sign(crypto, hostKeyProofData(conn.sessionId, ed.publicKey.blob));
    expect(Buffer.from(reply.data.subarray(4)).equals(Buffer.from(expected))).toBe(true);
  });
});

describe('no-more-sessions@openssh.com (OpenSSH PROTOCOL §2.2)', () => {
  it('after it, the server refuses session opens with ADMINISTRATIVELY_PROHIBITED', async () => {
    const { client$, server$ } = connectedPair();
    server$.pipe(acceptSessions()).subscribe(({ channel }) => channel.subscribe());
    const conn = await live(client$);
    const first = await firstValueFrom(conn.session());
    expect(first).toBeDefined();
    // Sent raw: conn.noMoreSessions() would refuse the next session itself, before the server sees it.
    conn.sendGlobalRequest('no-more-sessions@openssh.com');
    await expect(firstValueFrom(conn.session())).rejects.toMatchObject({
      name: 'ChannelOpenError',
      openReason: 1,
      description: 'no more sessions',
    });
  });

  it('sessions before it stay open and usable', async () => {
    const { client$, server$ } = connectedPair();
    const received: string[] = [];
    server$.pipe(acceptSessions()).subscribe(({ channel }) =>
      channel.subscribe((m) => {
        if (m.type === 'data') received.push(Buffer.from(m.data).toString());
      }),
    );
    const conn = await live(client$);
    const ch = await live(conn.session());
    conn.noMoreSessions();
    ch.next('still here');
    await firstValueFrom(timer(50));
    expect(received).toEqual(['still here']);
  });
});
