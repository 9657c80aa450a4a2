/**
 * rxchat as a cluster for the bench: a fresh redis-server (Debian's, `--save ''`) and N rxchat
 * processes sharing one chat over it. As a `RunningServer`, its CPU is all the rxchat processes'
 * together (Redis's is reported apart), and its clients spread over the processes' ports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { Redis } from 'ioredis';
import { type Connect, Client, type LoadClient, type StampHandler } from './client';
import { processCpuMicros } from './proc';
import { type RunningServer, type ServerKind, startServer } from './server-process';
import { sleep } from './sync';

export interface ClusterServer extends RunningServer {
  readonly ports: readonly number[];
  /** Each rxchat process on its own, in the order of `ports`. */
  readonly members: readonly RunningServer[];
  redisCpuMicros(): number;
  /**
   * Requests the processes sent Redis so far: INFO commandstats, counting a script call once (not the
   * commands inside it) and leaving out the bench's own INFO.
   */
  redisCommands(): Promise<number>;
  /** Redis's INFO section, e.g. 'commandstats'. */
  redisInfo(section: string): Promise<string>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startRedis(): Promise<{ child: ChildProcess; url: string; client: Redis }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // Its failures while Redis starts (or after the bench killed it) are expected.
  client.on('error', () => undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect();
      await client.ping();
      return { child, url, client };
    } catch (error) {
      if (attempt > 50) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start: ${String(error)}`, { cause: error });
      }
      client.disconnect();
      await sleep(100);
    }
  }
}

/** Starts Redis and `processes` rxchat processes (the `rxchat` kind's script and flags, plus --redis). */
export async function startCluster(kind: ServerKind, processes: number): Promise<ClusterServer> {
  const redis = await startRedis();
  const members: RunningServer[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      members.push(await startServer({ ...kind, args: [...kind.args, '--redis', redis.url] }));
    }
  } catch (error) {
    await Promise.all(members.map((member) => member.stop()));
    redis.client.disconnect();
    redis.child.kill('SIGKILL');
    throw error;
  }
  const pid = redis.child.pid!;
  return {
    kind,
    pid: members[0]!.pid,
    port: members[0]!.port,
    ports: members.map((member) => member.port),
    members,
    cpuMicros: () => members.reduce((sum, member) => sum + member.cpuMicros(), 0),
    rssBytes: () => members.reduce((sum, member) => sum + member.rssBytes(), 0),
    redisCpuMicros: () => processCpuMicros(pid),
    redisInfo: (section) => redis.client.info(section),
    redisCommands: async () => requestsFrom(await redis.client.info('commandstats')),
    stop: async () => {
      await Promise.all(members.map((member) => member.stop()));
      redis.client.disconnect();
      redis.child.kill('SIGKILL');
    },
  };
}

/** What a process sends Redis itself; the rest of what commandstats counts runs inside its scripts. */
const REQUESTS =
  /^cmdstat_(evalsha|eval|evalsha_ro|eval_ro|xread|xrange|xrevrange|ping|hello|client\|\w+|script\|\w+):calls=(\d+)/;

function requestsFrom(commandstats: string): number {
  let total = 0;
  for (const line of commandstats.split('\n')) {
    const match = REQUESTS.exec(line.trim());
    if (match !== null) total += Number(match[2]);
  }
  return total;
}

/**
 * Connects clients over `ports`, 100 handshakes at a time: round-robin (client i to ports[i % n]),
 * or `counts[k]` clients to ports[k] in index order (the first counts[0] to ports[0], ...).
 */
export function connectAcross(ports: readonly number[], counts?: readonly number[]): Connect {
  const portOf = (i: number): number => {
    if (counts === undefined) return ports[i % ports.length]!;
    let k = 0;
    let below = counts[0]!;
    while (i >= below && k < ports.length - 1) below += counts[++k]!;
    return ports[k]!;
  };
  return async (_port: number, count: number, handler: { onStamp: StampHandler }): Promise<LoadClient[]> => {
    const clients: Client[] = [];
    for (let at = 0; at < count; at += 100) {
      const batch: Client[] = [];
      for (let i = at; i < Math.min(count, at + 100); i++) batch.push(new Client(i, portOf(i), handler));
      clients.push(...batch);
      await Promise.all(batch.map((client) => client.connected));
    }
    return clients;
  };
}
