/**
 * The server's total output budget: the unit (`OutputBudget` with plain holders), then shared by two
 * `OutputQueue`s (two transports) over in-memory sockets, some of which stop reading.
 */
import { Duplex } from 'node:stream';
import type { ChatMessage, ClientId } from '../../src/core/events';
import { type BudgetHolder, OutputBudget } from '../../src/transports/output-budget';
import { OutputQueue } from '../../src/transports/output-queue';
import { pollClock } from '../../src/transports/poll-clock';
import { nextTurn } from '../support/waiting';

/** A holder whose backlog has made no progress since the epoch (stalled) unless a test says otherwise. */
class Holder implements BudgetHolder {
  charged = 0;
  progressAt = 0;
  progressed = false;
  everDrained = false;
  evictedWith: string | undefined;
  constructor(
    readonly name: string,
    private readonly onEvict: (holder: Holder) => void = () => undefined,
  ) {}
  evict(reason: Error): void {
    this.evictedWith = reason.message;
    this.onEvict(this);
  }
}

describe('OutputBudget', () => {
  it('adds up what each holder reports (absolute figures), and forgets a released holder', () => {
    const budget = new OutputBudget(1_000);
    const [a, b] = [new Holder('a'), new Holder('b')];
    budget.update(a, 300);
    budget.update(b, 200);
    budget.update(a, 100);
    expect(budget.usedBytes).toBe(300);
    budget.release(b);
    expect(budget.usedBytes).toBe(100);
    expect(b.charged).toBe(0);
    budget.release(b);
    budget.update(a, 0);
    expect(budget.usedBytes).toBe(0);
  });

  it('past the limit, evicts the largest backlogs first until the total is under 7/8 of the limit', () => {
    const budget = new OutputBudget(800);
    const holders = [100, 350, 50, 200, 0].map((bytes, i) => {
      const holder = new Holder(`h${i}`);
      budget.update(holder, bytes);
      return holder;
    });
    expect(holders.map((h) => h.evictedWith)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    budget.update(holders[4]!, 150); // 850 > 800: evict 350 (500 left <= 700)
    expect(holders.map((h) => h.evictedWith !== undefined)).toEqual([false, true, false, false, false]);
    expect(holders[1]!.evictedWith).toBe(
      'server output over its total of 800 bytes: evicted with 350 unsent (client not reading)',
    );
    expect(budget.usedBytes).toBe(500);
    expect(budget.evicted).toBe(1);

    budget.update(holders[0]!, 500); // 900: evict 500 (h0), then 400 <= 700
    expect(holders.map((h) => h.evictedWith !== undefined)).toEqual([true, true, false, false, false]);
    expect(budget.usedBytes).toBe(400);
    expect(budget.evicted).toBe(2);
  });

  it('evicts as many as it takes, largest first', () => {
    const budget = new OutputBudget(1_000);
    const holders = Array.from({ length: 10 }, (_, i) => new Holder(`h${i}`));
    // 100, 110, ... 190: h7 takes the total to 1080 (h7 and h6 go: 750), h9 to 1120 (h9 and h8 go: 750).
    holders.forEach((holder, i) => budget.update(holder, 100 + i * 10));
    expect(holders.filter((h) => h.evictedWith !== undefined).map((h) => h.name)).toEqual(['h6', 'h7', 'h8', 'h9']);
    expect(budget.usedBytes).toBe(750);
  });

  it('evicts a client that stopped reading before one that is draining, whatever their sizes, the longest quiet first', () => {
    const budget = new OutputBudget(1_000, 1_000);
    const polled = pollClock.polledAfter;
    const [lately, longAgo, draining] = [new Holder('lately'), new Holder('longAgo'), new Holder('draining')];
    lately.progressAt = polled - 2_000; // stalled for 2 s
    longAgo.progressAt = polled - 9_000; // stalled for 9 s
    draining.progressAt = polled - 100; // the kernel took a write of it 100 ms before the last poll
    draining.progressed = draining.everDrained = true;
    budget.update(draining, 600);
    budget.update(lately, 250);
    budget.update(longAgo, 100); // 950
    budget.update(draining, 700); // 1,050: longAgo (the smallest, but quiet the longest) goes, 950 > 875: then lately
    expect([lately, longAgo, draining].map((h) => h.evictedWith !== undefined)).toEqual([true, true, false]);
    expect(longAgo.evictedWith).toMatch(/evicted with 100 unsent \(client not reading\)$/);
    expect(budget.usedBytes).toBe(700);
  });

  it('judges no backlog that began since the last whole poll phase; of the draining, evicts who never drained first', () => {
    const budget = new OutputBudget(1_000, 1_000);
    const polled = pollClock.polledAfter;
    const [fresh, reader, never] = [new Holder('fresh'), new Holder('reader'), new Holder('never')];
    fresh.progressAt = polled + 50; // its backlog began after the last poll phase began: not judged yet
    reader.progressAt = never.progressAt = polled - 200; // draining, seen through a poll phase
    reader.progressed = reader.everDrained = true;
    budget.update(fresh, 700);
    budget.update(reader, 100);
    budget.update(never, 250); // 1,050: never drained anything, it goes first (800 <= 875)
    expect([fresh, reader, never].map((h) => h.evictedWith !== undefined)).toEqual([false, false, true]);
    expect(never.evictedWith).toMatch(/\(client not reading\)$/);
    budget.update(reader, 400); // 1,100: the largest, fresh, cannot be judged yet: the reader goes
    expect([fresh, reader].map((h) => h.evictedWith !== undefined)).toEqual([false, true]);
    expect(reader.evictedWith).toMatch(/\(client draining too slowly\)$/);
    expect(budget.usedBytes).toBe(700);
  });

  it('does not re-enter itself when an eviction reports back', () => {
    const budget = new OutputBudget(200);
    const other = new Holder('other');
    let bigEvictions = 0;
    // Evicting `big` makes `other` report more (as a socket callback could): no nested pass, which
    // would evict `big` a second time.
    const big = new Holder('big', () => {
      bigEvictions++;
      budget.update(other, 150);
    });
    budget.update(other, 10);
    budget.update(big, 250);
    expect(bigEvictions).toBe(1);
    expect(other.evictedWith).toBeUndefined();
    expect(budget.usedBytes).toBe(150);
    budget.update(other, 201);
    expect(other.evictedWith).toBeDefined();
  });
});

/**
 * An in-memory socket whose writes complete on the next turn, as a real one's do when the kernel
 * does not take them at once (an empty write at once, as the kernel's); once `stalled`, nothing written
 * to it completes: a peer that stopped reading.
 */
class MemorySocket extends Duplex {
  stalled = false;
  written = 0;
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.stalled) return;
    if (chunk.length === 0) return callback();
    this.written += chunk.length;
    setImmediate(callback);
  }
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    if (this.stalled) return;
    for (const { chunk } of chunks) this.written += chunk.length;
    setImmediate(callback);
  }
}

