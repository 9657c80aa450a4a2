/**
 * The WebSocket transport through the whole server: browser-protocol clients (real `ws` clients)
 * and a TCP client in one room, with the same names, commands, rules and limits.
 */
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { createWebServer } from '../../src/transports/http/web-server';
import { WebSocketTransport } from '../../src/transports/websocket/websocket-transport';
import { LineClient, destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';
import { waitUntil } from '../support/waiting';
import { WsClient, terminateAllWsClients } from '../support/ws-client';

let server: TestServer;

afterEach(async () => {
  terminateAllWsClients();
  destroyAllClients();
  await server?.stop();
});

const httpPort = () => server.server.httpPort!;

/** A WebSocket client that has read its welcome, the room's scrollback if any, and its own join. */
async function joinWs(label: string, name: string): Promise<WsClient> {
  const client = await WsClient.connect(httpPort(), label);
  expect(await client.next()).toEqual({ type: 'welcome', name });
  let next = await client.next();
  if (next.type === 'history') {
    expect(next).toMatchObject({ reason: 'scrollback' });
    next = await client.next();
  }
  expect(next).toEqual({ type: 'joined', name });
  return client;
}

function get(
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpPort(), path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

describe('WebSocket transport', () => {
  it('puts TCP and WebSocket clients in one room: joins, lines both ways, /me, /msg, renames and leaves', async () => {
    server = await startServer({ httpPort: 0 });
    const alice = await server.join(); // TCP
    const bob = await joinWs('bob', 'bob');
    await alice.readUntil('bob joined the chat');
    const carol = await joinWs('carol', 'carol');
    expect(await bob.next()).toEqual({ type: 'joined', name: 'carol' });
    await alice.readUntil('carol joined the chat');

    alice.send('hello from tcp');
    expect(await bob.next()).toEqual({ type: 'said', name: 'alice', text: 'hello from tcp' });
    expect(await carol.next()).toEqual({ type: 'said', name: 'alice', text: 'hello from tcp' });

    bob.send('hello from the browser');
    await alice.readUntil('bob: hello from the browser');
    expect(await carol.next()).toEqual({ type: 'said', name: 'bob', text: 'hello from the browser' });

    carol.send('/me waves');
    await alice.readUntil('* carol waves');
    expect(await bob.next()).toEqual({ type: 'action', name: 'carol', text: 'waves' });

    alice.send('/msg bob psst');
    expect(await bob.next()).toEqual({ type: 'private', from: 'alice', text: 'psst' });
    bob.send('/msg alice back');
    await alice.readUntil('[pm] bob: back');

    bob.send('/nick bobby');
    await alice.readUntil('bob is now known as bobby');
    expect(await bob.next()).toEqual({ type: 'renamed', from: 'bob', to: 'bobby' });
    expect(await carol.next()).toEqual({ type: 'renamed', from: 'bob', to: 'bobby' });

    carol.send('/quit bye');
    expect(await carol.waitClosed()).toBe(1000);
    await alice.readUntil('[-] carol left the chat. (bye)');
    expect(await bob.until((f) => f.type === 'left')).toEqual({ type: 'left', name: 'carol', reason: 'bye' });

    alice.destroy();
    expect(await bob.until((f) => f.type === 'left')).toEqual({ type: 'left', name: 'alice' });
    // Nothing of the others' lines came back to their senders.
    expect(bob.frames.filter((f) => f.type === 'said' && f['name'] === 'bobby')).toEqual([]);
  });

  it('sends notices as structured JSON with their code, parameters, level and English text', async () => {
    server = await startServer({ httpPort: 0 });
    await server.join(); // alice on TCP
    const bob = await joinWs('bob', 'bob');
    bob.send('/nick alice');
    expect(await bob.next()).toEqual({
      type: 'notice',
      code: 'name-taken',
      name: 'alice',
      level: 'error',
      text: 'name taken: alice',
    });
    bob.send('/frobnicate');
    expect(await bob.next()).toMatchObject({ type: 'notice', code: 'unknown-command', level: 'error' });
    bob.send('/help');
    const help = await bob.next();
    expect(help.type).toBe('help');
    expect((help['commands'] as unknown[]).length).toBeGreaterThan(3);
  });

  it('drops a frame over --max-line-bytes with a notice, closes 1009 far past it and 1003 on binary, and the room goes on', async () => {
    server = await startServer({ httpPort: 0, maxLineBytes: 100 });
    const alice = await server.join();
    const bob = await joinWs('bob', 'bob');
    await alice.readUntil('bob joined the chat');

    bob.send('x'.repeat(101));
    expect(await bob.next()).toMatchObject({ type: 'notice', code: 'line-too-long', maxBytes: 100 });
    bob.send('still here');
    await alice.readUntil('bob: still here');

    bob.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await bob.waitClosed()).toBe(1003);
    await alice.readUntil('[-] bob left the chat.');

    const carol = await joinWs('carol', 'carol');
    carol.ws.send('y'.repeat(1024 * 1024));
    expect(await carol.waitClosed()).toBe(1009);
    await alice.readUntil('[-] carol left the chat.');
    alice.send('the server is fine');
    const dave = await joinWs('dave', 'dave');
    alice.send('still fine');
    expect(await dave.next()).toEqual({ type: 'said', name: 'alice', text: 'still fine' });
  });

  it('refuses other sites’ pages (403) unless --allow-origin names them; the own origin and origin-less clients pass', async () => {
    server = await startServer({ httpPort: 0, allowOrigins: ['https://friend.example'] });
    await expect(WsClient.connect(httpPort(), 'evil', { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(WsClient.connect(httpPort(), 'other path', { path: '/elsewhere' })).rejects.toThrow('HTTP 404');
    const own = await WsClient.connect(httpPort(), 'own', { origin: `http://127.0.0.1:${httpPort()}` });
    expect(await own.next()).toMatchObject({ type: 'welcome' });
    const friend = await WsClient.connect(httpPort(), 'friend', { origin: 'https://friend.example' });
    expect(await friend.next()).toMatchObject({ type: 'welcome' });
    const tool = await WsClient.connect(httpPort(), 'tool');
    expect(await tool.next()).toMatchObject({ type: 'welcome' });
    // A refused upgrade never joined: nobody saw it.
    expect(server.log.filter((e) => e.type === 'connected')).toHaveLength(3);
  });

  it('counts both transports against --max-clients', async () => {
    server = await startServer({ httpPort: 0, maxClients: 2 });
    await server.join();
    await joinWs('bob', 'bob');
    const refused = await WsClient.connect(httpPort(), 'third');
    expect(await refused.next()).toMatchObject({ type: 'notice', code: 'server-full' });
    await refused.waitClosed();
    const tcp = await LineClient.connect(server.port, 'fourth');
    expect(await tcp.readUntilClosed()).toEqual(['[!] server full']);
  });

  it('evicts a browser that stops reading once its unsent output passes --max-buffer-bytes, and announces its leave', async () => {
    server = await startServer({ httpPort: 0, maxBufferBytes: 64 * 1024 });
    const alice = await server.join();
    const bob = await joinWs('bob', 'bob');
    await alice.readUntil('bob joined the chat');
    // The client's socket stops reading: the server's output backs up.
    (bob.ws as unknown as { _socket: Socket })._socket.pause();
    const line = 'z'.repeat(3_000);
    for (let i = 0; i < 2_000 && !server.log.some((e) => e.type === 'disconnected' && e.name === 'bob'); i++) {
      alice.send(line);
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await alice.readUntil('[-] bob left the chat.', 10_000);
    expect(server.log).toContainEqual({
      type: 'error',
      name: 'bob',
      error: expect.stringContaining('output buffer over 65536 bytes'),
    });
  });

  it('says goodbye to WebSocket clients on shutdown and closes them', async () => {
    server = await startServer({ httpPort: 0 });
    const bob = await joinWs('alice', 'alice');
    const closing = server.stop();
    expect(await bob.next()).toEqual({ type: 'shutdown' });
    expect(await bob.waitClosed()).toBe(1000);
    await closing;
  });

  it('serves the page with a Content-Security-Policy that forbids inline script, and nothing else', async () => {
    server = await startServer({ httpPort: 0 });
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect((await get('/chat.js')).status).toBe(200);
    expect((await get('/../package.json')).status).toBe(404);
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/', 'POST')).status).toBe(405);
  });

  it('serves its icon, linked from the page, at /favicon.svg and at /favicon.ico, under the same policy', async () => {
    server = await startServer({ httpPort: 0 });
    const page = await get('/');
    expect(page.body).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml" />');
    expect(page.headers['content-security-policy']).toContain("img-src 'self'");
    const svg = await get('/favicon.svg');
    const ico = await get('/favicon.ico');
    for (const icon of [svg, ico]) {
      expect(icon.status).toBe(200);
      expect(icon.headers['content-type']).toBe('image/svg+xml');
      expect(icon.body).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^]*<\/svg>\n$/);
      expect(icon.headers['content-security-policy']).toBe(page.headers['content-security-policy']);
    }
    expect(ico.body).toBe(svg.body);
    expect((await get('/favicon.ico', 'HEAD')).status).toBe(200);
  });

  it('gives ids that are unique across transports without configuration', async () => {
    server = await startServer({ httpPort: 0 });
    await server.join();
    await joinWs('bob', 'bob');
    const ids = server.outputs.flatMap((o) => (o.kind === 'deliver' && o.message.type === 'welcome' ? o.to : []));
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
  });
});

describe('a peer that vanished', () => {
  it('is found with pings and dropped', async () => {
    const transport = new WebSocketTransport(createWebServer({ routes: new Map() }), { port: 0, pingIntervalMs: 100 });
    const events: string[] = [];
    const subscription = transport.events$.subscribe((e) => events.push(e.type));
    await transport.listen();
    try {
      const client = await WsClient.connect(transport.address()!.port, 'silent');
      // A peer that reads nothing answers no ping.
      (client.ws as unknown as { _socket: Socket })._socket.pause();
      await waitUntil(() => events.includes('disconnected'), 5_000, 'the silent peer to be dropped');
      expect(events).toEqual(['connected', 'disconnected']);
    } finally {
      subscription.unsubscribe();
      transport.destroyAll();
      await transport.close();
    }
  });
});
