/**
 * Reads facts out of OpenSSH client debug output (`ssh -v` / `-vvv` stderr). The patterns match
 * OpenSSH 9.2p1 (Debian 12), checked against real runs:
 *   debug1: kex: algorithm: sntrup761x25519-sha512
 *   debug1: kex: host key algorithm: ssh-ed25519
 *   debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none
 *   debug1: Server host key: ssh-ed25519 SHA256:...
 *   Authenticated to 127.0.0.1 ([127.0.0.1]:42561) using "publickey".
 * Strict kex (the Terrapin countermeasure, `kex-strict-*-v00@openssh.com`) shows as
 *   debug3: kex_choose_conf: will use strict KEX ordering              (-vvv only)
 *   debug1: ssh_packet_send2_wrapped: resetting send seqnr 3            (-v)
 *   debug1: ssh_packet_read_poll2: resetting read seqnr 3               (-v)
 */

export interface DirectionAlgorithms {
  cipher: string;
  /** `<implicit>` for AEAD ciphers. */
  mac: string;
  compression: string;
}

export interface NegotiatedAlgorithms {
  kex: string;
  hostKey: string;
  serverToClient: DirectionAlgorithms;
  clientToServer: DirectionAlgorithms;
}

const lastMatch = (text: string, pattern: RegExp): RegExpMatchArray | undefined => {
  const all = [...text.matchAll(new RegExp(pattern.source, 'gm'))];
  return all[all.length - 1];
};

function direction(text: string, dir: 'server->client' | 'client->server'): DirectionAlgorithms | undefined {
  const m = lastMatch(
    text,
    new RegExp(`^debug1: kex: ${dir} cipher: (\\S+) MAC: (\\S+) compression: (\\S+)`),
  );
  return m ? { cipher: m[1], mac: m[2], compression: m[3] } : undefined;
}

/**
 * The algorithms of the most recent key exchange in the log (a rekey logs them again), or undefined
 * when the log has no complete set (e.g. -v was not given, or the exchange failed).
 */
export function parseNegotiated(stderr: string): NegotiatedAlgorithms | undefined {
  const kex = lastMatch(stderr, /^debug1: kex: algorithm: (\S+)/)?.[1];
  const hostKey = lastMatch(stderr, /^debug1: kex: host key algorithm: (\S+)/)?.[1];
  const serverToClient = direction(stderr, 'server->client');
  const clientToServer = direction(stderr, 'client->server');
  if (!kex || !hostKey || !serverToClient || !clientToServer) return undefined;
  return { kex, hostKey, serverToClient, clientToServer };
}

/** How many key exchanges the client logged (1 for a plain session, more after rekeys). */
export function countKeyExchanges(stderr: string): number {
  return [...stderr.matchAll(/^debug1: kex: algorithm: /gm)].length;
}

/** The method from `Authenticated to HOST (ADDR) using "METHOD".`, or undefined if auth did not succeed. */
export function parseAuthenticatedMethod(stderr: string): string | undefined {
  return /^Authenticated to \S+ \(.*\) using "([^"]+)"\./m.exec(stderr)?.[1];
}

/** Server host key type and fingerprint from `debug1: Server host key: TYPE SHA256:...`. */
export function parseServerHostKey(stderr: string): { keyType: string; fingerprint: string } | undefined {
  const m = /^debug1: Server host key: (\S+) (\S+)/m.exec(stderr);
  return m ? { keyType: m[1], fingerprint: m[2] } : undefined;
}

/** The peer's software version from `debug1: Remote protocol version 2.0, remote software version X`. */
export function parseRemoteVersion(stderr: string): string | undefined {
  return /^debug1: Remote protocol version [\d.]+, remote software version (.+)$/m.exec(stderr)?.[1].trim();
}

export interface StrictKexEvidence {
  /** `will use strict KEX ordering` was logged (needs -vvv). */
  announced: boolean;
  /** Both sequence numbers were reset at NEWKEYS (visible from -v). */
  sequenceNumbersReset: boolean;
}

/** What the log shows about strict kex; `enabled` is true when either sign is present. */
export function parseStrictKex(stderr: string): StrictKexEvidence & { enabled: boolean } {
  const announced = /^debug3: kex_choose_conf: will use strict KEX ordering/m.test(stderr);
  const sequenceNumbersReset =
    /^debug1: \S+: resetting send seqnr \d+/m.test(stderr) &&
    /^debug1: \S+: resetting read seqnr \d+/m.test(stderr);
  return { announced, sequenceNumbersReset, enabled: announced || sequenceNumbersReset };
}
