/**
 * channelByteIO: a channel's data as a ByteIO (what the AgentClient speaks over on a forwarded agent channel).
 * Data in both directions, EOF completes `input` (RFC 4254 §5.3), `end()` sends EOF then CLOSE.
 */
import { firstValueFrom, type Subscription, toArray, zip } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/connection/channels/channel.js';
import type { ChannelMsg } from '../../src/connection/channels/channel-msg.js';
import type { Connection } from '../../src/connection/connection.js';
import { channelByteIO } from '../../src/io/channel-byte-io.js';
import { connectedPair } from '../../src/testing/index.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c)).join('');

let subs: Subscription[] = [];
afterEach(() => {
  for (const s of subs) s.unsubscribe();
  subs = [];
});

/** A session channel seen from both ends: the client's Channel and the server's. */
async function channelPair(): Promise<{ client: Channel; server: Channel }> {
  const { client$, server$ } = connectedPair();
  const [clientConn, serverConn] = await new Promise<[Connection, Connection]>((resolve) =>
    subs.push(zip(client$, server$).subscribe(resolve)),
  );
  const server = new Promise<Channel>((resolve) =>
    subs.push(serverConn.incomingChannels$.subscribe((inc) => resolve(inc.accept()))),
  );
  const client = new Promise<Channel>((resolve) => subs.push(clientConn.session().subscribe(resolve)));
  return { client: await client, server: await server };
}

describe('channelByteIO', () => {
  it('delivers the peer’s data on input, completes it at EOF, and writes to the peer', async () => {
    const { client, server } = await channelPair();
    const io = channelByteIO(server);
    const received = firstValueFrom(io.input.pipe(toArray()));
    const seenByClient: ChannelMsg[] = [];
    subs.push(client.subscribe({ next: (m) => seenByClient.push(m), error: () => undefined }));
    client.next(bytes('request-1 '));
    client.next(bytes('request-2'));
    client.complete();
    expect(text(await received)).toBe('request-1 request-2');
    expect(io.write(bytes('reply'))).toBe(true);
    io.end();
    await new Promise<void>((resolve) => client.onEnd(() => resolve()));
    const kinds = seenByClient.map((m) => m.type);
    expect(kinds.filter((k) => k === 'data' || k === 'eof' || k === 'close')).toEqual([
      'data',
      'eof',
      'close',
    ]);
    expect(text(seenByClient.flatMap((m) => (m.type === 'data' ? [m.data] : [])))).toBe('reply');
  });

  it('closes the channel when its input is unsubscribed', async () => {
    const { client, server } = await channelPair();
    const sub = channelByteIO(server).input.subscribe({ error: () => undefined });
    const closed = new Promise<void>((resolve) => client.onEnd(() => resolve()));
    subs.push(client.subscribe({ error: () => undefined }));
    expect(server.closed).toBe(false);
    sub.unsubscribe();
    await closed;
    expect(server.closed).toBe(true);
  });
});
