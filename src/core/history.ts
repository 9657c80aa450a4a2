import type { HistoryEntry } from './records';
import { roomKey } from './rooms';

/** How much history the core keeps; the same on every process of a chat. */
export interface HistoryLimits {
  /** Messages kept per room, oldest dropped first. Default 1,000; 0 keeps none (and gives no ids). */
  readonly perRoom?: number;
  /** Bytes kept over all rooms (text and names, approximately), oldest dropped first. Default 64 MiB. */
  readonly maxBytes?: number;
}

/** Past this many rooms with a history, one whose last entry is dropped is forgotten (its ids start again). */
const EMPTY_ROOMS_KEPT = 10_000;

export const DEFAULT_HISTORY_LIMITS = { perRoom: 1_000, maxBytes: 64 * 1024 * 1024 } as const;

/** What an entry costs, counted the same way on every process (string lengths, not the heap's bytes). */
function entryBytes(entry: HistoryEntry): number {
  return entry.text.length + entry.name.length + 64;
}

/** One room's kept messages, oldest first, and the last id it gave. */
class RoomHistory {
  /** Kept entries from `head` on (a queue without shifting). */
  entries: HistoryEntry[] = [];
  head = 0;
  lastId = 0;
  /** Its places in the table's overall order (kept entries, and dropped ones not yet passed). */
  places = 0;

  constructor(readonly name: string) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  /** The oldest kept id, or `lastId + 1` when none is kept. */
  get firstId(): number {
    return this.size === 0 ? this.lastId + 1 : this.entries[this.head]!.id;
  }

