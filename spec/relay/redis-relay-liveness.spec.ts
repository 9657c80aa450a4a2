import { describeWithRedis } from '../support/redis-server';
import { delay, waitUntil } from '../support/waiting';
import { relayFixture } from './support/relay-fixture';

describeWithRedis('redisRelay: processes that die or stop', () => {
  const fixture = relayFixture();
  const { startNodes } = fixture;

  it('reports a crashed process gone once its lease runs out: its clients leave everywhere', async () => {
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
    let members = await fixture.admin.smembers(`${a!.chat}:nodes`);
    for (let tries = 0; members.includes(b!.node) && tries < 100; tries++) {
      await delay(20);
      members = await fixture.admin.smembers(`${a!.chat}:nodes`);
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
    expect(await fixture.admin.exists(`${a!.chat}:node:${a!.node}`)).toBe(0);
    expect(await fixture.admin.smembers(`${a!.chat}:nodes`)).not.toContain(a!.node);
    // Events after close go nowhere (no throw, no publish).
    a!.say(alice, 'too late');
    expect(b!.lines()).toEqual([]);
  });

  it('a process whose lease lapsed (a stall) and was reported gone re-announces its clients before its next line', async () => {
    const [a, b] = await startNodes(2);
    const alice = a!.connect('alice');
    await waitUntil(() => b!.model.has(alice), 5_000, 'alice on b');

    await fixture.admin.del(`${a!.chat}:node:${a!.node}`); // a's lease runs out...
    b!.local.next({ type: 'node-gone', node: a!.node }); // ...and b reports it, as its heartbeat would
    await waitUntil(
      () => b!.received.some((event) => event.type === 'node-gone'),
      5_000,
      'the report in the stream',
      () => [a!, b!].map((node) => node.describe()).join('\n'),
    );
    a!.say(alice, 'still here');
    await waitUntil(
      () => b!.lines().includes(`${alice}: still here`),
      5_000,
      "alice's line on b",
      () => b!.describe(),
    );

    for (const node of [a!, b!]) {
      const gone = node.received.findIndex((event) => event.type === 'node-gone' && event.node === a!.node);
      const back = node.received.findIndex((event) => event.type === 'rejoined' && event.id === alice);
      const line = node.received.findIndex((event) => event.type === 'line' && event.text === 'still here');
      expect(gone).toBeGreaterThan(0);
      expect(back).toBeGreaterThan(gone);
      expect(line).toBeGreaterThan(back); // never from a client the chat does not know
      expect(node.model.has(alice)).toBe(true);
    }
    expect(await fixture.admin.exists(`${a!.chat}:node:${a!.node}`)).toBe(1); // a took its lease back
  });

  it('does not report a process gone while it holds its lease', async () => {
    const [a, b] = await startNodes(2);
    const alice = a!.connect('alice');
    await waitUntil(() => b!.model.has(alice), 5_000, 'alice on b');
    b!.local.next({ type: 'node-gone', node: a!.node }); // a stale report: a's lease is fine
    b!.say(b!.connect('bob'), 'after the report');
    await waitUntil(() => a!.lines().length === 1, 5_000, "bob's line on a");
    expect(b!.received.filter((event) => event.type === 'node-gone')).toEqual([]);
    expect(b!.model.has(alice)).toBe(true);
    expect(b!.logs.join('\n')).toMatch(/has a lease again: not reported gone/);
  });
});
