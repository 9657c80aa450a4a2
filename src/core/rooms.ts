import type { ClientId } from './events';
import { type AudienceView, FixedView, MemberLog, UnionView } from './member-log';
import { nameKey } from './names';

/** The room everyone lands in on connect, unless the server names another (`--default-room`). */
export const DEFAULT_ROOM = '#lobby';
/** The rule for room names: `#` and what a user name allows. */
export const ROOM_PATTERN_SOURCE = '#[A-Za-z0-9._-]{1,32}';
const ROOM_PATTERN = new RegExp(`^${ROOM_PATTERN_SOURCE}$`);

/** How many rooms a client and the server may hold; the same on every process of a chat. */
export interface RoomLimits {
  /** The room every client joins on connect. Default `#lobby`. */
  readonly defaultRoom?: string;
  /** Rooms one client may be in at once. Default 50. */
  readonly maxRoomsPerClient?: number;
  /** Rooms that may exist at once, the default room included. Default 10,000. */
  readonly maxRooms?: number;
}

export const DEFAULT_ROOM_LIMITS = { defaultRoom: DEFAULT_ROOM, maxRoomsPerClient: 50, maxRooms: 10_000 } as const;

/** True for `#` and 1-32 characters of `[A-Za-z0-9._-]`. */
export function isValidRoomName(name: string): boolean {
  return ROOM_PATTERN.test(name);
}

/** Rooms collide as names do: ignoring case and look-alike characters (`#Rust`, `#rusT`, `#ru5t`). */
export function roomKey(name: string): string {
  return `#${nameKey(name.slice(1))}`;
}

/** A room: its name as first written, and its members in join order. */
export interface Room {
  readonly key: string;
  readonly name: string;
  /**
   * Members in join order: an immutable array (the same one until the next join or part), so that
   * a delivery holding it as its audience never sees it change.
   */
  readonly members: readonly ClientId[];
  /** How many members it has (without making the array). */
  readonly size: number;
}

class TableRoom implements Room {
  readonly log = new MemberLog();

  constructor(
    readonly key: string,
    readonly name: string,
  ) {}

  get members(): readonly ClientId[] {
    return this.log.members;
  }

  get size(): number {
    return this.log.size;
  }
}

/** A room as a snapshot holds it. */
export interface SnapshotRoom {
  readonly name: string;
  readonly members: readonly ClientId[];
}

/** A client's rooms as a snapshot holds them: names in join order, and the current one. */
export interface SnapshotMembership {
  readonly id: ClientId;
  readonly rooms: readonly string[];
  readonly current?: string;
}

/** Why a join was refused. */
export type JoinRefusal = 'too-many-rooms' | 'server-rooms-full';

/** A client's rooms once it is in more than one: their keys in join order, and the one its plain lines go to. */
interface Membership {
  readonly keys: string[];
  current: string;
}

/**
 * Who is in which room: part of the core's state, changed only by the core's events. A room exists
 * while it has members; the default room always exists. Each client's rooms are kept in join
 * order, and its current room (where plain lines go) is the one it chose last.
 */
export class RoomTable {
  readonly defaultRoom: Room;
  readonly maxRoomsPerClient: number;
  readonly maxRooms: number;
  private readonly rooms = new Map<string, TableRoom>();
  /**
   * Each client's rooms: the key of its one room (then also its current room), or its keys in join
   * order and its current room once it is in several. A client in the default room alone (most of
   * them, idle ones all) costs one entry and no array.
   */
  private readonly joined = new Map<ClientId, string | Membership>();

  constructor(limits: RoomLimits = {}) {
    const name = limits.defaultRoom ?? DEFAULT_ROOM;
    if (!isValidRoomName(name)) throw new Error(`invalid default room name: ${name}`);
    this.maxRoomsPerClient = limits.maxRoomsPerClient ?? DEFAULT_ROOM_LIMITS.maxRoomsPerClient;
    this.maxRooms = limits.maxRooms ?? DEFAULT_ROOM_LIMITS.maxRooms;
    const room = new TableRoom(roomKey(name), name);
    this.rooms.set(room.key, room);
    this.defaultRoom = room;
  }

  /** How many rooms exist, the default room included. */
  get size(): number {
    return this.rooms.size;
  }

  /** The room named `name` (ignoring case and look-alikes), if it exists. */
  find(name: string): Room | undefined {
    return this.rooms.get(roomKey(name));
  }

  isDefault(room: Room): boolean {
    return room.key === this.defaultRoom.key;
  }

  /** Every room, in creation order (the default room first). */
  list(): IterableIterator<Room> {
    return this.rooms.values();
  }

  /** A client's rooms, in join order. */
  roomsOf(id: ClientId): Room[] {
    const joined = this.joined.get(id);
    if (joined === undefined) return [];
    if (typeof joined === 'string') return [this.rooms.get(joined)!];
    return joined.keys.map((key) => this.rooms.get(key)!);
  }

  /** The room a client's plain lines go to, if it is in any. */
  currentOf(id: ClientId): Room | undefined {
    const joined = this.joined.get(id);
    if (joined === undefined) return undefined;
    return this.rooms.get(typeof joined === 'string' ? joined : joined.current);
  }

  isMember(id: ClientId, room: Room): boolean {
    const joined = this.joined.get(id);
    if (joined === undefined) return false;
    return typeof joined === 'string' ? joined === room.key : joined.keys.includes(room.key);
  }

