/**
 * A command-line SSH server built on rxssh:
 *
 *   npx tsx examples/sshd.ts --listen 127.0.0.1:PORT [--host-key FILE]... [--authorized-keys FILE]
 *                            [--password USER:PASS]... [--auth-methods M1,M2] [--rekey-limit SIZE[ TIME]]
 *                            [--login-grace-time SECONDS] [--max-auth-tries N] [--banner TEXT]
 *                            [--allow-tcp-forwarding yes|no|local|remote] [--trusted-user-ca-keys FILE]
 *                            [--host-certificate FILE]... [--kex-algorithms LIST]
 *                            [--max-startups START:RATE:FULL] [-v]
 *
 * Without --host-key it makes an ephemeral ed25519 host key and prints its public line. Prints
 * "Server listening on ADDR port PORT." once ready, like sshd -D -e.
 *
 * Certificates (OpenSSH PROTOCOL.certkeys), as sshd_config(5) has them: --trusted-user-ca-keys is
 * TrustedUserCAKeys (CA public keys, one a line; a user certificate they signed logs in when it names the user
 * as a principal, and its force-command, permit-pty and permit-*-forwarding are obeyed); --host-certificate is
 * HostCertificate (each `*-cert.pub` presented with the --host-key it certifies).
 *
 * A session that asks for agent forwarding (ssh -A) gets SSH_AUTH_SOCK: a private socket relayed to the
 * client's agent, removed when the session ends. One that asks for X11 forwarding (ssh -X / -Y) gets DISPLAY
 * (localhost:N.S, a loopback listener from display 10 on, as sshd's X11UseLocalhost) and, with /usr/bin/xauth,
 * an XAUTHORITY file holding the client's cookie (examples/lib/sshd-x11.ts).
 *
 * Authenticated clients get sessions run as this server's own user: `exec` (as `/bin/sh -c COMMAND`), `shell`
 * (on a real pty after pty-req, through examples/lib/pty-helper.py; plain /bin/sh without one), `env`,
 * `window-change`, `signal`, and the `sftp` subsystem when /usr/lib/openssh/sftp-server exists. Local (-L)
 * and remote (-R) forwarding are allowed to and on loopback addresses only (--allow-tcp-forwarding, as in
 * sshd_config(5), turns them off). Unix-socket forwarding (OpenSSH streamlocal) is allowed both ways:
 * --allow-streamlocal-forwarding yes|no|local|remote and --streamlocal-bind-unlink yes|no are sshd's
 * AllowStreamLocalForwarding and StreamLocalBindUnlink (examples/lib/sshd-streamlocal.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sha256 } from '@noble/hashes/sha2.js';
import { of } from 'rxjs';
import {
  acceptSessions,
  agentForwarding,
  allowAuthorizedKeys,
  allowCertificate,
  allowDirectTcpip,
  allowPassword,
  allowRemoteForwarding,
  allowX11,
  passwordViaKeyboardInteractive,
  requireMethods,
} from '../operators/index.js';
import { equalBytes, utf8 } from '../src/crypto/bytes.js';
import {
  type AuthPolicy,
  acceptedUserCertificate,
  type Connection,
  DEFAULT_SERVER_KEX,
  defaultCrypto,
  editAlgorithmList,
  fingerprintSha256,
  formatPublicKeyLine,
  generateKey,
  listenTcp,
  type MaxStartups,
  parseAuthorizedKeys,
  parseCertificateLine,
  parsePrivateKeyFile,
  serve,
} from '../src/index.js';
import { parseRekeyLimit } from './lib/ssh-config.js';
import { closeAgentSockets, sessionAgentSocket } from './lib/sshd-agent-socket.js';
import { hangUpAll, serveSession } from './lib/sshd-session.js';
import { closeStreamlocalSockets, serveStreamlocal, streamlocalSettings } from './lib/sshd-streamlocal.js';
import { closeX11Files, sessionX11Env } from './lib/sshd-x11.js';

const { values } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:2222' },
    'host-key': { type: 'string', multiple: true, default: [] },
    'authorized-keys': { type: 'string', multiple: true, default: [] },
    password: { type: 'string', multiple: true, default: [] },
    'auth-methods': { type: 'string' },
    'rekey-limit': { type: 'string' },
    'login-grace-time': { type: 'string' },
    'max-auth-tries': { type: 'string' },
    'client-alive-interval': { type: 'string' },
    banner: { type: 'string' },
    'allow-tcp-forwarding': { type: 'string', default: 'yes' },
    'allow-streamlocal-forwarding': { type: 'string', default: 'yes' },
    'streamlocal-bind-unlink': { type: 'string', default: 'no' },
    'trusted-user-ca-keys': { type: 'string', multiple: true, default: [] },
    'host-certificate': { type: 'string', multiple: true, default: [] },
    'kex-algorithms': { type: 'string' },
    'max-startups': { type: 'string' },
    verbose: { type: 'boolean', short: 'v', default: false },
  },
  strict: true,
});

const log = (line: string) => process.stderr.write(`${line}\n`);
const debug = (line: string) => values.verbose && log(`debug1: ${line}`);

const crypto = defaultCrypto();
const hostKeys = values['host-key'].map((f) => parsePrivateKeyFile(readFileSync(f, 'utf8')));
if (hostKeys.length === 0) {
  const key = generateKey(crypto, 'ssh-ed25519', { comment: 'rxssh-ephemeral-host-key' });
  hostKeys.push(key);
  process.stdout.write(`Host key: ${formatPublicKeyLine(key.publicKey, key.comment)}\n`);
}
// HostCertificate: each certificate goes with the host key whose public half it certifies.
const hostCertificates = values['host-certificate'].map((f) => {
  const { certificate } = parseCertificateLine(readFileSync(f, 'utf8'));
  const key = hostKeys.find((k) => equalBytes(k.publicKey.blob, certificate.publicKey.blob));
  if (!key) throw new Error(`--host-certificate ${f}: no --host-key holds the key it certifies`);
  return { certificate: certificate.blob, key };
});

// Passwords are compared as SHA-256 digests in constant time, so timing says nothing about the secret.
const passwords = new Map(
  values.password.map((up) => {
    const i = up.indexOf(':');
    if (i < 1) throw new Error(`--password wants USER:PASS, got ${up}`);
    return [up.slice(0, i), sha256(utf8(up.slice(i + 1)))] as const;
  }),
);
const checkPassword = (user: string, pw: string) => {
  const want = passwords.get(user) ?? sha256(utf8(`no such user ${user}`));
  return equalBytes(sha256(utf8(pw)), want) && passwords.has(user);
};
const authorizedKeys = values['authorized-keys'].flatMap(
  (f) => parseAuthorizedKeys(readFileSync(f, 'utf8')).entries,
);

// TrustedUserCAKeys: one CA public key a line (comments and blank lines allowed).
const userCas = values['trusted-user-ca-keys'].flatMap((f) =>
  parseAuthorizedKeys(readFileSync(f, 'utf8')).entries.map((e) => e.key.blob),
);

const policy: AuthPolicy[] = [
  // Only certificate requests are its business; the principals default to the user name, as in sshd.
  allowCertificate({
    trustedCas: (ca) => userCas.some((b) => equalBytes(b, ca.blob)),
    onReject: (reason, r) => log(`Certificate for ${r.username} refused: ${reason}`),
  }),
  allowAuthorizedKeys(() => authorizedKeys.map((e) => e.key.blob)),
  allowPassword(checkPassword),
  passwordViaKeyboardInteractive(checkPassword),
];
const required = values['auth-methods']?.split(',');
if (required) policy.push(requireMethods(required));
const auth: AuthPolicy = (requests) => policy.reduce((steps, step) => step(steps), requests);

const methods = [
  ...(authorizedKeys.length || userCas.length || !passwords.size ? ['publickey'] : []),
  ...(passwords.size ? ['password', 'keyboard-interactive'] : []),
];

// Stopping the server hangs up on the programs its sessions started, then dies of the same signal.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    hangUpAll();
    closeAgentSockets();
    closeStreamlocalSockets();
    closeX11Files();
    process.kill(process.pid, signal);
  });
}

const forwarding = values['allow-tcp-forwarding'].toLowerCase();
if (!['yes', 'all', 'no', 'local', 'remote'].includes(forwarding))
  throw new Error(`--allow-tcp-forwarding wants yes, no, local or remote, got ${forwarding}`);
const streamlocal = streamlocalSettings(
  values['allow-streamlocal-forwarding'],
  values['streamlocal-bind-unlink'],
);

const [host, portText] = splitHostPort(values.listen);
const listening = { address: host, port: Number(portText) };
const incoming = listenTcp({ host, port: Number(portText) }, (addr) => {
  listening.address = addr.address;
  listening.port = addr.port;
  log(`Server listening on ${addr.address} port ${addr.port}.`);
});

serve(
  incoming,
  {
    hostKeys,
    hostCertificates,
    auth,
    authMethods: methods,
    banner: values.banner,
    crypto,
    rekey: values['rekey-limit'] ? parseRekeyLimit(values['rekey-limit']) : undefined,
    loginGraceTimeMs: values['login-grace-time'] ? Number(values['login-grace-time']) * 1000 : undefined,
    maxAuthTries: values['max-auth-tries'] ? Number(values['max-auth-tries']) : undefined,
    keepaliveIntervalMs: values['client-alive-interval'] ? Number(values['client-alive-interval']) * 1000 : 0,
    // KexAlgorithms as in sshd_config(5): a list, or +/-/^ edits of the server default.
    ...(values['kex-algorithms'] && {
      algorithms: { kex: editAlgorithmList(DEFAULT_SERVER_KEX, values['kex-algorithms']) },
    }),
    ...(values['max-startups'] && { maxStartups: parseMaxStartups(values['max-startups']) }),
  },
  (err, io) =>
    log(`Connection from ${io.remote?.address} port ${io.remote?.port} ended: ${(err as Error).message}`),
).subscribe((conn) => {
  const a = conn.algorithms;
  const grant = acceptedUserCertificate(conn)?.certificate;
  // sshd's wording for a certificate login: key type and fingerprint, key id, serial and CA.
  const how = grant
    ? `: ${grant.type} ${fingerprintSha256(grant.publicKey)} ID ${grant.keyId} (serial ${grant.serial}) CA ${grant.signatureKey.type} ${fingerprintSha256(grant.signatureKey)}`
    : '';
  log(
    `Accepted ${conn.authMethod} for ${conn.username} from ${conn.remote?.address} port ${conn.remote?.port} ssh2${how}`,
  );
  debug(
    `kex: ${a.kex} host key ${a.hostKey} ciphers ${a.cipherCS}/${a.cipherSC} macs ${a.macCS ?? '<implicit>'}/${a.macSC ?? '<implicit>'} strict ${conn.strictKex}`,
  );
  conn.rekey$.subscribe((k) => debug(`rekey completed: ${k.algorithms.kex}`));
  conn.disconnect$.subscribe((d) => debug(`Disconnected from user ${conn.username}: ${d.description}`));
  serveChannels(conn);
});

/**
 * Sessions (with agent forwarding when asked for) and, unless turned off, loopback-only port forwarding for one
 * authenticated connection. A user certificate's permissions narrow both, as in sshd.
 */
