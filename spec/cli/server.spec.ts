/**
 * The real CLI, spawned as `node dist/cli/server.js` (built by `npm test`'s pretest).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineClient } from '../support/line-client';
import { ServerProcess, requireBuiltServer } from '../support/processes';

const WELCOME = /^\[\*\] Welcome, ([A-Za-z0-9._-]{1,32})! Type \/help for commands\.$/;
const processes: ServerProcess[] = [];
const clients: LineClient[] = [];

function start(args: readonly string[], env?: Record<string, string>): ServerProcess {
  const server = new ServerProcess(args, env);
  processes.push(server);
  return server;
}

async function join(port: number): Promise<{ client: LineClient; name: string }> {
  const client = await LineClient.connect(port);
  clients.push(client);
  const name = (await client.nextLine()).match(WELCOME)?.[1];
  if (name === undefined) throw new Error(`no welcome line: ${JSON.stringify(client.lines)}`);
  expect(await client.nextLine()).toBe(`${name} joined the chat`);
  return { client, name };
}

beforeAll(() => requireBuiltServer());

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(processes.splice(0).map((server) => server.kill()));
});

describe('rxchat-server (the CLI)', () => {
  it('prints "Server listening on HOST:PORT" with the port it really got, and serves chat there', async () => {
    const server = start(['--host', '127.0.0.1', '--port', '0']);
    const { host, port } = await server.listening();
    expect(host).toBe('127.0.0.1');
    expect(port).toBeGreaterThan(0);

    const { name } = await join(port);
    await server.waitForLine(new RegExp(`^\\[\\+\\] ${name} connected from 127\\.0\\.0\\.1:\\d+$`));
  });

  it('prints the server log on stdout: connections, messages and disconnections', async () => {
    const server = start(['--port', '0']);
    const { port } = await server.listening();
    const alice = await join(port);
    const bob = await join(port);
    expect(await alice.client.nextLine()).toBe(`${bob.name} joined the chat`);

    await alice.client.write('hello from the cli test\n');
    expect(await bob.client.nextLine()).toBe(`${alice.name}: hello from the cli test`);
    await server.waitForLine(new RegExp(`^${alice.name}: hello from the cli test$`));

    alice.client.end();
    expect(await bob.client.nextLine()).toBe(`[-] ${alice.name} left the chat.`);
    await server.waitForLine(new RegExp(`^\\[-\\] ${alice.name} disconnected$`));
  });

  it('applies the admission flags: one more connection than --max-clients-per-ip is refused with one line', async () => {
    const server = start([
      '--port',
      '0',
      '--max-clients-per-ip',
      '1',
      '--connect-rate',
      '10',
      '--handshake-timeout',
      '5',
      '--max-total-buffer-bytes',
      '1048576',
    ]);
    const { port } = await server.listening();
    await join(port);
    const refused = await LineClient.connect(port, 'second');
    clients.push(refused);
    expect(await refused.readUntilClosed()).toEqual(['[!] too many connections from your address (max 1)']);
  });

  it('logs nothing but the listening line with --quiet, and still serves chat', async () => {
    const server = start(['--port', '0', '--quiet']);
    const { port } = await server.listening();
    const alice = await join(port);
    const bob = await join(port);
    expect(await alice.client.nextLine()).toBe(`${bob.name} joined the chat`);
    await alice.client.write('quietly\n');
    expect(await bob.client.nextLine()).toBe(`${alice.name}: quietly`);
    server.signal('SIGTERM');
    expect(await server.waitExit(5_000)).toEqual({ code: 0, signal: null });
    expect(server.stdout).not.toContain(alice.name);
    expect(server.stdout).not.toContain('quietly');
    expect(server.stdout).toMatch(/^Server listening on 127\.0\.0\.1:\d+\n/);
  });

  it('takes the port and host from CHAT_PORT and CHAT_HOST', async () => {
    // Without the variable the default port would be 5000.
    const server = start([], { CHAT_PORT: '0', CHAT_HOST: '127.0.0.1' });
    const { host, port } = await server.listening();
    expect(host).toBe('127.0.0.1');
    expect(port).not.toBe(5000);
    await join(port);
  });

  it('reads CHAT_PORT and CHAT_HOST, rejecting invalid values', async () => {
    const badPort = start([], { CHAT_PORT: 'http' });
    expect(await badPort.waitExit()).toEqual({ code: 2, signal: null });
    expect(badPort.stderr).toContain('invalid --port: "http"');

    const badHost = start(['--port', '0'], { CHAT_HOST: '' });
    expect(await badHost.waitExit()).toEqual({ code: 2, signal: null });
    expect(badHost.stderr).toContain('invalid host');
  });

  it('lets flags win over the environment', async () => {
    const server = start(['--port', '0', '--host', '127.0.0.1'], { CHAT_PORT: 'not-a-port', CHAT_HOST: '' });
    const { host } = await server.listening();
    expect(host).toBe('127.0.0.1');
  });

  it('prints the usage with --help and exits 0', async () => {
    const server = start(['--help']);
    expect(await server.waitExit()).toEqual({ code: 0, signal: null });
    expect(server.stdout).toMatch(/^Usage: rxchat-server \[options\]/);
    expect(server.stdout).toContain('--port');
    expect(server.stderr).toBe('');
  });

  it("prints the package's version with --version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const server = start(['--version']);
    expect(await server.waitExit()).toEqual({ code: 0, signal: null });
    expect(server.stdout).toBe(`${version}\n`);
  });

  it.each([
    [['--bogus'], /bogus/],
    [['--port', 'abc'], /invalid --port: "abc"/],
    [['--port', '70000'], /invalid --port: "70000"/],
    [['stray'], /unexpected argument: stray/],
  ])('rejects %j with a message on stderr, a pointer to --help, and exit code 2', async (args, message) => {
    const server = start(args);
    expect(await server.waitExit()).toEqual({ code: 2, signal: null });
    expect(server.stderr).toMatch(/^rxchat-server: /);
    expect(server.stderr).toMatch(message);
    expect(server.stderr).toContain('Try --help');
    expect(server.stdout).toBe('');
  });

  // SIGHUP (the terminal went away) shuts down as gracefully as SIGTERM, not with Node's silent default.
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'on %s tells every client "[*] server shutting down", closes their sockets and exits 0 within 5 s',
    async (signal) => {
      const server = start(['--port', '0']);
      const { port } = await server.listening();
      const alice = await join(port);
      const bob = await join(port);
      expect(await alice.client.nextLine()).toBe(`${bob.name} joined the chat`);

      server.signal(signal);
      const exit = server.waitExit(5_000);
      expect(await alice.client.nextLine()).toBe('[*] server shutting down');
      expect(await bob.client.nextLine()).toBe('[*] server shutting down');
      await alice.client.waitClosed();
      await bob.client.waitClosed();
      expect(await exit).toEqual({ code: 0, signal: null });
      // Nothing is announced after the shutdown.
      expect(alice.client.unread()).toEqual([]);
      expect(bob.client.unread()).toEqual([]);
    },
  );

  /** A server shutting down on SIGTERM, held up by a client that never hangs up. */
  async function shutdownHeldUp(): Promise<ServerProcess> {
    const server = start(['--port', '0']);
    const { port } = await server.listening();
    const stubborn = await join(port);
    // Keep our side open after the server's FIN: the server must close it itself.
    stubborn.client.socket.allowHalfOpen = true;
    server.signal('SIGTERM');
    expect(await stubborn.client.nextLine()).toBe('[*] server shutting down');
    return server;
  }

  it('exits 0 on a signal even when a client never hangs up', async () => {
    const server = await shutdownHeldUp();
    expect(await server.waitExit(5_000)).toEqual({ code: 0, signal: null });
  });

  it('exits at once, with status 1, on a second signal during the shutdown', async () => {
    const server = await shutdownHeldUp();
    server.signal('SIGINT');
    expect(await server.waitExit(5_000)).toEqual({ code: 1, signal: null });
  });
});