  dropOldest(): HistoryEntry {
    const entry = this.entries[this.head]!;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  /** The last `count` kept entries with an id below `before`, oldest first (by entries: a gap does not shorten it). */
  lastBefore(before: number, count: number): HistoryEntry[] {
    const end = this.indexAfter(before - 1);
    return this.entries.slice(Math.max(this.head, end - count), end);
  }

  /** Kept entries with `after < id < before`, oldest first. */
  between(after: number, before: number): HistoryEntry[] {
    const start = this.indexAfter(after);
    const end = this.indexAfter(before - 1);
    return start < end ? this.entries.slice(start, end) : [];
  }

  /** The index of the first kept entry with an id above `id` (binary search: a restored history may have gaps). */
  private indexAfter(id: number): number {
    let low = this.head;
    let high = this.entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.entries[mid]!.id <= id) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** A room's history as a snapshot or a store holds it. */
export interface SnapshotHistory {
  readonly name: string;
  readonly entries: readonly HistoryEntry[];
  /** The last id given, when more than the last entry's (its messages were dropped). */
  readonly lastId?: number;
}

/**
 * Each room's recent messages, part of the core's state: ids increase by one within a room, and
 * what is kept is bounded per room and in total, oldest first. A room's history outlives its members
 * (a room emptied and joined again shows what was said). Everything depends on the events alone, so
 * every process of a chat keeps the same entries under the same ids.
 */
export class HistoryTable {
  readonly perRoom: number;
  readonly maxBytes: number;
  private readonly rooms = new Map<string, RoomHistory>();
  /** Every kept entry's room, in the order kept: the oldest overall is dropped first past `maxBytes`. */
  private order: RoomHistory[] = [];
  private orderHead = 0;
  private bytes = 0;
  /** Entries kept over all rooms. */
  private count = 0;

  constructor(limits: HistoryLimits = {}) {
    this.perRoom = limits.perRoom ?? DEFAULT_HISTORY_LIMITS.perRoom;
    this.maxBytes = limits.maxBytes ?? DEFAULT_HISTORY_LIMITS.maxBytes;
  }

  /** Whether history is kept at all. */
  get enabled(): boolean {
    return this.perRoom > 0;
  }

  /** Keeps a message said in `room` under the room's next id; returns the entry. */
  append(
    room: string,
    type: HistoryEntry['type'],
    name: string,
    text: string,
    at: number,
    /** `roomKey(room)`, when the caller has it already (the core's rooms do): no folding per line. */
    key: string = roomKey(room),
  ): HistoryEntry {
    const history = this.roomFor(room, key);
    const entry: HistoryEntry = { id: history.lastId + 1, at, type, name, text };
    history.lastId = entry.id;
    history.entries.push(entry);
    this.place(history);
    this.bytes += entryBytes(entry);
    if (history.size > this.perRoom) this.drop(history);
    while (this.bytes > this.maxBytes && this.dropOldestOverall());
    return entry;
  }

  /** The last id given in `room` (0 when none). */
  lastId(room: string): number {
    return this.rooms.get(roomKey(room))?.lastId ?? 0;
  }

  /** The oldest kept id in `room`, or `lastId + 1` when none is kept. */
  firstId(room: string): number {
    return this.rooms.get(roomKey(room))?.firstId ?? 1;
  }

  /** The last `count` messages kept in `room`, oldest first. */
  last(room: string, count: number): HistoryEntry[] {
    const history = this.rooms.get(roomKey(room));
    if (history === undefined || count <= 0) return [];
    return history.lastBefore(history.lastId + 1, count);
  }

  /** Up to `count` messages kept in `room` just before id `before`, oldest first (past any gap in the ids). */
  before(room: string, before: number, count: number): HistoryEntry[] {
    const history = this.rooms.get(roomKey(room));
    if (history === undefined || count <= 0) return [];
    return history.lastBefore(before, count);
  }

  /** Kept messages of `room` with `after < id < before`, oldest first. */
  between(room: string, after: number, before: number): HistoryEntry[] {
    return this.rooms.get(roomKey(room))?.between(after, before) ?? [];
  }

  /** Every room's history, for a snapshot (rooms in the order their history began). */
  snapshot(): SnapshotHistory[] {
    const rooms: SnapshotHistory[] = [];
    for (const history of this.rooms.values()) {
      const entries = history.entries.slice(history.head);
      const last = entries[entries.length - 1]?.id ?? 0;
      rooms.push(
        history.lastId === last
          ? { name: history.name, entries }
          : { name: history.name, entries, lastId: history.lastId },
      );
    }
    return rooms;
  }

  /** Replaces everything with a snapshot's (or a store's) history; applies this table's bounds. */
  restore(rooms: readonly SnapshotHistory[]): void {
    this.rooms.clear();
    this.order = [];
    this.orderHead = 0;
    this.bytes = 0;
    this.count = 0;
    // Kept in the order of their ids per room; overall, rooms interleave by time. Times may go
    // backwards within a room (processes' clocks differ): the sort only says which room's next entry
    // comes next, so each room keeps its own order.
    const all: { history: RoomHistory; at: number }[] = [];
    const pending = new Map<RoomHistory, HistoryEntry[]>();
    for (const room of rooms) {
      const history = this.roomFor(room.name);
      for (const entry of room.entries) all.push({ history, at: entry.at });
      pending.set(history, [...(pending.get(history) ?? []), ...room.entries]);
      history.lastId = Math.max(history.lastId, room.lastId ?? 0, room.entries[room.entries.length - 1]?.id ?? 0);
    }
    all.sort((a, b) => a.at - b.at);
    const next = new Map<RoomHistory, number>();
    for (const { history } of all) {
      const index = next.get(history) ?? 0;
      next.set(history, index + 1);
      const entry = pending.get(history)![index]!;
      history.entries.push(entry);
      this.place(history);
      this.bytes += entryBytes(entry);
      if (history.size > this.perRoom) this.drop(history);
    }
    while (this.bytes > this.maxBytes && this.dropOldestOverall());
  }

  private roomFor(name: string, key: string = roomKey(name)): RoomHistory {
    let history = this.rooms.get(key);
    if (history === undefined) {
      history = new RoomHistory(name);
      this.rooms.set(key, history);
    }
    return history;
  }

  /** Drops the oldest kept entry of all; false when nothing is kept. */
  private dropOldestOverall(): boolean {
    while (this.orderHead < this.order.length) {
      const history = this.order[this.orderHead]!;
      this.orderHead += 1;
      history.places -= 1;
      // A room drops its own oldest past `perRoom` and leaves their places here: its oldest places
      // beyond its kept entries are stale.
      if (history.places >= history.size) continue;
      this.drop(history);
      // An emptied room's record (its last id) is kept while there are few, so that ids go on
      // where they were; past that, rooms that come and go would make it grow without bound.
      if (history.size === 0 && this.rooms.size > EMPTY_ROOMS_KEPT) this.rooms.delete(roomKey(history.name));
      return true;
    }
    return false;
  }

  private drop(history: RoomHistory): void {
    this.bytes -= entryBytes(history.dropOldest());
    this.count -= 1;
  }

  private place(history: RoomHistory): void {
    this.count += 1;
    this.order.push(history);
    history.places += 1;
    // Stale places pile up while rooms drop their own oldest: rebuild once they are half of it.
    if (this.order.length - this.orderHead > 2 * this.count + 1024) this.rebuildOrder();
    // The places the byte bound passed pile up before `orderHead`: let them go once they are half of it.
    else if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order = this.order.slice(this.orderHead);
      this.orderHead = 0;
    }
  }

  /** Keeps, for each room, only the places of its kept entries (its latest places), in order. */
  private rebuildOrder(): void {
    const live = this.order.slice(this.orderHead);
    const left = new Map<RoomHistory, number>();
    for (const history of this.rooms.values()) left.set(history, history.size);
    const kept: RoomHistory[] = [];
    for (let i = live.length - 1; i >= 0; i -= 1) {
      const history = live[i]!;
      const n = left.get(history) ?? 0;
      if (n > 0) {
        kept.push(history);
        left.set(history, n - 1);
      }
    }
    kept.reverse();
    for (const history of this.rooms.values()) history.places = history.size;
    this.order = kept;
    this.orderHead = 0;
  }
}
