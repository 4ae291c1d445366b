/**
 * A command-line SSH client built on rxssh, with OpenSSH's flags:
 *
 *   npx tsx examples/ssh.ts [-AaCNnqTtvXxY] [-p PORT] [-i KEY]... [-o Option=Value]... [-c CIPHERS] [-m MACS]
 *                           [-L [bind:]port:host:hostport]... [-R [bind:]port:host:hostport]...
 *                           [-D [bind:]port]... user@host [command ...]
 *
 * With a command, runs it (stdin piped to it, stdout and stderr kept apart) and exits with its exit status;
 * without one, or with -t, opens a shell on a pty (raw terminal, window size sent and kept up to date).
 * -N runs no command and stays connected for the forwardings: -L listens here and connects from the server,
 * -R asks the server to listen (port 0: the server chooses and we print it), -D is a SOCKS5 proxy. Either end
 * of -L and -R may be a Unix-domain socket path, as in ssh(1) (`-L /tmp/x.sock:/run/app.sock`,
 * `-R /tmp/r.sock:localhost:3000`, `-L 8080:/run/app.sock`...), forwarded with OpenSSH's streamlocal channels.
 *
 * Keys (examples/lib/ssh-auth-keys.ts): the -i files (else ~/.ssh/id_*), encrypted ones unlocked with
 * SSH_PASSPHRASE or, on a terminal and without BatchMode=yes, a hidden prompt; the agent at SSH_AUTH_SOCK
 * (-o IdentityAgent=PATH|none); user certificates from -o CertificateFile=PATH and KEY-cert.pub beside each
 * -i KEY. -A (-o ForwardAgent=yes|PATH) forwards the agent to the session; -X / -Y forward X11 to DISPLAY
 * (examples/lib/ssh-x11.ts: the real cookie from `xauth list`, a fake one sent). Host certificates are checked
 * against `@cert-authority` lines of known_hosts (and `@revoked`).
 *
 * Password authentication takes the password from the SSHPASS environment variable (never from argv).
 * Exit status 255 on connection or authentication failure, with one clear line on stderr, like OpenSSH; 255
 * also when the remote command was killed by a signal or the connection was lost.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { identity, switchMap } from 'rxjs';
import { forwardAgent } from '../operators/index.js';
import {
  AuthError,
  type Connection,
  ConnectionLostError,
  connect,
  connectTcp,
  defaultPreferences,
  editAlgorithmList,
  HostKeyError,
  knownHostsVerifier,
  PeerDisconnectError,
} from '../src/index.js';
import { forwardAgentPath, identityAgentPath } from './lib/ssh-agent-keys.js';
import { prepareAuthKeys } from './lib/ssh-auth-keys.js';
import {
  CliError,
  parseRekeyLimit,
  parseSshArgs,
  parseTime,
  type SshCliConfig,
  yesNo,
} from './lib/ssh-config.js';
import { startForwards } from './lib/ssh-forwards.js';
import { planSession, runSession } from './lib/ssh-session.js';
import { planX11 } from './lib/ssh-x11.js';

/** Longest wait for the socket to close after the connection ended. */
const EXIT_GRACE_MS = 500;

