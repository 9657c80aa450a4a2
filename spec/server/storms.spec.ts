/**
 * Join storms through the whole server: newcomers over TCP and WebSocket each get their own join
 * at once, and the room gets the rest summed up (a low `perSecond` makes any burst a storm here).
 */
import { joined, welcome } from '../support/chat-text';
import { LineClient, destroyAllClients } from '../support/line-client';
import { NAMES, type TestServer, startServer } from '../support/test-server';
import { waitUntil } from '../support/waiting';
import { type Frame, WsClient, terminateAllWsClients } from '../support/ws-client';

let server: TestServer | undefined;

afterEach(async () => {
  terminateAllWsClients();
  destroyAllClients();
  await server?.stop();
  server = undefined;
});

/** The joins a line announces: 1 for "x joined the chat", n for "[+] n joined: ...", 0 otherwise. */
function joinsIn(line: string): number {
  if (/^\S+ joined the chat$/.test(line)) return 1;
  const summary = /^\[\+\] (\d+) joined: /.exec(line);
  return summary ? Number(summary[1]) : 0;
}

describe('join storms', () => {
  it('each newcomer gets its own join at once, the room one summary for the rest, over TCP and WebSocket', async () => {
    // The names list repeats past 8 clients: the core makes them unique.
    server = await startServer({ httpPort: 0, storms: { perSecond: 2 } });
    const alice = await server.join();
    const tcp = await Promise.all([1, 2, 3, 4].map((i) => LineClient.connect(server!.port, `tcp${i}`)));
    const ws = await Promise.all([1, 2, 3, 4].map((i) => WsClient.connect(server!.server.httpPort!, `ws${i}`)));
    for (const client of tcp) {
      const name = /Welcome, (\S+)!/.exec(await client.nextLine())![1]!;
      expect(await client.nextLine()).toBe(joined(name));
    }
    for (const client of ws) {
      const hello = await client.next();
      expect(await client.next()).toEqual({ type: 'joined', name: hello['name'] });
    }
    // Alice's own join spent a token and one more newcomer spent the other: the rest are summed up.
    await waitUntil(
      () => alice.lines.reduce((sum, line) => sum + joinsIn(line), 0) >= 9,
      5_000,
      'every join announced to alice',
      () => JSON.stringify(alice.lines),
    );
    expect(alice.lines[0]).toBe(welcome(NAMES[0]));
    expect(alice.lines.some((line) => /^\[\+\] \d+ joined: /.test(line))).toBe(true);
    const summary = (frame: Frame) => frame.type === 'joined-many';
    await waitUntil(() => ws.some((client) => client.frames.some(summary)), 5_000, 'a summary over WebSocket');
    expect(ws.flatMap((client) => client.frames.filter(summary))[0]).toEqual({
      type: 'joined-many',
      names: expect.any(Array),
      count: expect.any(Number),
    });
  });
});
