/**
 * The operator's endpoints end to end: /metrics scraped while real clients (TCP and WebSocket)
 * connect, chat, get rate-limited, refused and evicted, each series checked against what happened;
 * /healthz and /readyz; the metrics token.
 */
import type { ServerResponse } from 'node:http';
import { Socket, connect } from 'node:net';
import type { ConnectionLogEntry } from '../../src/metrics/connection-log';
import { createChatServer } from '../../src/server/create-chat-server';
import type { RouteHandler } from '../../src/transports/http/web-server';
import { httpGet, parseSeries, seriesDelta } from '../support/http-get';
import { HOST, LineClient, WAIT_MS, destroyAllClients } from '../support/line-client';
import { type TestServer, startServer } from '../support/test-server';
import { delay, waitUntil, withTimeout } from '../support/waiting';
import { type Frame, WsClient, terminateAllWsClients } from '../support/ws-client';

let server: TestServer | undefined;
let connectionLog: ConnectionLogEntry[] = [];

afterEach(async () => {
  terminateAllWsClients();
  destroyAllClients();
  jest.restoreAllMocks();
  await server?.stop();
  server = undefined;
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  connectionLog = [];
  server = await startServer({ httpPort: 0, onConnectionLog: (entry) => connectionLog.push(entry), ...options });
  return server;
}

const httpPort = () => server!.server.httpPort!;

async function scrape(): Promise<Map<string, number>> {
  const answer = await httpGet(httpPort(), '/metrics');
  expect(answer.status).toBe(200);
  return parseSeries(answer.body);
}

async function joinWs(name: string): Promise<WsClient> {
  const client = await WsClient.connect(httpPort(), name, { keepDefaultRoom: true, keepIds: true });
  expect(await client.next()).toEqual({ type: 'welcome', name });
  expect(await client.next()).toEqual({ type: 'joined', name, room: '#lobby' });
  return client;
}

/** What the server sent, as the clients received it: one delivery per line or frame, and their bytes on the wire. */
function received(tcp: readonly LineClient[], ws: readonly WsClient[]): { deliveries: number; bytes: number } {
  let deliveries = 0;
  let bytes = 0;
  for (const client of tcp) {
    deliveries += client.lines.length;
    bytes += client.received.length;
  }
  for (const client of ws) {
    deliveries += client.frames.length;
    bytes += frameBytes(client.frames);
  }
  return { deliveries, bytes };
}

/** Server frames are unmasked: a 2-byte header under 126 bytes of payload, 4 under 64 KiB. */
function frameBytes(frames: readonly Frame[]): number {
  let total = 0;
  for (const frame of frames) {
    // The server's payload is JSON.stringify's output, which a parse and stringify reproduces.
    const payload = Buffer.byteLength(JSON.stringify(frame));
    total += payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
  }
  return total;
}

const TCP = 'transport="tcp"';
const WS = 'transport="websocket"';

describe('GET /metrics', () => {
  it('counts connections, clients by transport, lines, deliveries and bytes as clients join, chat and leave', async () => {
    await start();
    const s0 = await scrape();
    expect([...s0.entries()].filter(([, value]) => value !== 0)).toEqual([]);
    expect(s0.has(`rxchat_clients{${TCP}}`) && s0.has(`rxchat_clients{${WS}}`)).toBe(true);

    const alice = await server!.join();
    const bob = await joinWs('bob');
    await alice.readUntil('bob joined the chat');
    const s1 = await scrape();
    expect(seriesDelta(s0, s1)).toEqual({
      [`rxchat_connections_total{${TCP}}`]: 1,
      [`rxchat_connections_total{${WS}}`]: 1,
      [`rxchat_clients{${TCP}}`]: 1,
      [`rxchat_clients{${WS}}`]: 1,
      // alice: welcome, her join, bob's join; bob: welcome, his join.
      rxchat_deliveries_total: 5,
      rxchat_bytes_sent_total: received([alice], [bob]).bytes,
    });

    alice.send('hello from tcp');
    bob.send('hello from the browser');
    await bob.until((frame) => frame.type === 'said');
    await alice.readUntil('bob: hello from the browser');
    const s2 = await scrape();
    expect(seriesDelta(s1, s2)).toEqual({
      rxchat_lines_received_total: 2,
      rxchat_deliveries_total: 2,
      rxchat_bytes_sent_total: received([alice], [bob]).bytes - s1.get('rxchat_bytes_sent_total')!,
    });

    bob.ws.close();
    await alice.readUntil('[-] bob left the chat.');
    alice.send('/quit');
    await alice.waitClosed();
    const s3 = await scrape();
    expect(seriesDelta(s2, s3)).toEqual({
      [`rxchat_clients{${WS}}`]: -1,
      [`rxchat_clients{${TCP}}`]: -1,
      rxchat_lines_received_total: 1,
      rxchat_deliveries_total: 1,
      rxchat_bytes_sent_total: Buffer.byteLength('[-] bob left the chat.\n'),
    });
    expect(s3.get('rxchat_deliveries_total')).toBe(received([alice], [bob]).deliveries);
    expect(connectionLog).toEqual([]);
  });

  it('counts lines dropped by the rate limiter and for being too long, on both transports', async () => {
    // A token every 1,000 s: the drops do not depend on how fast the test runs.
    await start({ rate: 0.001, burst: 2, maxLineBytes: 64 });
    const alice = await server!.join();
    const bob = await joinWs('bob');
    await alice.readUntil('bob joined the chat');
    const s1 = await scrape();

    // An over-long line costs a token too: each sends one first, then a line that passes, then drops.
    await alice.write(`${'x'.repeat(65)}\na1\na2\na3\n`); // two dropped, one notice
    bob.send('y'.repeat(65));
    bob.send('b1');
    bob.send('b2'); // dropped, with a notice
    await alice.readUntil('[!] line too long (max 64 bytes)');
    await alice.readUntil('[!] rate limit exceeded, message dropped');
    await alice.readUntil('bob: b1');
    await bob.until((frame) => frame.type === 'notice' && frame['code'] === 'line-too-long');
    await bob.until((frame) => frame.type === 'notice' && frame['code'] === 'rate-limited');

    const s2 = await scrape();
    expect(seriesDelta(s1, s2)).toEqual({
      rxchat_lines_received_total: 7,
      'rxchat_lines_dropped_total{reason="rate-limited"}': 3,
      'rxchat_lines_dropped_total{reason="line-too-long"}': 2,
      // Each gets the other's line, a rate-limit notice and a line-too-long notice.
      rxchat_deliveries_total: 6,
      rxchat_bytes_sent_total: received([alice], [bob]).bytes - s1.get('rxchat_bytes_sent_total')!,
    });
    expect(alice.unread()).toEqual([]);
  });

  it('counts connections refused when the server is full, on both transports, and records them', async () => {
    await start({ maxClients: 1 });
    const alice = await server!.join();
    const s1 = await scrape();

    const third = await WsClient.connect(httpPort(), 'third', { keepDefaultRoom: true });
    expect(await third.next()).toMatchObject({ type: 'notice', code: 'server-full' });
    await third.waitClosed();
    const fourth = await LineClient.connect(server!.port, 'fourth');
    const fourthPort = fourth.socket.localPort;
    expect(await fourth.readUntilClosed()).toEqual(['[!] server full']);

    const s2 = await scrape();
    expect(seriesDelta(s1, s2)).toEqual({
      [`rxchat_connections_total{${WS}}`]: 1,
      [`rxchat_connections_total{${TCP}}`]: 1,
      'rxchat_connections_refused_total{reason="server-full"}': 2,
      rxchat_deliveries_total: 2,
      rxchat_bytes_sent_total: received([alice, fourth], [third]).bytes - s1.get('rxchat_bytes_sent_total')!,
    });
    expect(connectionLog).toEqual([
      {
        type: 'refused',
        reason: 'server-full',
        transport: 'websocket',
        id: expect.any(String),
        remote: { address: HOST, port: expect.any(Number) },
        at: expect.any(Number),
      },
      {
        type: 'refused',
        reason: 'server-full',
        transport: 'tcp',
        id: expect.any(String),
        remote: { address: HOST, port: fourthPort },
        at: expect.any(Number),
      },
    ]);
  });

  it("counts another site's page refused at the WebSocket upgrade", async () => {
    await start();
    const s1 = await scrape();
    await expect(WsClient.connect(httpPort(), 'evil', { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(WsClient.connect(httpPort(), 'lost', { path: '/elsewhere' })).rejects.toThrow('HTTP 404');
    expect(seriesDelta(s1, await scrape())).toEqual({
      'rxchat_connections_refused_total{reason="forbidden-origin"}': 1,
    });
    expect(connectionLog).toEqual([
      {
        type: 'refused',
        reason: 'forbidden-origin',
        transport: 'websocket',
        remote: { address: HOST, port: expect.any(Number) },
        at: expect.any(Number),
      },
    ]);
  });

  it('counts evictions for idleness on both transports, and records them', async () => {
    await start({ idleTimeoutSeconds: 0.5 });
    const s0 = await scrape();
    const alice = await LineClient.connect(server!.port, 'alice');
    const bob = await WsClient.connect(httpPort(), 'bob', { keepDefaultRoom: true });
    await alice.waitClosed();
    await bob.waitClosed();
    expect(alice.lines).toContain('[!] idle timeout');

    const s1 = await scrape();
    expect(seriesDelta(s0, s1)).toEqual({
      [`rxchat_connections_total{${TCP}}`]: 1,
      [`rxchat_connections_total{${WS}}`]: 1,
      'rxchat_evictions_total{reason="idle-timeout"}': 2,
      rxchat_deliveries_total: received([alice], [bob]).deliveries,
      rxchat_bytes_sent_total: received([alice], [bob]).bytes,
    });
    expect(s1.get(`rxchat_clients{${TCP}}`)).toBe(0);
    expect(connectionLog.map((entry) => [entry.type, entry.reason, entry.transport]).sort()).toEqual([
      ['evicted', 'idle-timeout', 'tcp'],
      ['evicted', 'idle-timeout', 'websocket'],
    ]);
  });

  it('counts slow readers evicted on both transports', async () => {
    await start({ maxBufferBytes: 64 * 1024 });
    const [alice, bob] = await server!.joinAll(2);
    const carol = await joinWs('carol');
    await alice!.readUntil('carol joined the chat');
    await bob!.readUntil('carol joined the chat');
    const s1 = await scrape();

    // Bob and carol stop reading; alice writes until the server has let both go.
    bob!.socket.pause();
    (carol.ws as unknown as { _socket: Socket })._socket.pause();
    const gone = () => connectionLog.length >= 2;
    const line = 'z'.repeat(3_000);
    let sent = 0;
    for (; sent < 4_000 && !gone(); sent++) {
      alice!.send(line);
      if (sent % 50 === 49) await delay(5);
    }
    await waitUntil(gone, WAIT_MS, 'both slow readers to be evicted', () => JSON.stringify(connectionLog));
    await alice!.readUntil('[-] carol left the chat.', 10_000);
    // Alice's lines were all handled before the next scrape: she sees the answer to one more.
    alice!.send('/who');
    await alice!.readUntil(/^\[\*\] 1 online/);

    const s2 = await scrape();
    const { rxchat_deliveries_total, rxchat_bytes_sent_total, ...rest } = seriesDelta(s1, s2);
    expect(rest).toEqual({
      [`rxchat_clients{${TCP}}`]: -1,
      [`rxchat_clients{${WS}}`]: -1,
      'rxchat_evictions_total{reason="slow-reader"}': 2,
      rxchat_lines_received_total: sent + 1,
    });
    expect(rxchat_deliveries_total).toBeGreaterThan(0);
    expect(rxchat_bytes_sent_total).toBeGreaterThan(0);
    expect(connectionLog.map((entry) => [entry.type, entry.reason, entry.transport]).sort()).toEqual([
      ['evicted', 'slow-reader', 'tcp'],
      ['evicted', 'slow-reader', 'websocket'],
    ]);
  });

  it('counts a client whose socket write fails as evicted for a write error', async () => {
    await start();
    const [alice, bob, carol] = await server!.joinAll(3);
    const s1 = await scrape();

    const victimPort = bob!.socket.localPort;
    // The kernel fails bob's writes: the stream sees the error, whether the write carried a callback or not.
    const sockets = Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => void };
    const realWrite = sockets._writeGeneric;
    jest.spyOn(sockets, '_writeGeneric').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (this.localPort === server!.port && this.remotePort === victimPort) {
        const callback = args[3] as (error?: Error) => void;
        process.nextTick(() => callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
        return;
      }
      realWrite.apply(this, args);
    });
    await alice!.write('are you there?\n');
    await carol!.readUntil('[-] bob left the chat.');
    await alice!.readUntil('[-] bob left the chat.');
    jest.restoreAllMocks();

    const s2 = await scrape();
    expect(seriesDelta(s1, s2)).toEqual({
      [`rxchat_clients{${TCP}}`]: -1,
      'rxchat_evictions_total{reason="write-error"}': 1,
      rxchat_lines_received_total: 1,
      // The line to bob and carol (bob's failed), then the leave to alice and carol.
      rxchat_deliveries_total: 4,
      rxchat_bytes_sent_total:
        2 * Buffer.byteLength('alice: are you there?\n') + 2 * Buffer.byteLength('[-] bob left the chat.\n'),
    });
    expect(connectionLog).toEqual([
      expect.objectContaining({
        type: 'evicted',
        reason: 'write-error',
        transport: 'tcp',
        remote: { address: HOST, port: victimPort },
      }),
    ]);
  });

  it('shows output held for a client that stopped reading, and 0 once it has caught up', async () => {
    await start();
    const [alice, bob] = await server!.joinAll(2);
    bob!.socket.pause();
    const batch = `${'b'.repeat(1_000)}\n`.repeat(64);
    let buffered = 0;
    let batches = 0;
    // Loopback buffers absorb a few MB before the server holds any: bounded at 64 MB.
    for (; buffered === 0 && batches < 1_000; batches++) {
      await alice!.write(batch);
      await delay(2);
      buffered = (await scrape()).get('rxchat_output_buffered_bytes')!;
    }
    expect(buffered).toBeGreaterThan(0);
    expect(buffered).toBeLessThanOrEqual(batches * Buffer.byteLength(`alice: ${'b'.repeat(1_000)}\n`) * 64);

    bob!.socket.resume();
    // His welcome and join, then alice's lines.
    await waitUntil(() => bob!.lines.length === 2 + batches * 64, 10_000, 'bob to read every line');
    expect((await scrape()).get('rxchat_output_buffered_bytes')).toBe(0);
  });

  it('keeps the metrics of two servers in one process apart', async () => {
    await start();
    await server!.join();
    const other = await createChatServer({ host: HOST, port: 0, httpPort: 0 });
    try {
      const mine = await scrape();
      const theirs = parseSeries((await httpGet(other.httpPort!, '/metrics')).body);
      expect(mine.get(`rxchat_clients{${TCP}}`)).toBe(1);
      expect(theirs.get(`rxchat_clients{${TCP}}`)).toBe(0);
      // Node's process metrics are on both pages.
      expect((await httpGet(other.httpPort!, '/metrics')).body).toMatch(/^process_cpu_user_seconds_total /m);
    } finally {
      await other.close();
    }
  });

  it('answers in the Prometheus text format, with Node process metrics', async () => {
    await start();
    const answer = await httpGet(httpPort(), '/metrics');
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(answer.body).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(answer.body).toMatch(/^# TYPE rxchat_clients gauge$/m);
    expect(answer.body).toMatch(/^# TYPE rxchat_connections_total counter$/m);
    expect((await httpGet(httpPort(), '/metrics', { method: 'HEAD' })).status).toBe(200);
    expect((await httpGet(httpPort(), '/metrics', { method: 'POST' })).status).toBe(405);
  });
});

describe('the metrics token', () => {
  it('requires "Authorization: Bearer TOKEN" on /metrics only', async () => {
    await start({ metricsToken: 's3cret-t0ken' });
    const none = await httpGet(httpPort(), '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="rxchat metrics"');
    expect(none.body).not.toContain('rxchat_');
    for (const authorization of [
      'Bearer wrong',
      'Bearer s3cret-t0ke',
      'Bearer s3cret-t0ken2',
      's3cret-t0ken',
      'Basic s3cret-t0ken',
    ]) {
      expect((await httpGet(httpPort(), '/metrics', { headers: { Authorization: authorization } })).status).toBe(401);
    }
    const good = await httpGet(httpPort(), '/metrics', { headers: { Authorization: 'Bearer s3cret-t0ken' } });
    expect(good.status).toBe(200);
    expect(good.body).toContain('rxchat_clients');
    expect((await httpGet(httpPort(), '/healthz')).status).toBe(200);
    expect((await httpGet(httpPort(), '/readyz')).status).toBe(200);
  });
});

describe('GET /healthz and /readyz', () => {
  it('answer 200 while the server serves and accepts chat connections', async () => {
    await start();
    expect(await httpGet(httpPort(), '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await httpGet(httpPort(), '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
    expect(server!.server.ready()).toBeUndefined();
  });

  it('/readyz answers 503 "shutting down" once a shutdown has begun, while /healthz still answers 200', async () => {
    // A route that holds its answer keeps an HTTP connection busy across the start of the shutdown (the
    // listener closes, a busy connection stays); requests pipelined on it are handled as they are read.
    const held: ServerResponse[] = [];
    const barrier: RouteHandler = (_request, response) => void held.push(response);
    await start({ closeTimeoutMs: 2_000, httpRoutes: new Map([['/barrier', barrier]]) });
    expect((await httpGet(httpPort(), '/readyz')).status).toBe(200);
    // A client that never hangs up holds the shutdown open.
    await LineClient.connect(server!.port, 'stuck', { allowHalfOpen: true });

    const socket = connect({ host: HOST, port: httpPort() });
    let answers = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (answers += chunk));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const get = (path: string, last = false) =>
      `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\n${last ? 'Connection: close\r\n' : ''}\r\n`;
    socket.write(get('/barrier'));
    await waitUntil(() => held.length === 1, WAIT_MS, 'the first held request');

    const closing = server!.server.close();
    expect(server!.server.ready()).toBe('shutting down');
    socket.write(get('/readyz') + get('/healthz') + get('/barrier', true));
    // The second barrier is handled after the probes before it: they were answered during the shutdown.
    await waitUntil(() => held.length === 2, WAIT_MS, 'the second held request');
    for (const response of held) response.end();
    await withTimeout(ended, WAIT_MS, 'the pipelined answers');
    const statuses = [...answers.matchAll(/^HTTP\/1\.1 (\d+) /gm)].map((match) => Number(match[1]));
    expect(statuses).toEqual([200, 503, 200, 200]);
    expect(answers).toContain('\r\n\r\nshutting down\nHTTP/1.1 200 ');
    await withTimeout(closing, 5_000, 'the server to close');
  });

  it('/readyz answers 503 with the reason the ready hook gives (a relay down), and 200 once it is back', async () => {
    let relay: string | undefined = 'relay disconnected';
    await start({ ready: () => relay });
    expect(await httpGet(httpPort(), '/readyz')).toMatchObject({ status: 503, body: 'relay disconnected\n' });
    expect((await httpGet(httpPort(), '/healthz')).status).toBe(200);
    relay = undefined;
    expect(await httpGet(httpPort(), '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
  });
});