async function main(): Promise<void> {
  let cfg: SshCliConfig;
  try {
    cfg = parseSshArgs(process.argv.slice(2), process.env);
  } catch (e) {
    fatal((e as Error).message);
  }
  const o = cfg.options;
  const debug = (msg: string) => cfg.verbose > 0 && process.stderr.write(`debug1: ${msg}\n`);
  const warn = (line: string) => cfg.quiet || process.stderr.write(`${line}\n`);
  // Passwords come from SSHPASS only; the one prompt is for key passphrases, never with BatchMode=yes.

  const defaults = defaultPreferences();
  const algorithms = {
    kex: o.has('kexalgorithms') ? editAlgorithmList(defaults.kex, o.get('kexalgorithms')!) : defaults.kex,
    hostKey: o.has('hostkeyalgorithms')
      ? editAlgorithmList(defaults.hostKey, o.get('hostkeyalgorithms')!)
      : defaults.hostKey,
    cipher: o.has('ciphers') ? editAlgorithmList(defaults.cipher, o.get('ciphers')!) : defaults.cipher,
    mac: o.has('macs') ? editAlgorithmList(defaults.mac, o.get('macs')!) : defaults.mac,
    compression: yesNo(o.get('compression'), false)
      ? ['zlib@openssh.com', 'none']
      : ['none', 'zlib@openssh.com'],
  };

  const keys = await prepareAuthKeys(cfg, process.env, { debug, warn });
  for (const line of keys.attempts) debug(`Will attempt key: ${line}`);
  const agentToForward = forwardAgentPath(
    o.get('forwardagent'),
    identityAgentPath(o.get('identityagent'), process.env),
    process.env,
  );
  if (yesNo(o.get('forwardagent'), false) && !agentToForward) debug('ForwardAgent: no agent to forward');
  const knownHostsFiles = (o.get('userknownhostsfile') ?? join(homedir(), '.ssh', 'known_hosts')).split(
    /\s+/,
  );
  const strict = (o.get('stricthostkeychecking') ?? 'ask').toLowerCase();
  const password = process.env.SSHPASS;
  const preferred = o.get('preferredauthentications')?.split(',');
  const aliveInterval = o.has('serveraliveinterval') ? parseTime(o.get('serveraliveinterval')!) : 0;

  debug(`Connecting to ${cfg.host} [${cfg.host}] port ${cfg.port}.`);
  const connection$ = connectTcp({ host: cfg.host, port: cfg.port }).pipe(
    switchMap((io) => {
      debug(`Connection established.`);
      return connect(io, {
        username: cfg.user,
        host: cfg.host,
        port: cfg.port,
        algorithms,
        certificates: keys.certificates,
        signers: keys.signers,
        password,
        authMethods: preferred,
        rekey: o.has('rekeylimit') ? parseRekeyLimit(o.get('rekeylimit')!) : undefined,
        keepaliveIntervalMs: aliveInterval * 1000,
        keepaliveCountMax: o.has('serveralivecountmax') ? Number(o.get('serveralivecountmax')) : 3,
        verifyHostKey: knownHostsVerifier({
          files: knownHostsFiles,
          // Without a terminal to ask on, OpenSSH's "ask" behaves like "yes".
          strict: strict === 'no' || strict === 'off' ? 'no' : strict === 'accept-new' ? 'accept-new' : 'yes',
          hashNew: yesNo(o.get('hashknownhosts'), false),
          onMessage: (text) => cfg.quiet || process.stderr.write(`${text}\n`),
        }),
        // Certificates are asked for unless the host key algorithms were chosen by hand (then they are as given).
        acceptHostCertificates: !o.has('hostkeyalgorithms'),
        onBanner: (m) => process.stderr.write(m),
      });
    }),
    // Listens for the server's auth-agent@openssh.com channels before the connection is handed on.
    agentToForward ? forwardAgent(agentToForward) : identity,
  );

  let authenticated = false;
  connection$.subscribe({
    next: (conn: Connection) => {
      authenticated = true;
      // Before anything is printed: whoever waits for "Authenticated to" may signal us at once, and without a
      // listener Node leaves SIGTERM to the default action (death mid-session, no SSH_MSG_DISCONNECT).
      process.once('SIGINT', () => conn.close());
      process.once('SIGTERM', () => conn.close());
      const a = conn.algorithms;
      debug(
        `Remote protocol version 2.0, remote software version ${conn.peerVersion.replace(/^SSH-2\.0-/, '')}`,
      );
      debug(`kex: algorithm: ${a.kex}`);
      debug(`kex: host key algorithm: ${a.hostKey}`);
      debug(
        `kex: server->client cipher: ${a.cipherSC} MAC: ${a.macSC ?? '<implicit>'} compression: ${a.compSC}`,
      );
      debug(
        `kex: client->server cipher: ${a.cipherCS} MAC: ${a.macCS ?? '<implicit>'} compression: ${a.compCS}`,
      );
      if (conn.strictKex) debug('kex: strict key exchange enabled');
      keys.close();
      if (conn.authMethod === 'publickey')
        debug(`Authentication succeeded (publickey) with ${keys.lastSigned()}`);
      if (cfg.verbose > 0) {
        const addr = conn.remote?.address ?? cfg.host;
        process.stderr.write(
          `Authenticated to ${cfg.host} ([${addr}]:${cfg.port}) using "${conn.authMethod}".\n`,
        );
      }
      conn.rekey$.subscribe((k) => debug(`rekey completed: ${k.algorithms.kex} ${k.algorithms.cipherCS}`));
      const exitOnForwardFailure = yesNo(o.get('exitonforwardfailure'), false);
      startForwards(conn, cfg, {
        debug,
        warn,
        failed: () => {
          if (!exitOnForwardFailure) return;
          process.exitCode = 255;
          conn.close();
        },
      });
      if (cfg.noCommand) return;
      const { plan, warning } = planSession(cfg, process.stdin.isTTY === true);
      if (warning) warn(warning);
      if (agentToForward) debug('Requesting authentication agent forwarding.');
      const x11 = planX11(conn, o, process.env, { debug, warn });
      runSession(conn, { ...plan, forwardAgent: agentToForward !== undefined, x11 }, (end) => {
        if (end.message) process.stderr.write(`${end.message}\n`);
        process.exitCode = end.code;
        conn.close();
      });
    },
    error: (err: unknown) => {
      if (err instanceof AuthError)
        fatal(`${cfg.user}@${cfg.host}: Permission denied (${err.methodsLeft.join(',') || 'none'}).`);
      if (err instanceof HostKeyError) fatal('Host key verification failed.');
      if (err instanceof PeerDisconnectError && authenticated)
        fatal(`Connection to ${cfg.host} closed by remote host.`);
      if (err instanceof ConnectionLostError && !authenticated) fatal(`ssh: ${err.message}`);
      fatal(`ssh: ${cfg.host}: ${(err as Error).message}`);
    },
    // Exit once the socket has closed (our DISCONNECT read by the server; closing with its last packets unread
    // would reset the connection and lose the DISCONNECT), or after EXIT_GRACE_MS if stdin keeps us alive.
    complete: () => {
      process.exitCode ??= 0;
      (process.stdin as { unref?: () => void }).unref?.(); // nothing more will be read from it
      setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
    },
  });
}

function fatal(line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(255);
}

main().catch((e: unknown) => fatal(e instanceof CliError ? e.message : `ssh: ${(e as Error).message}`));
