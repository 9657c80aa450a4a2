/**
 * The total output budget over real sockets, across both transports: several clients that stop
 * reading, each far under its own `--max-buffer-bytes`, are evicted together once all the unsent
 * output passes `--max-total-buffer-bytes`, largest first; their leaves are announced and the
 * readers, on TCP and WebSocket, keep receiving everything.
 */
import type { Socket } from 'node:net';
import { destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';
import { WsClient, terminateAllWsClients } from '../support/ws-client';

let server: TestServer;

afterEach(async () => {
  terminateAllWsClients();
  destroyAllClients();
  await server?.stop();
});

/** A WebSocket client that has read its welcome and its own join. */
async function joinWs(name: string): Promise<WsClient> {
  const client = await WsClient.connect(server.server.httpPort!, name);
  expect(await client.next()).toEqual({ type: 'welcome', name });
  expect(await client.next()).toEqual({ type: 'joined', name });
  return client;
}

const pauseWs = (client: WsClient) => (client.ws as unknown as { _socket: Socket })._socket.pause();

describe('--max-total-buffer-bytes', () => {
  it('evicts the non-readers of both transports once together they hold more than the total, though each is far under its own limit', async () => {
    // Each client may hold 64 MiB: only the total (1 MiB) can evict anyone within this test.
    server = await startServer({ httpPort: 0, maxBufferBytes: 64 * 1024 * 1024, maxTotalBufferBytes: 1024 * 1024 });
    const [sender, tcpReader] = await server.joinAll(2); // alice, bob
    const silentTcp = await server.joinAll(2); // carol, dave
    const wsReader = await joinWs('erin');
    const silentWs = [await joinWs('frank'), await joinWs('grace')];
    await sender.readUntil('grace joined the chat');
    await tcpReader.readUntil('grace joined the chat');
    for (const client of silentTcp) client.socket.pause();
    silentWs.forEach(pauseWs);

    const silentNames = ['carol', 'dave', 'frank', 'grace'];
    const leaves = () => tcpReader.lines.filter((line) => / left the chat\.$/.test(line));
    const padding = 'p'.repeat(2_000);
    let sent = 0;
    // Bounded: 40 MB of lines, far more than the kernel's buffers and the budget take together.
    while (leaves().length < silentNames.length) {
      if (sent >= 20_000) throw new Error(`after ${sent} lines only ${JSON.stringify(leaves())}`);
      let batch = '';
      for (let i = 0; i < 50; i++) batch += `m${sent++} ${padding}\n`;
      await sender.write(batch);
      await tcpReader.readUntil(`alice: m${sent - 1} ${padding}`, 15_000, `line m${sent - 1}`);
    }
    if (process.env['PROTECTION_DEBUG']) console.log(`non-readers evicted after ${sent} lines`);
    expect(leaves().sort()).toEqual(silentNames.map((name) => `[-] ${name} left the chat.`).sort());
    for (const name of silentNames) {
      expect(server.log).toContainEqual({
        type: 'error',
        name,
        error: expect.stringMatching(/^server output over its total of 1048576 bytes/),
      });
    }

    // The readers got every line, in order, and stay.
    sender.send('after');
    await tcpReader.readUntil('alice: after');
    const said = tcpReader.lines.filter((line) => line.startsWith('alice: m'));
    expect(said).toHaveLength(sent);
    said.forEach((line, i) => {
      if (line !== `alice: m${i} ${padding}`)
        throw new Error(`line ${i} out of order or damaged: ${line.slice(0, 40)}`);
    });
    const wsSaid = await wsReader.until((f) => f.type === 'said' && f['text'] === 'after', 15_000);
    expect(wsSaid).toEqual({ type: 'said', name: 'alice', text: 'after' });
    expect(wsReader.frames.filter((f) => f.type === 'said')).toHaveLength(sent + 1);
    sender.send('/who');
    expect(await sender.readUntil(/^\[\*\] \d+ online/)).toBe('[*] 3 online: alice, bob, erin');
  }, 90_000);

  it('evicts the largest backlog first: a client that stopped reading later keeps its place', async () => {
    server = await startServer({ maxBufferBytes: 64 * 1024 * 1024, maxTotalBufferBytes: 512 * 1024 });
    const [sender, reader, early, late] = await server.joinAll(4); // alice, bob, carol, dave
    early.socket.pause();
    const padding = 'q'.repeat(2_000);
    let sent = 0;
    const leaves = () => reader.lines.filter((line) => line.endsWith(' left the chat.'));
    // carol stops reading first, dave 1,000 lines (2 MB) later: whatever the kernel buffers hold,
    // carol's backlog stays the larger by about that much.
    while (leaves().length === 0) {
      if (sent >= 20_000) throw new Error(`nobody evicted after ${sent} lines`);
      if (sent === 1_000) late.socket.pause();
      let batch = '';
      for (let i = 0; i < 50; i++) batch += `n${sent++} ${padding}\n`;
      await sender.write(batch);
      await reader.readUntil(`alice: n${sent - 1} ${padding}`, 15_000, `line n${sent - 1}`);
    }
    if (process.env['PROTECTION_DEBUG']) console.log(`first eviction after ${sent} lines`);
    expect(sent).toBeGreaterThan(1_000);
    expect(leaves()).toEqual(['[-] carol left the chat.']);
    expect(server.log).toContainEqual({
      type: 'error',
      name: 'carol',
      error: expect.stringMatching(/^server output over its total/),
    });
    expect(
      server.log.filter((e) => e.type === 'disconnected').map((e) => (e.type === 'disconnected' ? e.name : '')),
    ).toEqual(['carol']);
  }, 90_000);
});
