import { firstValueFrom, zip } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { connectedPair } from '../../src/testing/index.js';

describe('in-memory client/server handshake', () => {
  it('authenticates with a password and agrees on algorithms', async () => {
    const { client$, server$ } = connectedPair();
    const [client, server] = await firstValueFrom(zip(client$, server$));
    expect(client.authMethod).toBe('password');
    expect(server.username).toBe('alice');
    expect(client.algorithms).toEqual(server.algorithms);
    expect(client.strictKex).toBe(true);
    expect(client.sessionId).toEqual(server.sessionId);
    client.close();
  });
});
