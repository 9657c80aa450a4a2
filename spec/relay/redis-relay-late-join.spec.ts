import { describeWithRedis } from '../support/redis-server';
import { delay, nextTurn, waitUntil } from '../support/waiting';
import { freshChat, ordered } from './support/relay-node';
import { relayFixture } from './support/relay-fixture';

describeWithRedis('redisRelay: a process that starts late', () => {
  const fixture = relayFixture({ snapshotEveryEntries: 10 });

  it('starts from the latest snapshot, misses nothing after it, and derives the same state', async () => {
    const chat = freshChat();
    const [a, b] = [fixture.node(chat), fixture.node(chat)];
    await Promise.all([a.start(), b.start()]);
    const alice = a.connect('alice');
    const bob = b.connect('bob');
    const carol = b.connect('carol');
    for (let k = 0; k < 100; k++) {
      a.say(alice, `a${k}`);
      b.say(bob, `b${k}`);
      await delay(1); // about an entry per process each time: many entries, many snapshots
    }
    b.hangUp(carol);
    await waitUntil(() => a.lines().length === 200 && !a.model.has(carol), 10_000, 'the first lines everywhere');
    // Snapshots trimmed the stream: Redis holds far fewer entries than were added.
    const info = (await fixture.admin.xinfo('STREAM', `${chat}:events`)) as unknown[];
    const added = Number(info[info.indexOf('entries-added') + 1]);
    const length = await fixture.admin.xlen(`${chat}:events`);
    expect(added).toBeGreaterThan(50);
    expect(length).toBeLessThan(added / 2);

    const c = fixture.node(chat);
    await c.start();
    const start = c.received[0];
    expect(start?.type).toBe('reset');
    // Not the empty epoch start: a snapshot taken while the chat went on.
    // (carol's leave may be after it, in the stream.)
    expect(start?.type === 'reset' && start.snapshot.clients.map((client) => client.name)).toEqual(
      expect.arrayContaining(['alice', 'bob']),
    );

    const dave = c.connect('dave');
    for (let k = 0; k < 20; k++) {
      a.say(alice, `late a${k}`);
      c.say(dave, `late c${k}`);
      await nextTurn();
    }
    await waitUntil(
      () => [a, b, c].every((node) => node.lines().filter((line) => line.includes('late')).length === 40),
      10_000,
      'the late lines everywhere',
    );
    expect(c.model.snapshot()).toEqual(a.model.snapshot());
    expect([...c.model.names()].sort()).toEqual(['alice', 'bob', 'dave']);
    // Everything c received after its snapshot is exactly what the others received at the end.
    const tail = ordered(c.received);
    expect(ordered(a.received).slice(-tail.length)).toEqual(tail);
    expect(ordered(b.received).slice(-tail.length)).toEqual(tail);
  });

  it('a newcomer that finds entries after the latest snapshot cut (the stream cap) starts a new epoch that everyone joins', async () => {
    const chat = freshChat();
    // No snapshot but the epoch's first, and a small cap: the cap cuts past the snapshot.
    const options = { snapshotEveryEntries: 1_000_000, snapshotMs: 600_000, maxStreamEntries: 20 };
    const a = fixture.node(chat, options);
    await a.start();
    const alice = a.connect('alice');
    for (let k = 0; k < 300; k++) {
      a.say(alice, `a${k}`);
      await delay(1);
    }
    await waitUntil(() => a.lines().length === 300, 10_000, 'the lines on a');
    expect(await fixture.admin.xlen(`${chat}:events`)).toBeLessThan(200);

    const b = fixture.node(chat, options);
    await b.start();
    await waitUntil(
      () => b.model.has(alice) && a.received.filter((event) => event.type === 'reset').length === 2,
      10_000,
      'a new epoch, with alice re-announced',
      () => [a, b].map((node) => node.describe()).join('\n'),
    );
    a.say(alice, 'after');
    await waitUntil(() => b.lines().includes(`${alice}: after`), 5_000, "alice's line on b");
    expect(b.model.snapshot()).toEqual(a.model.snapshot());
    expect(b.logs.join('\n')).toMatch(/stream out of order/);
  });
});
