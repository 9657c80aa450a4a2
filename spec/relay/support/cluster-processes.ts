/**
 * What the specs with real server processes (`rxchat-server --redis`) share: a redis-server of their
 * own per test, processes started on free ports, nc-style clients joined to them, all stopped after.
 */
import { LineClient } from '../../support/line-client';
import { ServerProcess, requireBuiltServer } from '../../support/processes';
import { type RedisServer, startRedis } from '../../support/redis-server';

export const WELCOME = /^\[\*\] Welcome, (\S+)! Type \/help for commands\.$/;
/** Short enough for tests, long enough for a loaded 2-core machine. */
export const NODE_TIMEOUT_SECONDS = 2;

/** A connected client and the name the chat gave it. */
export interface Member {
  readonly client: LineClient;
  readonly name: string;
}

/** Registers the hooks (call it inside a `describe`) and returns what the tests start things with. */
export function clusterProcesses() {
  let current: RedisServer | undefined;
  const processes: ServerProcess[] = [];
  const clients: LineClient[] = [];

  beforeAll(() => requireBuiltServer());

  beforeEach(async () => {
    current = await startRedis();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all(processes.splice(0).map((server) => server.kill()));
    await current?.stop();
  });

  /** This test's redis-server. */
  const redis = (): RedisServer => current!;

  /** A process on a free port sharing the chat over this test's Redis; `web` adds a free HTTP port. */
  async function startProcess(web = false): Promise<{ server: ServerProcess; port: number }> {
    const server = new ServerProcess([
      '--port',
      '0',
      ...(web ? ['--http-port', '0'] : ['--no-http']),
      '--rate',
      '0',
      '--redis',
      redis().url,
      '--node-timeout',
      String(NODE_TIMEOUT_SECONDS),
    ]);
    processes.push(server);
    const { port } = await server.listening(10_000);
    return { server, port };
  }

  /** Connects to `port` and reads the welcome and its own join. */
  async function join(port: number, label: string): Promise<Member> {
    const client = await LineClient.connect(port, label);
    clients.push(client);
    const name = (await client.nextLine(10_000)).match(WELCOME)?.[1];
    if (name === undefined) throw new Error(`${label}: no welcome: ${JSON.stringify(client.lines)}`);
    await client.readUntil(`${name} joined the chat`);
    return { client, name };
  }

  /** Joins one client per port, each after everyone before it saw the previous join. */
  async function joinAll(ports: readonly number[]): Promise<Member[]> {
    const joined: Member[] = [];
    for (const [i, port] of ports.entries()) {
      const next = await join(port, `client${i}@${port}`);
      for (const other of joined) await other.client.readUntil(`${next.name} joined the chat`, 10_000);
      joined.push(next);
    }
    return joined;
  }

  return { redis, startProcess, join, joinAll };
}
