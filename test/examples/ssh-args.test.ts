/**
 * examples/ssh.ts's command line: -L/-R/-D specifications as ssh(1) writes them (bracketed IPv6, empty and
 * `*` bind addresses, repeated flags), -t counting, -T/-n/-q, and the pty decision (ssh(1): a pty for a shell
 * or with -t, only when stdin is a terminal unless -tt, never with -T).
 */
import { describe, expect, it } from 'vitest';
import { parseDynamicSpec, parseForwardSpec } from '../../examples/lib/forward-spec.js';
import { CliError, parseSshArgs } from '../../examples/lib/ssh-config.js';
import { planSession } from '../../examples/lib/ssh-session.js';

const parse = (...argv: string[]) => parseSshArgs(argv, { USER: 'me' });

describe('forwarding specifications', () => {
  it.each([
    ['8080:db:5432', { bindHost: undefined, bindPort: 8080, host: 'db', hostPort: 5432 }],
    ['127.0.0.2:8080:db:5432', { bindHost: '127.0.0.2', bindPort: 8080, host: 'db', hostPort: 5432 }],
    [':8080:db:5432', { bindHost: '', bindPort: 8080, host: 'db', hostPort: 5432 }],
    ['*:8080:db:5432', { bindHost: '', bindPort: 8080, host: 'db', hostPort: 5432 }],
    ['[::1]:8080:[2001:db8::1]:22', { bindHost: '::1', bindPort: 8080, host: '2001:db8::1', hostPort: 22 }],
    ['0:localhost:80', { bindHost: undefined, bindPort: 0, host: 'localhost', hostPort: 80 }],
  ])('-L %s', (spec, expected) => {
    expect(parseForwardSpec(spec, 'L')).toEqual(expected);
  });

  it.each([
    'db:5432',
    '8080:db',
    '1:2:3:4:5',
    '70000:db:22',
    '8080:db:0',
    '8080::22',
    'x:db:22',
    '[::1:8080:db:22',
    '[::1]x:8080:db:22',
  ])('-L %s is refused with a CliError', (spec) => {
    expect(() => parseForwardSpec(spec, 'L')).toThrow(CliError);
  });

  it('-D [bind:]port', () => {
    expect(parseDynamicSpec('1080')).toEqual({ bindHost: undefined, bindPort: 1080 });
    expect(parseDynamicSpec('[::1]:1080')).toEqual({ bindHost: '::1', bindPort: 1080 });
    expect(parseDynamicSpec('*:0')).toEqual({ bindHost: '', bindPort: 0 });
    expect(() => parseDynamicSpec('a:b:c')).toThrow(/Bad dynamic forwarding/);
  });
});

describe('parseSshArgs', () => {
  it('collects repeated -L, -R and -D, attached or separate values', () => {
    const cfg = parse(
      '-L8080:db:5432',
      '-L',
      '9090:web:80',
      '-R',
      '0:localhost:3000',
      '-D',
      '1080',
      'u@h',
      'ls',
    );
    expect(cfg.localForwards.map((f) => f.bindPort)).toEqual([8080, 9090]);
    expect(cfg.remoteForwards).toEqual([
      { bindHost: undefined, bindPort: 0, host: 'localhost', hostPort: 3000 },
    ]);
    expect(cfg.dynamicForwards).toEqual([{ bindHost: undefined, bindPort: 1080 }]);
    expect(cfg.command).toEqual(['ls']);
  });

  it('counts -t, and reads -T, -n, -q and -N, also bundled', () => {
    expect(parse('-tt', 'h')).toMatchObject({ tty: 2, noTty: false });
    expect(parse('-t', '-t', 'h').tty).toBe(2);
    expect(parse('-Tnq', 'h')).toMatchObject({ noTty: true, stdinNull: true, quiet: true, tty: 0 });
    expect(parse('-NvL', '1:h:2', 'h')).toMatchObject({ noCommand: true, verbose: 1 });
  });

  it('flags after the destination belong to the command', () => {
    expect(parse('h', '-t', 'x').command).toEqual(['-t', 'x']);
    expect(parse('h', '-t', 'x').tty).toBe(0);
  });

  it('still refuses flags it does not implement', () => {
    expect(() => parse('-J', 'jump', 'h')).toThrow(/not supported/);
    expect(() => parse('-L', 'nonsense', 'h')).toThrow(/Bad local forwarding specification/);
  });
});

describe('planSession (when to ask for a pty)', () => {
  const plan = (stdinIsTty: boolean, ...argv: string[]) => planSession(parse(...argv), stdinIsTty);

  it('a shell gets a pty when stdin is a terminal', () => {
    expect(plan(true, 'h')).toEqual({ plan: { command: undefined, pty: true, stdinNull: false } });
  });

  it('a command gets none unless -t', () => {
    expect(plan(true, 'h', 'ls', '-l').plan).toEqual({ command: 'ls -l', pty: false, stdinNull: false });
    expect(plan(true, '-t', 'h', 'top').plan.pty).toBe(true);
  });

  it('without a terminal on stdin the pty is dropped with ssh’s warning, unless -tt', () => {
    expect(plan(false, 'h')).toEqual({
      plan: { command: undefined, pty: false, stdinNull: false },
      warning: 'Pseudo-terminal will not be allocated because stdin is not a terminal.',
    });
    expect(plan(false, '-t', 'h', 'ls').plan.pty).toBe(false);
    expect(plan(false, '-tt', 'h', 'ls')).toEqual({ plan: { command: 'ls', pty: true, stdinNull: false } });
  });

  it('-T never asks for one', () => {
    expect(plan(true, '-T', 'h')).toEqual({ plan: { command: undefined, pty: false, stdinNull: false } });
    expect(plan(true, '-T', '-tt', 'h').plan.pty).toBe(false);
  });
});