function serveChannels(conn: Connection): void {
  const client = conn.remote ?? { address: '0.0.0.0', port: 0 };
  const certificate = acceptedUserCertificate(conn)?.authorizations;
  // agentForwarding() answers auth-agent-req@openssh.com and allowX11() x11-req (refused when a certificate
  // lacks the permission).
  of(conn)
    .pipe(acceptSessions(), agentForwarding(), allowX11({ onError: (e) => debug(`x11: ${e.message}`) }))
    .subscribe((session) => {
      const agentSocket = sessionAgentSocket(session, { log, debug });
      const sessionEnv = sessionX11Env(session, { log, debug });
      serveSession(session.channel, {
        client,
        server: listening,
        log,
        debug,
        certificate,
        agentSocket,
        sessionEnv,
      });
    });
  if (certificate && !certificate.permitPortForwarding) return;
  serveStreamlocal(conn, streamlocal, { log, debug });
  const onError = (e: Error) => debug(`forwarding: ${e.message}`);
  if (forwarding !== 'no' && forwarding !== 'remote') {
    of(conn)
      .pipe(allowDirectTcpip({ onError }))
      .subscribe((r) =>
        debug(`direct-tcpip: ${r.originatorAddress} port ${r.originatorPort} to ${r.host} port ${r.port}`),
      );
  }
  if (forwarding !== 'no' && forwarding !== 'local') {
    of(conn)
      .pipe(allowRemoteForwarding({ onError }))
      .subscribe((f) => log(`Remote forwarding listening on ${f.bindAddress} port ${f.boundPort}.`));
  }
}

function splitHostPort(v: string): [string, string] {
  const m = /^\[(.*)\]:(\d+)$/.exec(v) ?? /^(.*):(\d+)$/.exec(v);
  if (!m) throw new Error(`--listen wants HOST:PORT, got ${v}`);
  return [m[1], m[2]];
}

/** sshd_config(5) MaxStartups: `FULL` alone, or `START:RATE:FULL`. */
function parseMaxStartups(text: string): MaxStartups {
  const parts = text.split(':').map(Number);
  if (parts.length === 1) return { start: parts[0], rate: 100, full: parts[0] };
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n)))
    throw new Error(`--max-startups wants FULL or START:RATE:FULL, got ${text}`);
  return { start: parts[0], rate: parts[1], full: parts[2] };
}
