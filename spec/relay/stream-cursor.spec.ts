import type { RelayEvent } from '../../src/relay/cluster-events';
import { StreamCursor } from '../../src/relay/stream-cursor';

const batch = (n: number, node: string, seq: number, events: RelayEvent[] = []) =>
  ({ kind: 'batch', id: `${n}-0`, n, node, seq, events }) as const;

describe('StreamCursor', () => {
  it('starts before the first entry of no epoch', () => {
    const cursor = new StreamCursor();
    expect(cursor.epoch).toBeUndefined();
    expect(cursor.position).toBe('0-0');
    expect(cursor.follows(batch(1, 'a', 1))).toBe(true);
  });

  it('follows entries one number at a time, and notices a skip or a step back', () => {
    const cursor = new StreamCursor();
    cursor.moveTo({ epoch: 'e', id: '5-0', n: 5, seqs: { a: 3 }, state: '{}' });
    expect(cursor.follows(batch(6, 'a', 4))).toBe(true);
    expect(cursor.follows(batch(7, 'a', 4))).toBe(false);
    expect(cursor.follows(batch(5, 'a', 4))).toBe(false);
    expect(cursor.follows({ kind: 'reset', id: '6-0', n: 6 })).toBe(true);
    cursor.advance(batch(6, 'b', 9));
    expect([cursor.position, cursor.lastN]).toEqual(['6-0', 6]);
  });

  it("snapshots its place: the epoch, the entry, and each node's last seq (a forgotten node's gone)", () => {
    const cursor = new StreamCursor();
    const stored = { epoch: 'e', id: '5-0', n: 5, seqs: { a: 3 }, state: '{}' };
    cursor.moveTo(stored);
    cursor.advance(batch(6, 'b', 9));
    cursor.advance(batch(7, 'a', 4));
    cursor.advance(batch(8, 'c', 1));
    cursor.forget('c');
    expect(cursor.snapshot('S')).toEqual({ epoch: 'e', id: '8-0', n: 8, seqs: { a: 4, b: 9 }, state: 'S' });
    expect(stored.seqs).toEqual({ a: 3 }); // the adopted snapshot is not written through
  });
});
