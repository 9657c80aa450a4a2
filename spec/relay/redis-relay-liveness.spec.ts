import Redis from 'ioredis';
import { type RedisServer, describeWithRedis, startRedis } from '../support/redis-server';
import { delay, waitUntil } from '../support/waiting';
import { RelayNode, freshChat } from './support/relay-node';

describeWithRedis('redisRelay: processes that die or stop', () => {
  let redis: RedisServer;
  let admin: Redis;
  let nodes: RelayNode[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });
  afterEach(() => {
    for (const node of nodes) node.crash();
    nodes = [];
  });

  async function startNodes(count: number): Promise<RelayNode[]> {
    const chat = freshChat();
    const started = Array.from({ length: count }, () => new RelayNode(redis.url, chat));
    nodes.push(...started);
    await Promise.all(started.map((node) => node.start()));
    return started;
  }

  it("reports a crashed process gone once its lease runs out: its clients leave everywhere", async () => {
    const [a, b, c] = await startNodes(3);
    a!.connect('alice');
    const bob = b!.connect('bob');
    const bea = b!.connect('bea');
    c!.connect('carol');
    await waitUntil(() => [a, c].every((node) => node!.model.names().length === 4), 5_000, 'four clients everywhere');

    b!.crash();
    await waitUntil(
      () => [a, c].every((node) => !node!.model.has(bob) && !node!.model.has(bea)),
      10_000,
      "b's clients gone on a and c",
      () => [a, c].map((node) => node!.describe()).join('\n'),
    );
    for (const survivor of [a!, c!]) {
      expect(survivor.received).toContainEqual(expect.objectContaining({ type: 'node-gone', node: b!.node }));
      expect([...survivor.model.names()].sort()).toEqual(['alice', 'carol']);
    }
    expect(a!.model.snapshot()).toEqual(c!.model.snapshot());
    // Once its node-gone is in the stream, the dead node is forgotten.
    let members = await admin.smembers(`${a!.chat}:nodes`);
    for (let tries = 0; members.includes(b!.node) && tries < 100; tries++) {
      await delay(20);
      members = await admin.smembers(`${a!.chat}:nodes`);
    }
    expect(members).not.toContain(b!.node);
  });

  it('on close, publishes node-stopping: the others see its clients leave, and it removes its lease', async () => {
    const [a, b] = await startNodes(2);
    const alice = a!.connect('alice');
    b!.connect('bob');
    await waitUntil(() => [a, b].every((node) => node!.model.names().length === 2), 5_000, 'two clients everywhere');

    await a!.close();
    expect(a!.completed).toBe(true);
    // Its own goodbye came back through the stream, once.
    expect(a!.received.filter((event) => event.type === 'node-stopping')).toEqual([
      expect.objectContaining({ type: 'node-stopping', node: a!.node }),
    ]);
    await waitUntil(() => !b!.model.has(alice), 5_000, "alice's leave on b");
    expect(b!.received).toContainEqual(expect.objectContaining({ type: 'node-stopping', node: a!.node }));
    expect(await admin.exists(`${a!.chat}:node:${a!.node}`)).toBe(0);
    expect(await admin.smembers(`${a!.chat}:nodes`)).not.toContain(a!.node);
    // Events after close go nowhere (no throw, no publish).
    a!.say(alice, 'too late');
    expect(b!.lines()).toEqual([]);
  });

  it('a process reported gone while alive (stalled past its lease) re-announces its clients', async () => {
    const [a, b] = await startNodes(2);
    const alice = a!.connect('alice');
    await waitUntil(() => b!.model.has(alice), 5_000, 'alice on b');

    b!.local.next({ type: 'node-gone', node: a!.node }); // what a survivor publishes when a's lease ran out
    await waitUntil(
      () => a!.received.some((event) => event.type === 'rejoined' && event.id === alice),
      5_000,
      'alice re-announced',
    );
    await waitUntil(() => b!.model.has(alice) && a!.model.has(alice), 5_000, 'alice back everywhere');
    a!.say(alice, 'still here');
    await waitUntil(() => b!.lines().includes(`${alice}: still here`), 5_000, "alice's line on b");
  });
});

