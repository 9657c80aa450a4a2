import { describeWithRedis } from '../support/redis-server';
import { nextTurn, waitUntil } from '../support/waiting';
import { ordered } from './support/relay-node';
import { relayFixture } from './support/relay-fixture';

describeWithRedis('redisRelay: one order for everyone', () => {
  const { startNodes } = relayFixture();

  it('starts every process from the chat state: its first event is a reset', async () => {
    const [a] = await startNodes(1);
    expect(a!.received[0]).toMatchObject({ type: 'reset', snapshot: { clients: [] } });
  });

  it("serves a process's own events only once they come back through the stream", async () => {
    const [a, b] = await startNodes(2);
    const alice = a!.connect('alice');
    a!.say(alice, 'hello');
    // Nothing of it is echoed locally: the one order is the stream's.
    expect(a!.received.filter((event) => event.type !== 'reset')).toEqual([]);
    await waitUntil(() => a!.lines().length === 1 && b!.lines().length === 1, 5_000, 'the line on both processes');
    expect(a!.lines()).toEqual([`${alice}: hello`]);
    expect(ordered(a!.received)).toEqual(ordered(b!.received));
  });

  it('gives every process the same events in the same order, over thousands of lines from three processes', async () => {
    const all = await startNodes(3);
    const clients = all.map((node) => ['ann', 'bob', 'cy', 'dee'].map((name) => node.connect(name)));
    const perClient = 250;
    const sent = new Map<string, number>();
    // Bursts of uneven sizes, interleaved across processes and event-loop turns, so batches differ.
    let step = 0;
    while ([...sent.values()].reduce((sum, count) => sum + count, 0) < all.length * 4 * perClient) {
      all.forEach((node, n) => {
        const burst = 1 + ((step * 7 + n * 13) % 23);
        for (let i = 0; i < burst; i++) {
          const id = clients[n]![(step + i) % 4]!;
          const count = sent.get(id) ?? 0;
          if (count >= perClient) continue;
          node.say(id, `line ${count}`);
          sent.set(id, count + 1);
        }
      });
      step++;
      if (step % 3 === 0) await nextTurn();
    }
    const total = all.length * 4 * perClient;
    await waitUntil(
      () => all.every((node) => node.lines().length === total),
      20_000,
      `${total} lines on every process`,
      () => all.map((node) => `${node.node}: ${node.lines().length}`).join(', '),
    );

    const [a, ...others] = all;
    for (const node of all) expect(node.received.filter((event) => event.type === 'reset')).toHaveLength(1);
    for (const other of others) expect(ordered(other!.received)).toEqual(ordered(a!.received));
    // Each sender's lines in the order sent, on every process (its own included).
    for (const node of all) {
      const lines = node.lines();
      for (const id of clients.flat()) {
        const mine = lines.filter((line) => line.startsWith(`${id}: `));
        expect(mine).toEqual(Array.from({ length: perClient }, (_, k) => `${id}: line ${k}`));
      }
    }
    expect(a!.model.names()).toHaveLength(12);
  });
});
