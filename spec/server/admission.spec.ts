/**
 * Admission end to end: the per-address limits over TCP and WebSocket (several loopback source
 * addresses stand for several hosts), the floods of issue 10 that they stop, and TLS connections
 * that never finish their handshake.
 */
import { readFileSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import type { ChatServerOptions } from '../../src/server/create-chat-server';
import { createWebServer } from '../../src/transports/http/web-server';
import { type TestCertificate, makeCertificate } from '../support/certificates';
import { OPENSSL, describeWithTool } from '../support/system-tool';
import { joined, left, welcome } from '../support/chat-text';
import { HOST, LineClient, WAIT_MS, destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';
import { waitUntil, withTimeout } from '../support/waiting';
import { WsClient, terminateAllWsClients } from '../support/ws-client';

let server: TestServer | undefined;
const rawSockets: Socket[] = [];

afterEach(async () => {
  terminateAllWsClients();
  destroyAllClients();
  for (const socket of rawSockets.splice(0)) socket.destroy();
  await server?.stop();
  server = undefined;
});

async function start(options: ChatServerOptions): Promise<TestServer> {
  server = await startServer(options);
  return server;
}

/** A plain TCP connection from `localAddress` that sends nothing (to a TLS port: never starts its handshake). */
function rawConnect(port: number, localAddress = HOST): Promise<Socket> {
  const socket = connect({ host: HOST, port, localAddress });
  socket.on('error', () => undefined);
  socket.resume(); // reads and discards whatever comes
  rawSockets.push(socket);
  return withTimeout(
    new Promise<Socket>((resolve) => socket.once('connect', () => resolve(socket))),
    WAIT_MS,
    `a raw connection from ${localAddress}`,
  );
}

const closed = (socket: Socket, ms = WAIT_MS) =>
  withTimeout(
    new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve()))),
    ms,
    'the socket to be closed',
  );

/** Connects a TCP client from `localAddress` and reads its welcome; returns it with its name. */
async function joinFrom(
  port: number,
  localAddress: string,
  label = localAddress,
): Promise<{ client: LineClient; name: string }> {
  const client = await LineClient.connect(port, label, { localAddress });
  const name = /^\[\*\] Welcome, (\S+)!/.exec(await client.nextLine())?.[1];
  if (name === undefined) throw new Error(`${label}: no welcome: ${JSON.stringify(client.lines)}`);
  return { client, name };
}

const connectedNames = (s: TestServer) => s.log.flatMap((e) => (e.type === 'connected' ? [e.name] : []));

