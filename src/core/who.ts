import type { RoomsMessage, WhoMessage } from './events';
import type { Registry } from './registry';
import type { Room, RoomTable } from './rooms';

/** The most names one /who reply lists (and rooms one /rooms reply): its size must not grow with the room. */
export const WHO_MAX_NAMES = 100;

/**
 * The reply to /who: the names in a room in join order (those starting with `prefix`, ignoring
 * case, when given), at most `WHO_MAX_NAMES` of them, with how many match in all.
 */
export function whoMessage(registry: Registry, room: Room, prefix?: string): WhoMessage {
  const nameOf = (id: string) => registry.get(id)!.name;
  const { members } = room;
  if (prefix === undefined) {
    return {
      type: 'who',
      names: members.slice(0, WHO_MAX_NAMES).map(nameOf),
      count: members.length,
      room: room.name,
    };
  }
  const folded = prefix.toLowerCase();
  const names: string[] = [];
  let count = 0;
  for (const id of members) {
    const name = nameOf(id);
    if (!name.toLowerCase().startsWith(folded)) continue;
    count++;
    if (names.length < WHO_MAX_NAMES) names.push(name);
  }
  return { type: 'who', names, count, prefix, room: room.name };
}

/**
 * The reply to /rooms: rooms with members (and the default room), biggest first, ties by name; those
 * whose name starts with `prefix` (ignoring case and the `#`), at most `WHO_MAX_NAMES` of them.
 */
export function roomsMessage(rooms: RoomTable, prefix?: string): RoomsMessage {
  const folded = prefix?.replace(/^#/, '').toLowerCase();
  const matching: { name: string; size: number }[] = [];
  for (const room of rooms.list()) {
    if (folded !== undefined && !room.name.slice(1).toLowerCase().startsWith(folded)) continue;
    matching.push({ name: room.name, size: room.size });
  }
  // Bounded work for the reply: a partial sort would do, but 10,000 rooms sort in about a millisecond.
  matching.sort((a, b) => b.size - a.size || byName(a.name, b.name));
  const listed = matching.slice(0, WHO_MAX_NAMES);
  return prefix === undefined
    ? { type: 'rooms', rooms: listed, count: matching.length }
    : { type: 'rooms', rooms: listed, count: matching.length, prefix };
}

/** Names in order ignoring case (then by case, so that the order is total and the same everywhere). */
function byName(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
