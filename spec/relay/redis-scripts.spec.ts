import Redis from 'ioredis';
import { relayKeys } from '../../src/relay/redis-keys';
import { RelayScripts } from '../../src/relay/redis-scripts';
import { parseXread } from '../../src/relay/stream-entries';
import { type RedisServer, describeWithRedis, startRedis } from '../support/redis-server';
import { delay } from '../support/waiting';
import { freshChat } from './support/relay-node';

describeWithRedis('the relay scripts, on a real Redis', () => {
  let redis: RedisServer;
  let client: Redis;
  let chat: string;
  let scripts: RelayScripts;
  const EMPTY = '{"clients":[]}';

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { protocol: 2 });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });
  beforeEach(() => {
    chat = freshChat();
    scripts = new RelayScripts(relayKeys(chat));
  });

  async function entries() {
    return parseXread(await client.xread('STREAMS', `${chat}:events`, '0-0'));
  }

  it('starts one epoch per Redis run: a reset entry, and an empty snapshot at it', async () => {
    const first = await scripts.ensureEpoch(client, 'run1', EMPTY);
    expect(first).toMatchObject({ epoch: `run1/${first.id}`, n: 1, seqs: {}, state: EMPTY });
    expect(await entries()).toEqual([{ kind: 'reset', id: first.id, n: 1 }]);
    // Every process asking again gets the same epoch...
    expect(await scripts.ensureEpoch(client, 'run1', EMPTY)).toEqual(first);
    // ...until Redis runs anew, or someone finds the epoch broken.
    const restarted = await scripts.ensureEpoch(client, 'run2', EMPTY);
    expect(restarted.epoch).toBe(`run2/${restarted.id}`);
    expect(restarted.n).toBe(2);
    const forced = await scripts.ensureEpoch(client, 'run2', EMPTY, restarted.epoch);
    expect(forced.epoch).not.toBe(restarted.epoch);
    expect(await scripts.ensureEpoch(client, 'run2', EMPTY, restarted.epoch)).toEqual(forced); // once
  });

  it('publishes a batch once: a re-sent seq is a duplicate, a stale epoch is refused', async () => {
    const { epoch } = await scripts.ensureEpoch(client, 'run1', EMPTY);
    await scripts.takeLease(client, 'nodeA', 60_000);
    await scripts.takeLease(client, 'nodeB', 60_000);
    const added = await scripts.publish(client, { epoch: epoch, node: 'nodeA', seq: 1, payload: '[{"type":"line"}]' });
    expect(added.kind).toBe('added');
    expect(
      await scripts.publish(client, { epoch: epoch, node: 'nodeA', seq: 1, payload: '[{"type":"line"}]' }),
    ).toEqual({ kind: 'duplicate' });
    expect(await scripts.publish(client, { epoch: epoch, node: 'nodeB', seq: 1, payload: '[]' })).toMatchObject({
      kind: 'added',
    }); // seqs are per node
    expect(await scripts.publish(client, { epoch: epoch, node: 'nodeA', seq: 2, payload: '[]' })).toMatchObject({
      kind: 'added',
    });
    expect(await scripts.publish(client, { epoch: 'run0/0-1', node: 'nodeA', seq: 3, payload: '[]' })).toEqual({
      kind: 'stale',
    });
    const list = await entries();
    expect(list.map((entry) => entry.n)).toEqual([1, 2, 3, 4]); // numbered without gaps
    expect(list.slice(1).map((entry) => entry.kind === 'batch' && `${entry.node}#${entry.seq}`)).toEqual([
      'nodeA#1',
      'nodeB#1',
      'nodeA#2',
    ]);
    expect(list[1]).toMatchObject({ id: added.kind === 'added' ? added.id : '', events: [{ type: 'line' }] });
  });

  it('replaces the stored snapshot only when it is far enough behind or old, and trims up to the one before it', async () => {
    const { epoch } = await scripts.ensureEpoch(client, 'run1', EMPTY);
    await scripts.takeLease(client, 'n', 60_000);
    const ids: string[] = [];
    for (let seq = 1; seq <= 8; seq++) {
      const result = await scripts.publish(client, { epoch, node: 'n', seq, payload: '[]' });
      if (result.kind === 'added') ids.push(result.id);
    }
    const at = (k: number) => ({ epoch, id: ids[k - 2]!, n: k, seqs: { n: k - 1 }, state: `{"at":${k}}` });
    const rule = { minGap: 2, maxAgeMs: 60_000 };
    expect(await scripts.writeSnapshot(client, at(3), rule)).toEqual({ kind: 'stored', n: 3 });
    expect(await scripts.writeSnapshot(client, at(5), rule)).toEqual({ kind: 'stored', n: 5 });
    expect(await scripts.writeSnapshot(client, at(4), rule)).toEqual({ kind: 'skipped', n: 5 }); // older
    expect(await scripts.writeSnapshot(client, at(6), rule)).toEqual({ kind: 'skipped', n: 5 }); // too close, too recent
    expect(await scripts.readSnapshot(client)).toEqual(at(5));
    // Entries before the previous snapshot (n=3) are gone; a newcomer that read it finds all after it.
    expect((await entries()).map((entry) => entry.n)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(await scripts.writeSnapshot(client, at(6), { ...rule, maxAgeMs: 0 })).toEqual({ kind: 'stored', n: 6 }); // old enough
    expect((await entries()).map((entry) => entry.n)).toEqual([5, 6, 7, 8, 9]);
    expect(await scripts.writeSnapshot(client, { ...at(9), epoch: 'run0/0-1' }, rule)).toEqual({ kind: 'stale' });
  });

  it('takes nothing from a node whose lease ran out, and no node-gone for a node that has one', async () => {
    const { epoch } = await scripts.ensureEpoch(client, 'run1', EMPTY);
    await scripts.takeLease(client, 'live', 60_000);
    await scripts.takeLease(client, 'lapsed', 30);
    await delay(60);
    expect(await scripts.publish(client, { epoch, node: 'lapsed', seq: 1, payload: '[]' })).toEqual({
      kind: 'expired',
    });
    const gone = (node: string) => ({
      epoch,
      node: 'live',
      seq: 1,
      payload: `[{"type":"node-gone","node":"${node}"}]`,
      gone: node,
    });
    await scripts.takeLease(client, 'other', 60_000);
    expect(await scripts.publish(client, gone('other'))).toEqual({ kind: 'alive' });
    expect(await scripts.publish(client, gone('lapsed'))).toMatchObject({ kind: 'added' });
    // Once the lapsed node renews its lease, it publishes again (its re-announcements first).
    await scripts.takeLease(client, 'lapsed', 60_000);
    expect(await scripts.publish(client, { epoch, node: 'lapsed', seq: 1, payload: '[]' })).toMatchObject({
      kind: 'added',
    });
    expect((await entries()).map((entry) => entry.kind === 'batch' && entry.node)).toEqual([false, 'live', 'lapsed']);
  });

  it('tells which announced nodes lost their lease, forgets them only if still gone, and lets a node leave', async () => {
    await scripts.takeLease(client, 'alive', 10_000);
    await scripts.takeLease(client, 'dying', 30);
    await delay(60);
    expect(await scripts.expiredNodes(client)).toEqual(['dying']);
    await scripts.forget(client, 'alive'); // has a lease: kept
    await scripts.forget(client, 'dying');
    expect(await client.smembers(`${chat}:nodes`)).toEqual(['alive']);
    await scripts.leave(client, 'alive');
    expect(await client.smembers(`${chat}:nodes`)).toEqual([]);
    expect(await client.exists(`${chat}:node:alive`)).toBe(0);
  });

  it('runs again after Redis lost its script cache', async () => {
    await scripts.ensureEpoch(client, 'run1', EMPTY);
    await client.script('FLUSH');
    await expect(scripts.ensureEpoch(client, 'run1', EMPTY)).resolves.toMatchObject({ n: 1 });
  });
});