  /** Why `id` may not join a room named `name` now, or undefined if it may. */
  refusal(id: ClientId, name: string): JoinRefusal | undefined {
    const joined = this.joined.get(id);
    const count = joined === undefined ? 0 : typeof joined === 'string' ? 1 : joined.keys.length;
    if (count >= this.maxRoomsPerClient) return 'too-many-rooms';
    if (!this.rooms.has(roomKey(name)) && this.rooms.size >= this.maxRooms) return 'server-rooms-full';
    return undefined;
  }

  /**
   * Adds a client to a room (made if needed, named `name`) and makes it current. Check `refusal`
   * first: this does not. Joining a room one is in only makes it current.
   */
  join(id: ClientId, name: string): { readonly room: Room; readonly entered: boolean } {
    let key = roomKey(name);
    let room = this.rooms.get(key);
    if (room === undefined) {
      room = new TableRoom(key, name);
      this.rooms.set(key, room);
    }
    // The room's own key is kept, not this lookup's copy of it: one string for all its members.
    key = room.key;
    const joined = this.joined.get(id);
    if (joined === undefined) {
      this.joined.set(id, key);
    } else if (typeof joined === 'string') {
      if (joined === key) return { room, entered: false };
      this.joined.set(id, { keys: [joined, key], current: key });
    } else {
      joined.current = key;
      if (joined.keys.includes(key)) return { room, entered: false };
      joined.keys.push(key);
    }
    room.log.add(id);
    return { room, entered: true };
  }

  /**
   * Takes a client out of a room (removed when empty, unless it is the default room). Its current
   * room becomes the one it joined most recently among those left.
   */
  part(id: ClientId, room: Room): void {
    const joined = this.joined.get(id);
    if (joined === undefined) return;
    if (typeof joined === 'string') {
      if (joined !== room.key) return;
      this.removeMember(room.key, id);
      this.joined.delete(id);
      return;
    }
    const { keys } = joined;
    const at = keys.indexOf(room.key);
    if (at < 0) return;
    keys.splice(at, 1);
    this.removeMember(room.key, id);
    // One room left: it is the current one.
    if (keys.length === 1) this.joined.set(id, keys[0]!);
    else if (joined.current === room.key) joined.current = keys[keys.length - 1]!;
  }

  /** Takes a client out of every room (it left the server); returns the rooms it was in. */
  leaveAll(id: ClientId): Room[] {
    const rooms = this.roomsOf(id);
    for (const room of rooms) this.removeMember(room.key, id);
    this.joined.delete(id);
    return rooms;
  }

  /**
   * Everyone who shares at least one room with a client, once each (the client too, while it is in
   * a room): who hears of its rename or its leave. One room's members are returned as they are.
   */
  audienceOf(rooms: readonly Room[]): readonly ClientId[] {
    return this.audienceViewOf(rooms).resolve();
  }

  /** `audienceOf` as of now, made into an array only when read: what a delivery holds. */
  audienceViewOf(rooms: readonly Room[]): AudienceView {
    if (rooms.length === 0) return new FixedView([]);
    if (rooms.length === 1) return this.viewOf(rooms[0]!);
    return new UnionView(rooms.map((room) => this.viewOf(room)));
  }

  /** A room's members as of now, made into an array only when read (see `MemberLog`). */
  viewOf(room: Room): AudienceView {
    return (room as TableRoom).log.view();
  }

  /**
   * Replaces every membership with a snapshot's: the rooms with their members in join order, and
   * each client's rooms in join order with its current room. Members of unknown rooms are ignored.
   */
  restore(rooms: readonly SnapshotRoom[], clients: readonly SnapshotMembership[]): void {
    this.rooms.clear();
    this.joined.clear();
    const defaultRoom = this.defaultRoom as TableRoom;
    for (const id of defaultRoom.members) defaultRoom.log.remove(id);
    this.rooms.set(defaultRoom.key, defaultRoom);
    for (const { name, members } of rooms) {
      const key = roomKey(name);
      const room = this.rooms.get(key) ?? new TableRoom(key, name);
      for (const id of members) room.log.add(id);
      if (room.size > 0 || key === this.defaultRoom.key) this.rooms.set(key, room);
    }
    for (const { id, rooms: names, current } of clients) {
      const keys = names.map(roomKey).filter((key) => this.rooms.has(key));
      if (keys.length === 0) continue;
      if (keys.length === 1) {
        this.joined.set(id, keys[0]!);
        continue;
      }
      const chosen = current === undefined ? undefined : roomKey(current);
      this.joined.set(id, {
        keys,
        current: chosen !== undefined && keys.includes(chosen) ? chosen : keys[keys.length - 1]!,
      });
    }
  }

  /** Each client's rooms (names, join order) and current room, for a snapshot. */
  membershipOf(id: ClientId): { readonly rooms: string[]; readonly current?: string } {
    const rooms = this.roomsOf(id).map((room) => room.name);
    const current = this.currentOf(id)?.name;
    return current === undefined ? { rooms } : { rooms, current };
  }

  private removeMember(key: string, id: ClientId): void {
    const room = this.rooms.get(key);
    if (room === undefined) return;
    room.log.remove(id);
    if (room.size === 0 && key !== this.defaultRoom.key) this.rooms.delete(key);
  }
}