const encode = (message: ChatMessage): Buffer => Buffer.from(`${JSON.stringify(message)}\n`);

function queueWith(budget: OutputBudget, prefix: string, count: number) {
  const queue = new OutputQueue(encode, { budget, closeTimeoutMs: 50 });
  const sockets = new Map<ClientId, MemorySocket>();
  for (let i = 0; i < count; i++) {
    const id = `${prefix}${i}`;
    const socket = new MemorySocket();
    socket.on('error', () => undefined);
    sockets.set(id, socket);
    queue.add({ id, socket, end: () => socket.end(), hangUp: () => undefined });
  }
  return { queue, sockets };
}

describe('OutputQueue with a shared budget', () => {
  it('keeps the total of every queue under the budget by evicting the stalled clients with the most unsent, readers untouched', async () => {
    const budget = new OutputBudget(64 * 1024);
    const tcp = queueWith(budget, 't', 4);
    const ws = queueWith(budget, 'w', 4);
    const everyone = [...tcp.sockets.keys(), ...ws.sockets.keys()];
    const stalled = ['t1', 't2', 'w0', 'w3'];
    for (const id of stalled) (tcp.sockets.get(id) ?? ws.sockets.get(id))!.stalled = true;

    let peak = 0;
    for (let turn = 0; turn < 200; turn++) {
      // Several deliveries a turn: batched, one write per socket per turn.
      for (let i = 0; i < 5; i++) {
        const delivery = {
          kind: 'deliver',
          to: everyone,
          message: { type: 'said', name: 'x', text: 'y'.repeat(200) },
          at: 0,
        } as const;
        tcp.queue.handle(delivery);
        ws.queue.handle(delivery);
      }
      await nextTurn();
      peak = Math.max(peak, budget.usedBytes);
    }
    const destroyed = (id: ClientId) => (tcp.sockets.get(id) ?? ws.sockets.get(id))!.destroyed;
    expect(stalled.filter(destroyed)).toEqual(stalled);
    expect(everyone.filter(destroyed)).toEqual(stalled);
    // At most one flush's output (5 x 4 x ~250 bytes) past the limit before the eviction.
    expect(peak).toBeLessThan(64 * 1024 + 8 * 1024);
    expect(budget.evicted).toBe(4);
    await nextTurn();
    expect(budget.usedBytes).toBe(0);
  });

  it('forgets what a connection held once its socket closes', async () => {
    const budget = new OutputBudget(1024 * 1024);
    const { queue, sockets } = queueWith(budget, 's', 2);
    sockets.get('s0')!.stalled = true;
    for (let i = 0; i < 3; i++)
      queue.handle({
        kind: 'deliver',
        to: ['s0', 's1'],
        message: { type: 'said', name: 'x', text: 'q'.repeat(2_000) },
        at: 0,
      });
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(budget.usedBytes).toBeGreaterThan(6_000);
    sockets.get('s0')!.destroy(); // the peer went away
    await new Promise((resolve) => sockets.get('s0')!.once('close', resolve));
    expect(budget.usedBytes).toBe(0);
  });

  it('gives back what a reader drained: a burst a reader keeps up with does not add up', async () => {
    // Each round puts about 3 x 3,000 bytes in flight: never given back, they would pass the total by the fourth.
    const budget = new OutputBudget(30_000);
    const { queue, sockets } = queueWith(budget, 'r', 3);
    const to = [...sockets.keys()];
    for (let turn = 0; turn < 20; turn++) {
      for (let i = 0; i < 3; i++)
        queue.handle({ kind: 'deliver', to, message: { type: 'said', name: 'x', text: 'z'.repeat(1_000) }, at: 0 });
      for (let i = 0; i < 3; i++) await nextTurn();
    }
    expect(budget.evicted).toBe(0);
    expect([...sockets.values()].every((s) => !s.destroyed && s.written > 20 * 3_000)).toBe(true);
    expect(budget.usedBytes).toBe(0);
  });
});
