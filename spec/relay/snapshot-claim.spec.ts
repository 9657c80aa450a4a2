/**
 * Snapshots are built by one process at a time: a process asks Redis for the claim before it
 * serialises the chat's state, so the others never do for that snapshot.
 */
import Redis from 'ioredis';
import { relayKeys } from '../../src/relay/redis-keys';
import { RelayScripts } from '../../src/relay/redis-scripts';
import { type RedisServer, describeWithRedis, startRedis } from '../support/redis-server';
import { delay, waitUntil } from '../support/waiting';
import { freshChat } from './support/relay-node';
import { relayFixture } from './support/relay-fixture';

describeWithRedis('the snapshot claim script, on a real Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  const EMPTY = '{"clients":[]}';

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { protocol: 2 });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('grants one node at a time, refuses a point the stored snapshot covers, and ends with the store', async () => {
    const scripts = new RelayScripts(relayKeys(freshChat()));
    const { epoch } = await scripts.ensureEpoch(client, 'run1', EMPTY);
    await scripts.takeLease(client, 'a', 60_000);
    const ids: string[] = [];
    for (let seq = 1; seq <= 8; seq++) {
      const result = await scripts.publish(client, { epoch, node: 'a', seq, payload: '[]' });
      if (result.kind === 'added') ids.push(result.id);
    }
    const rule = { minGap: 2, maxAgeMs: 60_000 };
    const at = (k: number) => ({ epoch, id: ids[k - 2]!, n: k, seqs: { a: k - 1 }, state: `{"at":${k}}` });

    expect(await scripts.claimSnapshot(client, { epoch, n: 4, node: 'a' }, rule, 60_000)).toMatchObject({
      kind: 'granted',
      n: 1,
      size: EMPTY.length,
    });
    expect(await scripts.claimSnapshot(client, { epoch, n: 5, node: 'b' }, rule, 60_000)).toMatchObject({
      kind: 'busy',
      n: 1,
    });
    expect(await scripts.writeSnapshot(client, at(4), rule, 'a')).toEqual({ kind: 'stored', n: 4 });
    // Covered by the stored one (too close, too recent), whoever asks.
    const skipped = await scripts.claimSnapshot(client, { epoch, n: 5, node: 'b' }, rule, 60_000);
    expect(skipped).toMatchObject({ kind: 'skipped', n: 4, size: at(4).state.length });
    expect(skipped.kind === 'skipped' && skipped.ageMs).toBeLessThan(60_000);
    // The store ended a's claim: b may build the next one.
    expect(await scripts.claimSnapshot(client, { epoch, n: 6, node: 'b' }, rule, 60_000)).toMatchObject({
      kind: 'granted',
      n: 4,
    });
    expect(await scripts.claimSnapshot(client, { epoch: 'run0/0-1', n: 9, node: 'a' }, rule, 60_000)).toEqual({
      kind: 'stale',
    });
  });

  it('lets a claim whose holder never stores run out', async () => {
    const scripts = new RelayScripts(relayKeys(freshChat()));
    const { epoch } = await scripts.ensureEpoch(client, 'run1', EMPTY);
    const rule = { minGap: 1, maxAgeMs: 60_000 };
    expect(await scripts.claimSnapshot(client, { epoch, n: 5, node: 'a' }, rule, 50)).toMatchObject({
      kind: 'granted',
    });
    expect(await scripts.claimSnapshot(client, { epoch, n: 5, node: 'b' }, rule, 50)).toMatchObject({ kind: 'busy' });
    await delay(120);
    expect(await scripts.claimSnapshot(client, { epoch, n: 5, node: 'b' }, rule, 50)).toMatchObject({
      kind: 'granted',
    });
  });
});

describeWithRedis('redisRelay: who builds the snapshots', () => {
  const fixture = relayFixture({ snapshotEveryEntries: 5 });

  it('each snapshot is serialised by one process, not by every process that reaches it', async () => {
    const nodes = await fixture.startNodes(3);
    // Where each process's snapshot() was asked for: the number of ordered events it had applied.
    const builds: number[][] = nodes.map(() => []);
    nodes.forEach((node, k) => {
      const snapshot = node.model.snapshot.bind(node.model);
      node.model.snapshot = () => {
        builds[k]!.push(node.received.filter((event) => event.type !== 'notice' && event.type !== 'reset').length);
        return snapshot();
      };
    });
    const ids = nodes.map((node, k) => node.connect(`c${k}`));
    const started = Date.now();
    for (let round = 0; round < 100; round++) {
      nodes.forEach((node, k) => node.say(ids[k]!, `line ${round}`));
      await delay(1);
    }
    await waitUntil(() => nodes.every((node) => node.lines().length === 300), 10_000, 'the lines everywhere');
    const elapsed = Date.now() - started;
    const chat = nodes[0]!.chat;
    const info = (await fixture.admin.xinfo('STREAM', `${chat}:events`)) as unknown[];
    const added = Number(info[info.indexOf('entries-added') + 1]);

    const all = builds.flat();
    expect(all.length).toBeGreaterThan(2);
    // Never two builds of one point of the chat.
    expect(new Set(all).size).toBe(all.length);
    // One build per snapshot at most: every 5 entries, or every 200 ms (FAST's snapshotMs), not three.
    expect(all.length).toBeLessThanOrEqual(added / 5 + elapsed / 200 + 3);
  });
});