describe('--max-clients-per-ip', () => {
  it('refuses one more connection from an address on either transport with one line saying why, unannounced; other addresses pass; a leave frees a place', async () => {
    const s = await start({ httpPort: 0, maxClientsPerIp: 2 });
    const watcher = await s.join(); // alice, from 127.0.0.1
    const first = await joinFrom(s.port, '127.0.0.2'); // bob
    const second = await WsClient.connect(s.server.httpPort!, 'ws from 127.0.0.2', { localAddress: '127.0.0.2' });
    expect(await second.next()).toEqual({ type: 'welcome', name: 'carol' });
    await watcher.readUntil(joined('carol'));

    const refusedTcp = await LineClient.connect(s.port, 'third from 127.0.0.2', { localAddress: '127.0.0.2' });
    expect(await refusedTcp.readUntilClosed()).toEqual(['[!] too many connections from your address (max 2)']);
    expect(refusedTcp.partial).toBe('');
    const refusedWs = await WsClient.connect(s.server.httpPort!, 'ws third from 127.0.0.2', {
      localAddress: '127.0.0.2',
    });
    expect(await refusedWs.next()).toEqual({
      type: 'notice',
      code: 'too-many-connections',
      limit: 2,
      level: 'error',
      text: 'too many connections from your address (max 2)',
    });
    expect(await refusedWs.waitClosed()).toBe(1000);

    const other = await joinFrom(s.port, '127.0.0.3'); // dave
    expect(other.name).toBe('dave');
    first.client.end();
    expect(await watcher.readUntil(/left the chat/)).toBe(left('bob'));
    const again = await joinFrom(s.port, '127.0.0.2'); // erin: bob's place is free
    expect(again.name).toBe('erin');
    await watcher.readUntil(joined('erin'));

    // The refused connections were never announced, and never joined.
    expect(watcher.lines).toEqual([
      welcome('alice'),
      joined('alice'),
      joined('bob'),
      joined('carol'),
      joined('dave'),
      left('bob'),
      joined('erin'),
    ]);
    expect(connectedNames(s)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
  });
});

describe('--connect-rate', () => {
  it('past N new connections a minute from an address, refuses the next on either transport with one line saying when to try again', async () => {
    const s = await start({ httpPort: 0, connectRate: 3 });
    const watcher = await s.join(); // alice, from 127.0.0.1
    // Three connect/quit cycles from 127.0.0.4 use its minute's allowance; leaving gives none back.
    for (const [i, name] of ['bob', 'carol'].entries()) {
      const { client } = await joinFrom(s.port, '127.0.0.4', `cycle ${i}`);
      client.send('/quit');
      await watcher.readUntil(left(name));
    }
    const ws = await WsClient.connect(s.server.httpPort!, 'ws cycle', { localAddress: '127.0.0.4' });
    expect(await ws.next()).toEqual({ type: 'welcome', name: 'dave' });
    ws.send('/quit');
    await watcher.readUntil(left('dave'));

    const refusedTcp = await LineClient.connect(s.port, 'fourth', { localAddress: '127.0.0.4' });
    const [line, ...rest] = await refusedTcp.readUntilClosed();
    expect(rest).toEqual([]);
    // 3 a minute: the next try is due 20 s after the first (less the time this test took).
    expect(line).toMatch(/^\[!\] connecting too fast from your address; try again in (1\d|20) s$/);
    const refusedWs = await WsClient.connect(s.server.httpPort!, 'ws fifth', { localAddress: '127.0.0.4' });
    expect(await refusedWs.next()).toMatchObject({
      type: 'notice',
      code: 'connecting-too-fast',
      level: 'error',
      retryAfterSeconds: expect.any(Number),
    });
    expect(await refusedWs.waitClosed()).toBe(1000);

    const other = await joinFrom(s.port, '127.0.0.5');
    expect(other.name).toBe('erin');
    expect(await watcher.nextLine()).toBe(joined('erin'));
    expect(watcher.unread()).toEqual([]);
    expect(connectedNames(s)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
  });
});

describe('the floods of issue 10, with the default limits', () => {
  it('2,000 idle sockets from one address (--max-clients 2000) no longer lock everyone else out', async () => {
    const s = await start({ maxClients: 2_000 });
    const flood: Socket[] = [];
    for (let at = 0; at < 2_000; at += 250) {
      flood.push(...(await Promise.all(Array.from({ length: 250 }, () => rawConnect(s.port, '127.0.0.2')))));
    }
    // At most 128 may stay (fewer: the connect throttle lets 120 in at once); the rest are refused.
    const open = () => flood.filter((socket) => !socket.closed).length;
    await waitUntil(
      () => open() <= 128,
      30_000,
      'the flood to be refused',
      () => `${open()} still open`,
    );
    if (process.env['PROTECTION_DEBUG'])
      console.log(`idle flood: ${open()} of 2000 left open, ${connectedNames(s).length} joined`);
    const newcomer = await joinFrom(s.port, '127.0.0.3');
    expect(newcomer.client.lines[0]).toMatch(/^\[\*\] Welcome, /);
    expect(connectedNames(s).length).toBeLessThanOrEqual(129);
  }, 60_000);

  it('a join/part flood from one address is throttled: the room sees its first 120 joins, then about two a second', async () => {
    const s = await start({});
    const watcher = await s.join();
    const started = Date.now();
    let welcomed = 0;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const client = await LineClient.connect(s.port, `cycle ${i}`, { localAddress: '127.0.0.2' });
      const first = await client.nextLine();
      if (first.startsWith('[*] Welcome')) welcomed++;
      else if (first.startsWith('[!] connecting too fast from your address')) refused++;
      else throw new Error(`unexpected first line: ${first}`);
      client.destroy();
    }
    const seconds = (Date.now() - started) / 1000;
    if (process.env['PROTECTION_DEBUG'])
      console.log(`join/part flood: ${welcomed} admitted, ${refused} refused in ${seconds.toFixed(1)} s`);
    expect(welcomed + refused).toBe(300);
    expect(welcomed).toBeGreaterThanOrEqual(120);
    expect(welcomed).toBeLessThanOrEqual(120 + Math.ceil(2 * seconds));
    // The room saw exactly the admitted ones come (and go).
    watcher.send('/who');
    await watcher.readUntil(/^\[\*\] 1 online/, 10_000);
    // One by one, or summed up once past 50 a second (`[+] N joined: ...`, at most a second later).
    const seen = () =>
      watcher.lines.filter((l) => l.endsWith(' joined the chat')).length +
      watcher.lines.reduce((sum, l) => sum + Number(/^\[\+\] (\d+) joined: /.exec(l)?.[1] ?? 0), 0);
    await waitUntil(
      () => seen() >= 1 + welcomed,
      5_000,
      'every admitted join announced',
      () => `${seen()} of ${1 + welcomed}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(seen()).toBe(1 + welcomed);
  }, 60_000);
});

describeWithTool(OPENSSL, 'TLS: no connection escapes admission', () => {
  let cert: TestCertificate;
  let tls: { cert: Buffer; key: Buffer };
  beforeAll(() => {
    cert = makeCertificate();
    tls = { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) };
  });
  afterAll(() => cert.remove());

  it('destroys a connection that does not finish its handshake within --handshake-timeout, on the chat port and on HTTPS', async () => {
    const s = await start({ tls, handshakeTimeoutSeconds: 0.3, httpPort: 0 });
    const stuck = await rawConnect(s.port);
    const stuckWeb = await rawConnect(s.server.httpPort!);
    await closed(stuck);
    await closed(stuckWeb);
    // The chat goes on.
    const client = await LineClient.connect(s.port, 'tls client', { tls: true });
    expect(await client.nextLine()).toBe(welcome('alice'));
  });

  it('counts connections still in their handshake toward --max-clients: the next TLS client is told the server is full, after its handshake', async () => {
    const s = await start({ tls, maxClients: 2, handshakeTimeoutSeconds: 30 });
    const stuck = [await rawConnect(s.port), await rawConnect(s.port)];
    const refused = await LineClient.connect(s.port, 'third', { tls: true });
    expect(await refused.readUntilClosed()).toEqual(['[!] server full']);
    // A handshake given up frees its place.
    stuck[0]!.destroy();
    const admitted = await retryJoin(s.port, { tls: true });
    expect(admitted.lines[0]).toBe(welcome('alice'));
    expect(stuck[1]!.closed).toBe(false);
  });

  it('counts them per address too; a refused TLS client gets its line once its handshake is done', async () => {
    const s = await start({ tls, maxClientsPerIp: 1, handshakeTimeoutSeconds: 30 });
    await rawConnect(s.port, '127.0.0.2');
    const refused = await LineClient.connect(s.port, 'second from 127.0.0.2', { tls: true, localAddress: '127.0.0.2' });
    expect(await refused.readUntilClosed()).toEqual(['[!] too many connections from your address (max 1)']);
    const other = await LineClient.connect(s.port, 'from 127.0.0.3', { tls: true, localAddress: '127.0.0.3' });
    expect(await other.nextLine()).toBe(welcome('alice'));
    expect(connectedNames(s)).toEqual(['alice']);
  });

  it('closes a refused connection that does not finish its handshake within the close timeout', async () => {
    const s = await start({ tls, maxClientsPerIp: 1, handshakeTimeoutSeconds: 30, closeTimeoutMs: 200 });
    const admitted = await rawConnect(s.port, '127.0.0.2');
    const refused = await rawConnect(s.port, '127.0.0.2');
    await closed(refused);
    expect(admitted.closed).toBe(false);
  });
});

/** Joins once the server has taken in that a place was freed (the freeing travels through the event loop). */
async function retryJoin(port: number, options: { tls?: boolean }): Promise<LineClient> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const client = await LineClient.connect(port, 'retry', options);
    const first = await client.nextLine();
    if (first.startsWith('[*] Welcome') || Date.now() > deadline) return client;
    client.destroy();
  }
}

describeWithTool(OPENSSL, 'the web server', () => {
  let cert: TestCertificate;
  beforeAll(() => {
    cert = makeCertificate();
  });
  afterAll(() => cert.remove());

  async function listening(options: Parameters<typeof createWebServer>[0]) {
    const web = createWebServer(options);
    await new Promise<void>((resolve) => web.listen(0, HOST, resolve));
    const port = (web.address() as { port: number }).port;
    return {
      port,
      close: () => new Promise<void>((resolve) => (web.closeAllConnections(), web.close(() => resolve()))),
    };
  }

  it('answers 408 and closes a connection that sends no complete request within its headers timeout (a request that never upgrades)', async () => {
    const web = await listening({ routes: new Map(), headersTimeoutMs: 300 });
    try {
      const silent = await rawConnect(web.port);
      const partial = await rawConnect(web.port);
      partial.write('GET /ws HTTP/1.1\r\nHost: x\r\n');
      const answers: string[] = [];
      partial.on('data', (chunk: Buffer) => answers.push(chunk.toString('latin1')));
      await closed(silent);
      await closed(partial);
      expect(answers.join('')).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await web.close();
    }
  });

  it('with TLS, destroys a connection whose handshake does not finish in time', async () => {
    const tls = { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) };
    const web = await listening({ routes: new Map(), tls, handshakeTimeoutMs: 300 });
    try {
      await closed(await rawConnect(web.port));
    } finally {
      await web.close();
    }
  });
});
