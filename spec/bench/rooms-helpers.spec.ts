import { joinRoomOf, lineId, roomOf, roomOrderBreaks } from '../../bench/load/room-order';
import { replyEntries } from '../../bench/scenarios/rooms-listing';

/** What each member of a room of `size` receives when the room's lines go out in `order` (sender slots). */
function views(order: readonly number[], size: number): number[][] {
  const seqs = new Array<number>(size).fill(0);
  const ids = order.map((slot) => lineId(seqs[slot]!++, slot, size));
  return Array.from({ length: size }, (_, m) => ids.filter((id) => id % size !== m));
}

describe('rooms bench helpers', () => {
  it('fills rooms in turn', () => {
    expect([0, 9, 10, 19, 20].map((i) => roomOf(i, 10))).toEqual([0, 0, 1, 1, 2]);
  });

  it('finds no break when every member sees the one order', () => {
    expect(roomOrderBreaks(views([0, 1, 2, 3, 1, 0, 2, 2, 3, 0], 4))).toBe(0);
  });

  it('finds a member who saw two lines swapped, even two lines sent by references', () => {
    const seen = views([0, 1, 2, 3, 4, 1, 0], 5);
    // Member 3 sees line 0 of sender 0 and line 0 of sender 1 the other way round.
    const swapped = seen[3]!;
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    expect(roomOrderBreaks(seen)).toBeGreaterThan(0);
  });

  it('does not count a lost line as a break', () => {
    const seen = views([0, 1, 2, 3], 4);
    seen[2]!.splice(1, 1);
    expect(roomOrderBreaks(seen)).toBe(0);
  });

  it('gives each client distinct rooms of the right size', () => {
    const clients = 1_000;
    const sizes = new Map<number, number>();
    for (let i = 0; i < clients; i++) {
      const rooms = [0, 1, 2, 3, 4].map((k) => joinRoomOf(i, k, clients, 10));
      expect(new Set(rooms).size).toBe(5);
      for (const room of rooms) sizes.set(room, (sizes.get(room) ?? 0) + 1);
    }
    expect(sizes.size).toBe(500);
    expect([...sizes.values()].every((size) => size === 10)).toBe(true);
  });

  it('counts the entries of /rooms and /who replies', () => {
    expect(replyEntries('[*] 3 rooms: #lobby (12), #rust (3), #go (1)')).toBe(3);
    expect(replyEntries('[*] 300 rooms: #a (2), #b (1), ... (first 2; /rooms PREFIX to search)')).toBe(2);
    expect(replyEntries('[*] 120 online in #big: a, b, c, ... (first 3; /who PREFIX to search)')).toBe(3);
    expect(replyEntries('[*] 0 rooms matching "zz"')).toBe(0);
  });
});
