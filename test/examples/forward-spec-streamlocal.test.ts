/**
 * examples/ssh.ts's -L/-R specifications with Unix-domain socket paths, as ssh(1) reads them (readconf.c
 * parse_forward, documented under -L and -R in ssh(1)): a field holding a `/` is a socket path, giving
 * `[bind:]port:/socket`, `/socket:host:hostport` and `/socket:/socket`; `\` escapes the next character; a path
 * must fit in sockaddr_un (under 108 bytes).
 */
import { describe, expect, it } from 'vitest';
import { parseForwardSpec } from '../../examples/lib/forward-spec.js';
import { CliError, parseSshArgs } from '../../examples/lib/ssh-config.js';

describe('forwarding specifications with socket paths', () => {
  it.each([
    ['8080:/run/app.sock', { bindHost: undefined, bindPort: 8080, connectPath: '/run/app.sock' }],
    ['127.0.0.2:8080:/run/app.sock', { bindHost: '127.0.0.2', bindPort: 8080, connectPath: '/run/app.sock' }],
    ['*:0:/run/app.sock', { bindHost: '', bindPort: 0, connectPath: '/run/app.sock' }],
    ['[::1]:8080:/run/app.sock', { bindHost: '::1', bindPort: 8080, connectPath: '/run/app.sock' }],
    ['/tmp/x.sock:db:5432', { bindPath: '/tmp/x.sock', host: 'db', hostPort: 5432 }],
    ['/tmp/x.sock:[2001:db8::1]:22', { bindPath: '/tmp/x.sock', host: '2001:db8::1', hostPort: 22 }],
    ['/tmp/x.sock:/remote.sock', { bindPath: '/tmp/x.sock', connectPath: '/remote.sock' }],
    // Relative paths count as paths too, as long as they hold a '/'.
    ['./here.sock:sub/there.sock', { bindPath: './here.sock', connectPath: 'sub/there.sock' }],
    // A backslash keeps a ':' inside a path.
    ['/tmp/a\\:b.sock:/remote.sock', { bindPath: '/tmp/a:b.sock', connectPath: '/remote.sock' }],
    // A bracketed field holding a '/' is a path too.
    ['[/tmp/x.sock]:/remote.sock', { bindPath: '/tmp/x.sock', connectPath: '/remote.sock' }],
  ])('-L %s', (spec, expected) => {
    expect(parseForwardSpec(spec, 'L')).toEqual(expected);
  });

  it('-R takes the same forms, the listening end being on the server', () => {
    expect(parseForwardSpec('/remote.sock:localhost:3000', 'R')).toEqual({
      bindPath: '/remote.sock',
      host: 'localhost',
      hostPort: 3000,
    });
    expect(parseForwardSpec('/remote.sock:/local.sock', 'R')).toEqual({
      bindPath: '/remote.sock',
      connectPath: '/local.sock',
    });
    expect(parseForwardSpec('0:/local.sock', 'R')).toEqual({
      bindHost: undefined,
      bindPort: 0,
      connectPath: '/local.sock',
    });
  });

  it.each([
    '/tmp/x.sock', // nothing to connect to
    '8080:db', // two fields need a path at the end
    '/tmp/x.sock:db', // a path then a host without port
    '/tmp/x.sock:db:0', // port 0 is not a target
    '/tmp/x.sock::22', // no host
    '8080:x:/run/app.sock', // the bind port is not a number
    '/a.sock:/b.sock:/c.sock',
    `/${'a'.repeat(107)}:/remote.sock`, // 108 bytes + NUL do not fit in sun_path
    `8080:/${'a'.repeat(107)}`,
    '/tmp/x.sock\\', // a trailing backslash escapes nothing
  ])('-L %s is refused with a CliError', (spec) => {
    expect(() => parseForwardSpec(spec, 'L')).toThrow(CliError);
  });

  it('refusals name the option like ssh(1)', () => {
    expect(() => parseForwardSpec('/tmp/x.sock', 'R')).toThrow(
      "Bad remote forwarding specification '/tmp/x.sock'",
    );
  });

  it('a 107-byte path is the longest accepted', () => {
    const path = `/${'a'.repeat(106)}`;
    expect(parseForwardSpec(`8080:${path}`, 'L')).toMatchObject({ connectPath: path });
  });

  it('parseSshArgs collects socket forwards among TCP ones', () => {
    const cfg = parseSshArgs(['-L', '/tmp/x.sock:/remote.sock', '-L8080:db:5432', '-R/r.sock:/l.sock', 'h'], {
      USER: 'me',
    });
    expect(cfg.localForwards).toEqual([
      { bindPath: '/tmp/x.sock', connectPath: '/remote.sock' },
      { bindHost: undefined, bindPort: 8080, host: 'db', hostPort: 5432 },
    ]);
    expect(cfg.remoteForwards).toEqual([{ bindPath: '/r.sock', connectPath: '/l.sock' }]);
  });
});
