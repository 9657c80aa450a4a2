/**
 * HistoryTable (issue 16): each room's recent messages under ids that increase by one per room,
 * bounded per room and in bytes over all rooms, oldest first; read back by the last few, a page
 * before an id, or a range; restored from a snapshot or a store (which may have gaps).
 */
import { HistoryTable, type SnapshotHistory } from '../../src/core/history';
import type { HistoryEntry } from '../../src/core/records';

/** What one entry costs in the table's byte count: text, name and a fixed 64. */
const cost = (name: string, text: string): number => text.length + name.length + 64;

/** Appends `texts` to `room` (said by `alice`, at increasing times from `at`); returns their ids. */
function say(table: HistoryTable, room: string, texts: readonly string[], at = 1): number[] {
  return texts.map((text, i) => table.append(room, 'said', 'alice', text, at + i).id);
}

const ids = (entries: readonly HistoryEntry[]): number[] => entries.map((entry) => entry.id);
const texts = (entries: readonly HistoryEntry[]): string[] => entries.map((entry) => entry.text);

/**
 * A length the table's overall order stays under whatever was appended: its live part is at most
 * about twice the kept entries plus 1,024 before a rebuild, and what the byte bound passed at most as
 * much again. 100,000 appends must not come near it.
 */
const BOUNDED = 8 * 1024;

/** The table's private overall order (rooms of kept entries, oldest first, from `orderHead`). */
function orderOf(table: HistoryTable): { order: unknown[]; orderHead: number } {
  return table as unknown as { order: unknown[]; orderHead: number };
}

