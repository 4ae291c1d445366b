/**
 * -X / -Y / -x of examples/ssh.ts (ssh(1): -Y is -X with ForwardX11Trusted, -x turns X11 off) and planX11:
 * no plan without DISPLAY, the real cookie read with `xauth list` (a `localhost:N` display looked up as
 * `unix:N`, as ssh's client_x11_get_proto does), ssh's warning when there is none, and an x11-req carrying a
 * fake cookie, never the real one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, NEVER, of } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSshArgs } from '../../examples/lib/ssh-config.js';
import { planX11 } from '../../examples/lib/ssh-x11.js';
import type { ChannelRequest } from '../../src/channel/channel-requests.js';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { Connection } from '../../src/connection/connection.js';

const XAUTH = '/usr/bin/xauth';
const REAL = '00112233445566778899aabbccddeeff';
const parse = (...argv: string[]) => parseSshArgs([...argv, 'host'], { USER: 'me' }).options;

describe('-X, -Y and -x', () => {
  it('set ForwardX11 (and ForwardX11Trusted for -Y), in bundles too; -x turns it off', () => {
    expect(parse('-X').get('forwardx11')).toBe('yes');
    expect(parse('-X').has('forwardx11trusted')).toBe(false);
    expect(parse('-Y').get('forwardx11trusted')).toBe('yes');
    expect(parse('-AYv').get('forwardx11')).toBe('yes');
    expect(parse('-X', '-x').get('forwardx11')).toBe('no');
  });
});

describe('planX11', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rxssh-ssh-x11-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function plan(options: Record<string, string>, env: NodeJS.ProcessEnv) {
    const lines: string[] = [];
    const hooks = { debug: (l: string) => lines.push(`debug: ${l}`), warn: (l: string) => lines.push(l) };
    const requests: ChannelRequest[] = [];
    // Just enough of a connection and a session channel to see the request that goes out.
    const conn = { incomingChannels$: NEVER } as unknown as Connection;
    const channel = {
      request: (r: ChannelRequest) => {
        requests.push(r);
        return of(true);
      },
      onEnd: () => undefined,
    } as unknown as Channel;
    const x11 = planX11(conn, new Map(Object.entries(options)), env, hooks);
    return { x11, lines, requests, channel };
  }

  it('nothing without ForwardX11; a warning and nothing without a usable DISPLAY', () => {
    expect(plan({}, { DISPLAY: ':0' }).x11).toBeUndefined();
    const none = plan({ forwardx11: 'yes' }, {});
    expect(none.x11).toBeUndefined();
    expect(none.lines).toEqual(['X11 forwarding requested but DISPLAY not set']);
    const bad = plan({ forwardx11: 'yes' }, { DISPLAY: 'nocolon' });
    expect(bad.x11).toBeUndefined();
    expect(bad.lines[0]).toMatch(/disabling X11 forwarding/);
  });

  it('without xauth: ssh\'s "No xauth data" warning, and a fake MIT-MAGIC-COOKIE-1 is sent', async () => {
    const p = plan(
      { forwardx11: 'yes', forwardx11trusted: 'yes', xauthlocation: join(dir, 'no-xauth') },
      { DISPLAY: 'localhost:12.3' },
    );
    expect(p.lines).toContain('Warning: No xauth data; using fake authentication data for X11 forwarding.');
    expect(await firstValueFrom(p.x11!(p.channel))).toBe(true);
    expect(p.requests).toEqual([
      {
        type: 'x11-req',
        singleConnection: false,
        authProtocol: 'MIT-MAGIC-COOKIE-1',
        authCookie: expect.stringMatching(/^[0-9a-f]{32}$/),
        screen: 3,
      },
    ]);
  });

  it.skipIf(!existsSync(XAUTH))(
    'reads the real cookie with xauth list (localhost:N as unix:N); sends a fake one',
    async () => {
      const xauthority = join(dir, 'Xauthority');
      execFileSync(XAUTH, ['-f', xauthority, 'add', 'unix:7', 'MIT-MAGIC-COOKIE-1', REAL]);
      const env = { DISPLAY: 'localhost:7.0', XAUTHORITY: xauthority, PATH: process.env.PATH };
      const p = plan({ forwardx11: 'yes', forwardx11trusted: 'yes' }, env);
      expect(p.lines).toContain(`debug: x11_get_proto: ${XAUTH} list unix:7.0`);
      expect(p.lines.some((l) => l.includes('No xauth data'))).toBe(false);
      await firstValueFrom(p.x11!(p.channel));
      const req = p.requests[0] as Extract<ChannelRequest, { type: 'x11-req' }>;
      expect(req.authCookie).toMatch(/^[0-9a-f]{32}$/);
      expect(req.authCookie).not.toBe(REAL);
    },
  );
});
