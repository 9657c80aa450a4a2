/**
 * The CLI's web side: the second startup line, a WebSocket client and an nc-style client in one
 * room, and the HTTP port's errors.
 */
import { type Server, createServer } from 'node:net';
import { LineClient } from '../support/line-client';
import { ServerProcess, requireBuiltServer } from '../support/processes';
import { WsClient, terminateAllWsClients } from '../support/ws-client';

const processes: ServerProcess[] = [];
const clients: LineClient[] = [];
let blocker: Server | undefined;

beforeAll(() => requireBuiltServer());

afterEach(async () => {
  terminateAllWsClients();
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(processes.splice(0).map((server) => server.kill()));
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
});

function start(args: readonly string[], env?: Record<string, string>): ServerProcess {
  const server = new ServerProcess(args, env);
  processes.push(server);
  return server;
}

describe('rxchat-server with the web page', () => {
  it('prints "Web chat on http://HOST:PORT/" after the listening line, and a browser client chats with an nc client', async () => {
    const server = start(['--port', '0', '--http-port', '0']);
    const { port } = await server.listening();
    const [, httpPort] = await server.waitForLine(/^Web chat on http:\/\/127\.0\.0\.1:(\d+)\/$/);
    expect(server.stdout.split('\n')[0]).toBe(`Server listening on 127.0.0.1:${port}`);
    expect(server.stdout.split('\n')[1]).toBe(`Web chat on http://127.0.0.1:${httpPort}/`);

    const nc = await LineClient.connect(port, 'nc');
    clients.push(nc);
    const name = (await nc.nextLine()).match(/Welcome, (\S+)!/)![1]!;
    const browser = await WsClient.connect(Number(httpPort), 'browser');
    const welcome = await browser.next();
    expect(welcome.type).toBe('welcome');
    await nc.readUntil(`${String(welcome['name'])} joined the chat`);
    browser.send('hello nc');
    await nc.readUntil(`${String(welcome['name'])}: hello nc`);
    nc.send('hello browser');
    expect(await browser.until((f) => f.type === 'said')).toEqual({ type: 'said', name, text: 'hello browser' });
  });

  it('runs without the web page with --no-http', async () => {
    const server = start(['--port', '0', '--no-http']);
    await server.listening();
    const { port } = await server.listening();
    const nc = await LineClient.connect(port, 'nc');
    clients.push(nc);
    await nc.nextLine();
    expect(server.stdout).not.toContain('Web chat');
  });

  it('exits 1 with a clear error when the HTTP port it was given is busy', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as { port: number }).port;
    const server = start(['--port', '0', '--http-port', String(busy)]);
    expect((await server.waitExit()).code).toBe(1);
    expect(server.stderr).toContain(`cannot listen on 127.0.0.1:${busy}`);
    const fromEnv = start(['--port', '0'], { CHAT_HTTP_PORT: String(busy) });
    expect((await fromEnv.waitExit()).code).toBe(1);
  });
});