describe('HistoryTable', () => {
  describe('ids', () => {
    it('increase by one per room from 1, each room counting on its own', () => {
      const table = new HistoryTable();
      expect(say(table, '#lobby', ['a', 'b'])).toEqual([1, 2]);
      expect(say(table, '#rust', ['c'])).toEqual([1]);
      expect(say(table, '#lobby', ['d'])).toEqual([3]);
      expect(say(table, '#rust', ['e', 'f'])).toEqual([2, 3]);
      expect(table.lastId('#lobby')).toBe(3);
      expect(table.lastId('#rust')).toBe(3);
      expect(table.lastId('#never')).toBe(0);
    });

    it('are shared by look-alike room names (one room)', () => {
      const table = new HistoryTable();
      say(table, '#Rust', ['a']);
      expect(say(table, '#rust', ['b'])).toEqual([2]);
      expect(texts(table.last('#RUST', 10))).toEqual(['a', 'b']);
    });

    it('keep counting past the entries dropped: an id is never given twice in a room', () => {
      const table = new HistoryTable({ perRoom: 2 });
      expect(say(table, '#lobby', ['a', 'b', 'c', 'd'])).toEqual([1, 2, 3, 4]);
      expect(table.firstId('#lobby')).toBe(3);
      expect(table.lastId('#lobby')).toBe(4);
    });

    it('entries carry what was said, by whom, and when', () => {
      const table = new HistoryTable();
      const entry = table.append('#lobby', 'action', 'bob', 'waves', 1234);
      expect(entry).toEqual({ id: 1, at: 1234, type: 'action', name: 'bob', text: 'waves' });
      expect(table.last('#lobby', 1)).toEqual([entry]);
    });

    it('perRoom 0 keeps nothing and the table says it is off', () => {
      expect(new HistoryTable({ perRoom: 0 }).enabled).toBe(false);
      expect(new HistoryTable().enabled).toBe(true);
    });
  });

  describe('bounds', () => {
    it('per room: past `perRoom` the room drops its oldest, and other rooms keep theirs', () => {
      const table = new HistoryTable({ perRoom: 3 });
      say(table, '#rust', ['r1', 'r2']);
      say(table, '#lobby', ['l1', 'l2', 'l3', 'l4', 'l5']);
      expect(texts(table.last('#lobby', 10))).toEqual(['l3', 'l4', 'l5']);
      expect(texts(table.last('#rust', 10))).toEqual(['r1', 'r2']);
      expect(table.firstId('#lobby')).toBe(3);
    });

    it('in bytes: past `maxBytes` the oldest entry overall goes first, whichever room it is in', () => {
      const each = cost('alice', 'xx');
      const table = new HistoryTable({ perRoom: 100, maxBytes: 3 * each });
      table.append('#a', 'said', 'alice', 'a1', 1);
      table.append('#b', 'said', 'alice', 'b1', 2);
      table.append('#a', 'said', 'alice', 'a2', 3);
      expect(texts(table.last('#a', 10))).toEqual(['a1', 'a2']);
      // A fourth entry is one too many: a1 (the oldest of all) goes, b1 stays.
      table.append('#b', 'said', 'alice', 'b2', 4);
      expect(texts(table.last('#a', 10))).toEqual(['a2']);
      expect(texts(table.last('#b', 10))).toEqual(['b1', 'b2']);
      // Then b1, then a2.
      table.append('#c', 'said', 'alice', 'c1', 5);
      table.append('#c', 'said', 'alice', 'c2', 6);
      expect(texts(table.last('#a', 10))).toEqual([]);
      expect(texts(table.last('#b', 10))).toEqual(['b2']);
      expect(texts(table.last('#c', 10))).toEqual(['c1', 'c2']);
      // A room emptied by the byte bound keeps its ids.
      expect(table.lastId('#a')).toBe(2);
      expect(table.firstId('#a')).toBe(3);
    });

    it('in bytes, after a room dropped its own oldest: skips their stale places and drops the oldest kept', () => {
      const each = cost('alice', 'xx');
      const table = new HistoryTable({ perRoom: 2, maxBytes: 3 * each });
      table.append('#a', 'said', 'alice', 'a1', 1);
      table.append('#b', 'said', 'alice', 'b1', 2);
      table.append('#a', 'said', 'alice', 'a2', 3);
      table.append('#a', 'said', 'alice', 'a3', 4); // a1 dropped by the room bound
      expect(texts(table.last('#a', 10))).toEqual(['a2', 'a3']);
      // The oldest kept is b1 (a1's place, first in line, is stale).
      table.append('#c', 'said', 'alice', 'c1', 5);
      expect(texts(table.last('#a', 10))).toEqual(['a2', 'a3']);
      expect(texts(table.last('#b', 10))).toEqual([]);
      // Then a2; then c3 drops c1 by the room bound, and three fit again.
      table.append('#c', 'said', 'alice', 'c2', 6);
      table.append('#c', 'said', 'alice', 'c3', 7);
      expect(texts(table.last('#a', 10))).toEqual(['a3']);
      expect(texts(table.last('#c', 10))).toEqual(['c2', 'c3']);
    });

    it('counts bytes by text and name: long lines leave room for fewer', () => {
      const table = new HistoryTable({ perRoom: 100, maxBytes: 2 * cost('alice', 'x'.repeat(100)) });
      say(table, '#lobby', ['x'.repeat(100), 'x'.repeat(100), 'short']);
      expect(ids(table.last('#lobby', 10))).toEqual([2, 3]);
      const long = 'n'.repeat(32);
      const names = new HistoryTable({ perRoom: 100, maxBytes: 2 * cost('', 'xx') + 32 });
      names.append('#lobby', 'said', long, 'xx', 1);
      names.append('#lobby', 'said', long, 'xx', 2);
      expect(ids(names.last('#lobby', 10))).toEqual([2]);
    });

    it('keeps its overall order bounded when only the room bound drops entries (1 room, perRoom 10, 100,000 lines)', () => {
      const table = new HistoryTable({ perRoom: 10 });
      for (let i = 1; i <= 100_000; i++) table.append('#lobby', 'said', 'alice', `line ${i}`, i);
      expect(orderOf(table).order.length).toBeLessThan(BOUNDED);
      expect(texts(table.last('#lobby', 3))).toEqual(['line 99998', 'line 99999', 'line 100000']);
    });

    it('keeps its overall order bounded when only the byte bound drops entries (1 room, 10 fit, 100,000 lines)', () => {
      const table = new HistoryTable({ perRoom: 1_000, maxBytes: 10 * cost('alice', 'line 100000') });
      for (let i = 1; i <= 100_000; i++) table.append('#lobby', 'said', 'alice', `line ${i}`, i);
      expect(orderOf(table).order.length).toBeLessThan(BOUNDED);
      expect(table.last('#lobby', 100).length).toBeGreaterThanOrEqual(10);
      expect(table.lastId('#lobby')).toBe(100_000);
    });

    it('keeps its overall order bounded with many rooms, each at its bound, while the byte bound drops too', () => {
      const table = new HistoryTable({ perRoom: 5, maxBytes: 40 * cost('alice', 'line 100000') });
      for (let i = 1; i <= 100_000; i++) table.append(`#r${i % 20}`, 'said', 'alice', `line ${i}`, i);
      const { order, orderHead } = orderOf(table);
      expect(order.length).toBeLessThan(BOUNDED);
      // Every room still ends with its latest line, and the overall oldest went first.
      expect(texts(table.last('#r0', 1))).toEqual(['line 100000']);
      expect(order.length - orderHead).toBeGreaterThanOrEqual(40);
    });
  });

  describe('reading', () => {
    const table = new HistoryTable();
    say(
      table,
      '#lobby',
      Array.from({ length: 10 }, (_, i) => `m${i + 1}`),
    );

    it('`last`: the last few, oldest first (all of them when fewer are kept, none for 0)', () => {
      expect(texts(table.last('#lobby', 3))).toEqual(['m8', 'm9', 'm10']);
      expect(table.last('#lobby', 50)).toHaveLength(10);
      expect(table.last('#lobby', 0)).toEqual([]);
      expect(table.last('#nowhere', 5)).toEqual([]);
    });

    it('`before`: up to `count` just before an id, oldest first; nothing before the first', () => {
      expect(ids(table.before('#lobby', 8, 3))).toEqual([5, 6, 7]);
      expect(ids(table.before('#lobby', 3, 5))).toEqual([1, 2]);
      expect(table.before('#lobby', 1, 5)).toEqual([]);
      expect(ids(table.before('#lobby', 11, 2))).toEqual([9, 10]);
      expect(table.before('#lobby', 5, 0)).toEqual([]);
    });

    it('`between`: strictly after one id and before another', () => {
      expect(ids(table.between('#lobby', 2, 6))).toEqual([3, 4, 5]);
      expect(ids(table.between('#lobby', 0, 100))).toHaveLength(10);
      expect(table.between('#lobby', 5, 6)).toEqual([]);
      expect(table.between('#lobby', 6, 5)).toEqual([]);
      expect(table.between('#nowhere', 0, 100)).toEqual([]);
    });

    it('gives copies: changing what it returned does not change the table', () => {
      const page = table.last('#lobby', 2) as HistoryEntry[];
      page.pop();
      expect(table.last('#lobby', 2)).toHaveLength(2);
    });
  });

  describe('snapshot and restore', () => {
    it('round-trips, ids and all, through JSON', () => {
      const table = new HistoryTable({ perRoom: 3 });
      say(table, '#lobby', ['a', 'b', 'c', 'd']);
      say(table, '#Rust', ['r'], 10);
      const snapshot = JSON.parse(JSON.stringify(table.snapshot())) as SnapshotHistory[];
      expect(snapshot).toEqual([
        {
          name: '#lobby',
          entries: [
            { id: 2, at: 2, type: 'said', name: 'alice', text: 'b' },
            { id: 3, at: 3, type: 'said', name: 'alice', text: 'c' },
            { id: 4, at: 4, type: 'said', name: 'alice', text: 'd' },
          ],
        },
        { name: '#Rust', entries: [{ id: 1, at: 10, type: 'said', name: 'alice', text: 'r' }] },
      ]);
      const restored = new HistoryTable({ perRoom: 3 });
      restored.restore(snapshot);
      expect(restored.snapshot()).toEqual(table.snapshot());
      expect(say(restored, '#lobby', ['e'], 20)).toEqual([5]);
      expect(say(restored, '#rust', ['s'], 21)).toEqual([2]);
    });

    it('keeps the last id given when every entry of a room was dropped', () => {
      const each = cost('alice', 'xx');
      const table = new HistoryTable({ perRoom: 10, maxBytes: 2 * each });
      say(table, '#a', ['a1', 'a2']);
      say(table, '#b', ['b1', 'b2'], 10);
      expect(table.snapshot()).toEqual([
        { name: '#a', entries: [], lastId: 2 },
        expect.objectContaining({ name: '#b' }),
      ]);
      const restored = new HistoryTable({ perRoom: 10, maxBytes: 2 * each });
      restored.restore(table.snapshot());
      expect(say(restored, '#a', ['a3'], 20)).toEqual([3]);
    });

    it('restores a history with gaps (a store lost some): ranges by id, pages by entries, ids go on after the last', () => {
      const entry = (id: number): HistoryEntry => ({ id, at: id, type: 'said', name: 'bob', text: `m${id}` });
      const table = new HistoryTable();
      table.restore([{ name: '#lobby', entries: [entry(3), entry(4), entry(7), entry(9)] }]);
      expect(table.firstId('#lobby')).toBe(3);
      expect(table.lastId('#lobby')).toBe(9);
      expect(ids(table.between('#lobby', 3, 9))).toEqual([4, 7]);
      // Pages count entries, not ids: a gap does not shorten them (nor stop paging back).
      expect(ids(table.before('#lobby', 9, 2))).toEqual([4, 7]);
      expect(ids(table.before('#lobby', 8, 100))).toEqual([3, 4, 7]);
      expect(ids(table.last('#lobby', 3))).toEqual([4, 7, 9]);
      expect(say(table, '#lobby', ['next'], 100)).toEqual([10]);
      // A `lastId` past the last entry: its drops are remembered.
      table.restore([{ name: '#lobby', entries: [entry(3)], lastId: 12 }]);
      expect(say(table, '#lobby', ['next'], 100)).toEqual([13]);
    });

    it('applies its own bounds to what it restores, oldest dropped first (per room, then overall by time)', () => {
      const entry = (id: number, at: number): HistoryEntry => ({ id, at, type: 'said', name: 'alice', text: 'xx' });
      const table = new HistoryTable({ perRoom: 2, maxBytes: 3 * cost('alice', 'xx') });
      table.restore([
        { name: '#a', entries: [entry(1, 1), entry(2, 3), entry(3, 5)] },
        { name: '#b', entries: [entry(1, 2), entry(2, 4)] },
      ]);
      // #a keeps 2 and 3 (room bound); of the four left, the oldest by time (#b's 1, at 2) goes.
      expect(ids(table.last('#a', 10))).toEqual([2, 3]);
      expect(ids(table.last('#b', 10))).toEqual([2]);
      expect(table.lastId('#b')).toBe(2);
    });

    it('keeps each room in id order when times go backwards (clocks of several processes)', () => {
      const entry = (id: number, at: number): HistoryEntry => ({ id, at, type: 'said', name: 'alice', text: `m${id}` });
      const table = new HistoryTable();
      table.restore([
        { name: '#a', entries: [entry(1, 100), entry(2, 90), entry(3, 95), entry(4, 120)] },
        { name: '#b', entries: [entry(1, 80), entry(2, 110)] },
      ]);
      expect(ids(table.last('#a', 10))).toEqual([1, 2, 3, 4]);
      expect(ids(table.between('#a', 1, 4))).toEqual([2, 3]);
      expect(ids(table.before('#a', 3, 1))).toEqual([2]);
      expect(say(table, '#a', ['next'], 130)).toEqual([5]);
    });

    it('replaces what it had', () => {
      const table = new HistoryTable();
      say(table, '#old', ['x']);
      table.restore([]);
      expect(table.snapshot()).toEqual([]);
      expect(table.lastId('#old')).toBe(0);
    });
  });

  it('forgets emptied rooms past 10,000, so rooms that come and go do not grow it without bound', () => {
    // Room for about one entry in all: each new room's line drops the previous room's.
    const table = new HistoryTable({ maxBytes: 100 });
    for (let i = 0; i < 30_000; i++) table.append(`#r${i}`, 'said', 'a', 'x', i);
    const rooms = (table as unknown as { rooms: Map<string, unknown> }).rooms;
    expect(rooms.size).toBeLessThanOrEqual(10_001);
    expect(table.last('#r29999', 1).map((entry) => entry.text)).toEqual(['x']);
  });
});
