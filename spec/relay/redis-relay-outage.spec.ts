import type { RelayEvent } from '../../src/relay/cluster-events';
import { RELAY_NOTICES } from '../../src/relay/relay-notices';
import { describeWithRedis } from '../support/redis-server';
import { delay, waitUntil } from '../support/waiting';
import { freshChat, ordered } from './support/relay-node';
import { relayFixture } from './support/relay-fixture';

function indexOfEvent(events: readonly RelayEvent[], match: (event: RelayEvent) => boolean): number {
  return events.findIndex(match);
}

describeWithRedis('redisRelay: Redis away and back', () => {
  const fixture = relayFixture({ outageNoticeMs: 0 });
  const newNode = fixture.node;

  it('after an empty restart: one reset everywhere, clients re-announced, then the held lines; clients told twice', async () => {
    const chat = freshChat();
    const [a, b] = [newNode(chat), newNode(chat)];
    await Promise.all([a.start(), b.start()]);
    const alice = a.connect('alice');
    const bob = b.connect('bob');
    a.say(alice, 'before');
    await waitUntil(() => b.lines().length === 1 && a.model.names().length === 2, 5_000, 'the chat before the restart');

    const restarting = fixture.redis.restart(300);
    await delay(100); // Redis is gone
    a.say(alice, 'held 1');
    a.say(alice, 'held 2');
    b.say(bob, 'held 3');
    await restarting;
    await waitUntil(
      () => [a, b].every((node) => node.lines().length === 4),
      10_000,
      'the held lines everywhere',
      () => [a, b].map((node) => node.describe()).join('\n'),
    );

    for (const node of [a, b]) {
      const after = node.sinceLastReset();
      const rejoinedAlice = indexOfEvent(after, (event) => event.type === 'rejoined' && event.id === alice);
      const rejoinedBob = indexOfEvent(after, (event) => event.type === 'rejoined' && event.id === bob);
      const held1 = indexOfEvent(after, (event) => event.type === 'line' && event.text === 'held 1');
      const held3 = indexOfEvent(after, (event) => event.type === 'line' && event.text === 'held 3');
      expect(rejoinedAlice).toBeGreaterThanOrEqual(0);
      expect(rejoinedBob).toBeGreaterThanOrEqual(0);
      // A held line never arrives before its sender is known again.
      expect(held1).toBeGreaterThan(rejoinedAlice);
      expect(held3).toBeGreaterThan(rejoinedBob);
      expect(node.lines()).toEqual(expect.arrayContaining([`${alice}: held 1`, `${alice}: held 2`, `${bob}: held 3`]));
      expect(node.received.filter((event) => event.type === 'reset')).toHaveLength(2);
    }
    // Both restarted from the same state and applied the same events since.
    expect(ordered(a.sinceLastReset())).toEqual(ordered(b.sinceLastReset()));
    expect(a.model.snapshot()).toEqual(b.model.snapshot());
    expect([...a.model.names()].sort()).toEqual(['alice', 'bob']);
    // Told once that the relay is unavailable, once that it is back.
    expect(a.noticesTo(alice)).toEqual([RELAY_NOTICES.unavailable, RELAY_NOTICES.back]);
    expect(b.noticesTo(bob)).toEqual([RELAY_NOTICES.unavailable, RELAY_NOTICES.back]);

    // Every lease vanished with the old Redis: nobody is declared dead for it.
    await delay(1_500); // past a lease (900 ms) after the restart
    for (const node of [a, b]) expect(node.received.filter((event) => event.type === 'node-gone')).toEqual([]);
  });

  it('a Redis that stops answering for longer than a lease: no false leaves, the held line goes out after', async () => {
    const chat = freshChat();
    const [a, b] = [newNode(chat), newNode(chat)];
    await Promise.all([a.start(), b.start()]);
    const alice = a.connect('alice');
    const bob = b.connect('bob');
    await waitUntil(() => [a, b].every((node) => node.model.names().length === 2), 5_000, 'two clients everywhere');

    process.kill(fixture.redis.pid, 'SIGSTOP'); // every lease (900 ms) runs out meanwhile
    try {
      await delay(300);
      a.say(alice, 'during the stall');
      await delay(1_500);
    } finally {
      process.kill(fixture.redis.pid, 'SIGCONT');
    }
    await waitUntil(
      () => b.lines().includes(`${alice}: during the stall`),
      10_000,
      'the held line on b',
      () => [a, b].map((node) => node.describe()).join('\n'),
    );
    b.say(bob, 'after');
    await waitUntil(() => a.lines().includes(`${bob}: after`), 5_000, "bob's line on a");
    await delay(1_000); // a lease and more after the recovery
    for (const node of [a, b]) {
      expect(node.received.filter((event) => event.type === 'node-gone')).toEqual([]);
      expect(node.received.filter((event) => event.type === 'reset')).toHaveLength(1); // the same epoch went on
      expect([...node.model.names()].sort()).toEqual(['alice', 'bob']);
    }
    expect(a.model.snapshot()).toEqual(b.model.snapshot());
  });

  it('after Redis is back, a process that reconnects a little later is not reported gone (grace of a lease)', async () => {
    const chat = freshChat();
    const proxy = await fixture.proxy();
    const options = { leaseMs: 2_000 };
    const a = newNode(chat, options);
    const b = newNode(chat, options, proxy.url);
    await Promise.all([a.start(), b.start()]);
    const bob = b.connect('bob');
    await waitUntil(() => a.model.has(bob), 5_000, 'bob on a');

    process.kill(fixture.redis.pid, 'SIGSTOP'); // every lease runs out meanwhile
    await delay(2_500);
    proxy.pause(); // b will be back a little after a
    process.kill(fixture.redis.pid, 'SIGCONT');
    await waitUntil(
      () => a.logs.includes('relay available again'),
      5_000,
      'a back',
      () => a.describe(),
    );
    await delay(700);
    proxy.resume();
    b.say(bob, 'back too');
    await waitUntil(
      () => a.lines().includes(`${bob}: back too`),
      10_000,
      "bob's line on a",
      () => [a, b].map((node) => node.describe()).join('\n'),
    );
    await delay(500);
    expect(a.received.filter((event) => event.type === 'node-gone')).toEqual([]);
    expect(a.model.has(bob)).toBe(true);
  });

  it('holds a bounded number of events: past it, lines are refused with a notice and newcomers turned away', async () => {
    const chat = freshChat();
    const [a, b] = [newNode(chat, { maxHeld: 5 }), newNode(chat)];
    await Promise.all([a.start(), b.start()]);
    const alice = a.connect('alice');
    await waitUntil(() => b.model.has(alice), 5_000, 'alice on b');

    const restarting = fixture.redis.restart(300);
    await delay(100);
    for (let k = 1; k <= 8; k++) a.say(alice, `held ${k}`);
    // The sender hears at once about each line that will not be delivered.
    expect(a.noticesTo(alice).filter((notice) => notice === RELAY_NOTICES.notDelivered)).toHaveLength(3);
    const zed = a.connect('zed');
    expect(a.received).toContainEqual(expect.objectContaining({ type: 'kick', id: zed, reason: RELAY_NOTICES.full }));
    a.hangUp(zed);
    await restarting;

    await waitUntil(
      () => b.lines().length === 5,
      10_000,
      'the held lines on b',
      () => b.describe(),
    );
    await delay(300); // and no more
    expect(b.lines()).toEqual([1, 2, 3, 4, 5].map((k) => `${alice}: held ${k}`));
    expect(b.model.has(zed)).toBe(false);
    expect(a.model.snapshot()).toEqual(b.model.snapshot());
  });

  it('survives dropped connections to the same Redis: every line exactly once, in order, no reset', async () => {
    const chat = freshChat();
    const [a, b] = [newNode(chat, { outageNoticeMs: 1_000 }), newNode(chat, { outageNoticeMs: 1_000 })];
    await Promise.all([a.start(), b.start()]);
    const alice = a.connect('alice');
    const bob = b.connect('bob');
    const sending = (async () => {
      for (let k = 0; k < 200; k++) {
        a.say(alice, `a${k}`);
        b.say(bob, `b${k}`);
        await delay(2);
      }
    })();
    for (let kill = 0; kill < 5; kill++) {
      await delay(60);
      await fixture.admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    }
    await sending;
    await waitUntil(
      () => [a, b].every((node) => node.lines().length === 400),
      10_000,
      'all lines everywhere',
      () => [a, b].map((node) => node.describe()).join('\n'),
    );
    for (const node of [a, b]) {
      const lines = node.lines();
      expect(lines.filter((line) => line.startsWith(alice))).toEqual(
        Array.from({ length: 200 }, (_, k) => `${alice}: a${k}`),
      );
      expect(lines.filter((line) => line.startsWith(bob))).toEqual(
        Array.from({ length: 200 }, (_, k) => `${bob}: b${k}`),
      );
      expect(node.received.filter((event) => event.type === 'reset')).toHaveLength(1);
      expect(node.logs.join('\n')).toMatch(/relay unavailable/); // the connections did drop
    }
    expect(ordered(a.received)).toEqual(ordered(b.received));
  });

  it('re-sends a batch whose reply was lost, and the stream takes it once', async () => {
    const chat = freshChat();
    const proxy = await fixture.proxy();
    const a = newNode(chat, { outageNoticeMs: 1_000 }, proxy.url);
    const b = newNode(chat);
    await Promise.all([a.start(), b.start()]);
    const alice = a.connect('alice');
    await waitUntil(() => b.model.has(alice), 5_000, 'alice on b');

    proxy.pause('replies');
    a.say(alice, 'once');
    await waitUntil(() => b.lines().length === 1, 5_000, 'the line in the stream'); // Redis ran the publish
    proxy.cut(); // its answer is lost with the connection
    proxy.resume();
    await waitUntil(
      () => a.lines().length === 1,
      5_000,
      'the line back on a',
      () => a.describe(),
    );
    a.say(alice, 'next');
    await waitUntil(() => b.lines().length === 2 && a.lines().length === 2, 5_000, 'the next line on both');
    expect(b.lines()).toEqual([`${alice}: once`, `${alice}: next`]);
    expect(a.lines()).toEqual([`${alice}: once`, `${alice}: next`]);
    expect(a.logs.join('\n')).toMatch(/batch \d+ was in the stream already/);
  });

  it('a process that falls behind the trimmed stream skips to the snapshot, and its clients hear they missed messages', async () => {
    const chat = freshChat();
    const proxy = await fixture.proxy();
    const options = { snapshotEveryEntries: 5, leaseMs: 5_000 };
    const [a, b] = [newNode(chat, options), newNode(chat, options)];
    const c = newNode(chat, options, proxy.url);
    await Promise.all([a.start(), b.start(), c.start()]);
    const alice = a.connect('alice');
    const carol = c.connect('carol');
    await waitUntil(() => [a, b, c].every((node) => node.model.names().length === 2), 5_000, 'two clients everywhere');

    proxy.pause(); // c stalls
    for (let k = 0; k < 100; k++) {
      a.say(alice, `while c stalls ${k}`);
      await delay(1);
    }
    // The others are not held back by c.
    await waitUntil(() => [a, b].every((node) => node.lines().length === 100), 10_000, 'a and b carry on');
    proxy.resume();

    await waitUntil(
      () => c.noticesTo(carol).includes(RELAY_NOTICES.missed),
      10_000,
      'carol told',
      () => c.describe(),
    );
    a.say(alice, 'after');
    await waitUntil(
      () => c.lines().includes(`${alice}: after`),
      5_000,
      'c reading again',
      () => c.describe(),
    );
    expect(c.lines().length).toBeLessThan(101); // it did skip
    expect(c.model.snapshot()).toEqual(a.model.snapshot());
  });
});
