/**
 * `--data-dir` (issue 16) on the real server process: what reached anyone survives a `kill -9`,
 * a session survives the restart and resumes with nothing missed, and a directory that cannot hold
 * the store stops the server at start with a clear error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineClient, destroyAllClients } from '../support/line-client';
import { ServerProcess } from '../support/processes';

jest.setTimeout(30_000);

const SESSION = /^\[\*\] session ([A-Za-z0-9_-]{24}) \(/;
const HISTORY = /^\[history [^\]]+\] /;

let dir: string;
const servers: ServerProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rxchat-data-'));
});

afterEach(async () => {
  destroyAllClients();
  await Promise.all(servers.splice(0).map((server) => server.kill()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(extra: readonly string[] = []): Promise<{ server: ServerProcess; port: number }> {
  const server = new ServerProcess(['--port', '0', '--no-http', '--rate', '0', '--data-dir', dir, ...extra]);
  servers.push(server);
  const { port } = await server.listening(15_000);
  return { server, port };
}

async function welcomed(port: number, label: string): Promise<{ client: LineClient; name: string }> {
  const client = await LineClient.connect(port, label);
  const name = /Welcome, (\S+)!/.exec(await client.readUntil(/Welcome, /))![1]!;
  await client.readUntil(`${name} joined the chat`);
  return { client, name };
}

describe('rxchat-server --data-dir', () => {
  it('keeps what reached anyone through a kill -9, and a session resumes after the restart with nothing missed', async () => {
    const first = await start();
    const alice = await welcomed(first.port, 'alice');
    const bob = await welcomed(first.port, 'bob');
    await alice.client.readUntil(`${bob.name} joined the chat`);
    bob.client.send('/session ids');
    const token = (await bob.client.readUntil(SESSION)).match(SESSION)![1]!;
    alice.client.send('seen by bob');
    const seen = await bob.client.readUntil(/seen by bob$/);
    const lastId = Number(/^@id=(\d+) /.exec(seen)![1]);
    alice.client.send('last words');
    await bob.client.readUntil(/last words$/);
    // Gone without a goodbye: nothing flushed, nothing detached.
    first.server.signal('SIGKILL');
    await first.server.waitExit();

    const second = await start();
    const carol = await LineClient.connect(second.port, 'carol');
    await carol.readUntil(/Welcome, /);
    const scrollback = [await carol.nextLine(), await carol.nextLine()];
    expect(scrollback.map((line) => line.replace(HISTORY, ''))).toEqual([
      `${alice.name}: seen by bob`,
      `${alice.name}: last words`,
    ]);

    const back = await LineClient.connect(second.port, 'bob again');
    await back.readUntil(/ joined the chat$/);
    back.send(`/resume ${token} all ids #lobby=${lastId}`);
    await back.readUntil(`[*] resumed as ${bob.name} in #lobby`);
    expect(await back.nextLine()).toMatch(
      new RegExp(`^@id=${lastId + 1} \\[history [^\\]]+\\] ${alice.name}: last words$`),
    );
  });

  it('refuses a directory it cannot use, at start, with exit code 1 and the reason', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const server = new ServerProcess(['--port', '0', '--no-http', '--data-dir', join(file, 'under')]);
    servers.push(server);
    const exit = await server.waitExit(15_000);
    expect(exit.code).toBe(1);
    expect(server.stderr).toMatch(/^rxchat-server: cannot use --data-dir .*a-file\/under: /);
  });

  it('refuses a store file that is not one, without touching it', async () => {
    writeFileSync(join(dir, 'chat.db'), 'hello, I am somebody else’s file');
    const server = new ServerProcess(['--port', '0', '--no-http', '--data-dir', dir]);
    servers.push(server);
    const exit = await server.waitExit(15_000);
    expect(exit.code).toBe(1);
    expect(server.stderr).toMatch(/^rxchat-server: cannot use --data-dir /);
    expect(readFileSync(join(dir, 'chat.db'), 'utf8')).toBe('hello, I am somebody else’s file');
  });
});
