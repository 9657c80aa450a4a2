/**
 * The setup every relay spec file shares: one real redis-server for the file, an admin connection,
 * and nodes (and proxies) that are crashed (closed) after each test.
 */
import Redis from 'ioredis';
import type { RedisRelayOptions } from '../../../src/relay/redis-relay';
import { type RedisServer, startRedis } from '../../support/redis-server';
import { RelayNode, freshChat } from './relay-node';
import { type TcpProxy, startProxy } from './tcp-proxy';

export interface RelayFixture {
  readonly redis: RedisServer;
  /** A plain connection for looking into Redis (it reconnects after a restart). */
  readonly admin: Redis;
  /** A node of `chat` (not started), through `url` if given. */
  node(chat: string, options?: Partial<RedisRelayOptions>, url?: string): RelayNode;
  /** `count` started nodes on a fresh chat. */
  startNodes(count: number, options?: Partial<RedisRelayOptions>): Promise<RelayNode[]>;
  /** A proxy in front of the Redis (see tcp-proxy). */
  proxy(): Promise<TcpProxy>;
}

/** Call at the top of a describe: registers the hooks. `defaults` go to every node. */
export function relayFixture(defaults: Partial<RedisRelayOptions> = {}): RelayFixture {
  let redis: RedisServer | undefined;
  let admin: Redis | undefined;
  let nodes: RelayNode[] = [];
  let proxies: TcpProxy[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url, { retryStrategy: () => 50 });
  });
  afterEach(async () => {
    for (const node of nodes) node.crash();
    nodes = [];
    await Promise.all(proxies.map((proxy) => proxy.close()));
    proxies = [];
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  const fixture: RelayFixture = {
    get redis() {
      return redis!;
    },
    get admin() {
      return admin!;
    },
    node: (chat, options = {}, url = redis!.url) => {
      const node = new RelayNode(url, chat, { ...defaults, ...options });
      nodes.push(node);
      return node;
    },
    startNodes: async (count, options = {}) => {
      const chat = freshChat();
      const started = Array.from({ length: count }, () => fixture.node(chat, options));
      await Promise.all(started.map((node) => node.start()));
      return started;
    },
    proxy: async () => {
      const proxy = await startProxy(redis!.port);
      proxies.push(proxy);
      return proxy;
    },
  };
  return fixture;
}
