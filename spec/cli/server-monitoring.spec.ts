/**
 * The operator's view of the real CLI: `--log-format json` parsed line by line against what the
 * clients did, and the endpoints of a running `rxchat-server` with its metrics token.
 */
import { httpGet, parseSeries } from '../support/http-get';
import { LineClient } from '../support/line-client';
import { ServerProcess, requireBuiltServer } from '../support/processes';

const WELCOME = /^\[\*\] Welcome, ([A-Za-z0-9._-]{1,32})! Type \/help for commands\.$/;
const processes: ServerProcess[] = [];
const clients: LineClient[] = [];

beforeAll(() => requireBuiltServer());

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(processes.splice(0).map((server) => server.kill()));
});

function start(args: readonly string[], env?: Record<string, string>): ServerProcess {
  const server = new ServerProcess(args, env);
  processes.push(server);
  return server;
}

async function connect(port: number, label: string): Promise<LineClient> {
  const client = await LineClient.connect(port, label);
  clients.push(client);
  return client;
}

type LogRecord = { readonly time: string; readonly level: string; readonly event: string } & Record<string, unknown>;

/** Every stdout line, each of which must be one JSON object with an ISO 8601 time, a level and an event. */
function records(stdout: string): LogRecord[] {
  const lines = stdout.split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((line) => {
    const record = JSON.parse(line) as LogRecord;
    expect(new Date(record.time).toISOString()).toBe(record.time);
    expect(['info', 'warn', 'error']).toContain(record.level);
    expect(typeof record.event).toBe('string');
    return record;
  });
}

/** Runs one short session against a JSON-logging server: a join, a message, a refusal, a /quit with a reason, SIGTERM. */
async function session(extraArgs: readonly string[]) {
  const server = start(['--port', '0', '--max-clients', '1', '--log-format', 'json', ...extraArgs]);
  const [listening] = await server.waitForLine(/^\{.*"event":"listening".*\}$/);
  const { port, httpPort } = JSON.parse(listening) as { port: number; httpPort: number };

  const alice = await connect(port, 'alice');
  const name = WELCOME.exec(await alice.nextLine())![1]!;
  await alice.write('a secret message\n');
  await server.waitForLine(/"event":"said"/);
  const refused = await connect(port, 'refused');
  const refusedPort = refused.socket.localPort;
  expect(await refused.readUntilClosed()).toEqual(['[!] server full']);
  await server.waitForLine(/"event":"refused"/);
  await alice.write('/quit see you\n');
  await alice.waitClosed();
  await server.waitForLine(/"event":"disconnected"/);
  server.signal('SIGTERM');
  expect(await server.waitExit()).toEqual({ code: 0, signal: null });
  return { server, port, httpPort, name, alicePort: alice.socket.localPort, refusedPort };
}

describe('rxchat-server --log-format json', () => {
  it('writes one JSON object per line, startup included, that tells the events without message text', async () => {
    const { server, port, httpPort, name, refusedPort } = await session([]);
    const log = records(server.stdout);
    expect(log.map((record) => record.event)).toEqual([
      'listening',
      'connected',
      'said',
      'refused',
      'disconnected',
      'shutdown',
    ]);
    const [listening, connected, said, refused, disconnected, shutdown] = log.map(({ time: _time, ...rest }) => rest);
    expect(listening).toEqual({
      level: 'info',
      event: 'listening',
      host: '127.0.0.1',
      port,
      tls: false,
      httpPort,
      url: `http://127.0.0.1:${httpPort}/`,
    });
    expect(connected).toEqual({
      level: 'info',
      event: 'connected',
      name,
      address: '127.0.0.1',
      port: expect.any(Number),
    });
    expect(said).toEqual({ level: 'info', event: 'said', name });
    expect(refused).toEqual({
      level: 'warn',
      event: 'refused',
      reason: 'server-full',
      transport: 'tcp',
      id: expect.any(String),
      address: '127.0.0.1',
      port: refusedPort,
    });
    expect(disconnected).toEqual({ level: 'info', event: 'disconnected', name, reason: 'quit' });
    expect(shutdown).toEqual({ level: 'info', event: 'shutdown', signal: 'SIGTERM' });
    expect(server.stdout).not.toContain('secret');
    expect(server.stdout).not.toContain('see you');
  });

  it('includes message text with --log-messages', async () => {
    const { server, name } = await session(['--log-messages']);
    const log = records(server.stdout);
    expect(log.find((record) => record.event === 'said')).toMatchObject({ name, text: 'a secret message' });
    expect(log.find((record) => record.event === 'disconnected')).toMatchObject({
      name,
      reason: 'quit',
      text: 'see you',
    });
  });
});

describe('the endpoints of a running rxchat-server', () => {
  it('serves /metrics behind CHAT_METRICS_TOKEN, and /healthz and /readyz without it', async () => {
    const server = start(['--port', '0'], { CHAT_METRICS_TOKEN: 'scrape-me' });
    const { port } = await server.listening();
    const [, httpPort] = await server.waitForLine(/^Web chat on http:\/\/127\.0\.0\.1:(\d+)\/$/);
    const alice = await connect(port, 'alice');
    await alice.readLines(2);

    const web = Number(httpPort);
    expect((await httpGet(web, '/metrics')).status).toBe(401);
    const metrics = await httpGet(web, '/metrics', { headers: { Authorization: 'Bearer scrape-me' } });
    expect(metrics.status).toBe(200);
    const series = parseSeries(metrics.body);
    expect(series.get('rxchat_clients{transport="tcp"}')).toBe(1);
    expect(series.get('rxchat_connections_total{transport="tcp"}')).toBe(1);
    expect(series.get('rxchat_deliveries_total')).toBe(2);
    expect(metrics.body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(await httpGet(web, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await httpGet(web, '/readyz')).toMatchObject({ status: 200, body: 'ready\n' });
    // The text log is today's.
    expect(server.stdout.split('\n').slice(0, 3)).toEqual([
      `Server listening on 127.0.0.1:${port}`,
      `Web chat on http://127.0.0.1:${httpPort}/`,
      expect.stringMatching(/^\[\+\] \S+ connected from 127\.0\.0\.1:\d+$/),
    ]);
  });
});
