import { DEFAULT_ROOM, ROOM_PATTERN_SOURCE, isValidRoomName, roomKey } from '../core/rooms';
import { NAME_PATTERN_SOURCE, isValidName } from '../core/names';
import { parseCommand } from '../operators/commands';

/**
 * Stands for the default room among a client's rooms. The server never names it on its lines (they
 * are unprefixed), and it may be any room (`--default-room`): its name is learnt, not assumed.
 */
export const DEFAULT = '';

/**
 * What the client knows of its rooms, from the lines it sent and the server's answers. The server
 * never confirms a /part nor a /join of a room one is in: those are applied when sent.
 */
export interface RoomState {
  /** Your name, from the welcome and your renames. */
  readonly me?: string;
  /** A name asked for with /nick: the server may rename you without telling you (when you share no room). */
  readonly nick?: string;
  /** The rooms you are in, in join order: server spellings, and DEFAULT for the default room. */
  readonly rooms: readonly string[];
  /** Where plain lines go: one of `rooms`; absent when you are in no room. */
  readonly current?: string;
  /** The default room's name while it is believed to be known (`#lobby` until the server says otherwise). */
  readonly defaultRoom?: string;
  /** Rooms /joined and not yet confirmed, oldest first. */
  readonly pending: readonly string[];
}

/** A fresh connection: in the default room only, name not yet known. */
export const INITIAL_ROOM_STATE: RoomState = {
  rooms: [DEFAULT],
  current: DEFAULT,
  defaultRoom: DEFAULT_ROOM,
  pending: [],
};

const NAME = NAME_PATTERN_SOURCE;
const ROOM = ROOM_PATTERN_SOURCE;
const WELCOME = new RegExp(`^\\[\\*\\] Welcome, (${NAME})! `);
const RENAMED = new RegExp(`^(${NAME}) is now known as (${NAME})$`);
const ENTERED_ROOM = new RegExp(`^\\[(${ROOM})\\] (${NAME}) joined$`);
const ENTERED_DEFAULT = new RegExp(`^(${NAME}) joined$`);
const NO_ROOM = new RegExp(`^\\[!\\] you are in no room \\(try /join (${ROOM})\\)$`);
const NOT_IN_ROOM = new RegExp(`^\\[!\\] you are not in (${ROOM})$`);
/** The refusals of a /join of a valid room name (`too many rooms: ...`, `too many rooms on the server ...`). */
const JOIN_REFUSED = /^\[!\] too many rooms/;
/** `[*] resumed as alice in #lobby, #rust` (or `in no room`): a session taken back. */
const RESUMED = new RegExp(`^\\[\\*\\] resumed as (${NAME}) in (.*)$`);

/** The state after the client sent `line` (applied on send: the server does not confirm these). */
export function trackSent(state: RoomState, line: string): RoomState {
  if (!line.startsWith('/') || line.startsWith('//')) return state;
  const command = parseCommand(line);
  if (!('name' in command)) return state;
  switch (command.name) {
    case 'join': {
      if (!isValidRoomName(command.room)) return state;
      // A room one is in: the server switches silently, so switch now.
      const known = findRoom(state, command.room);
      if (known !== undefined) return { ...state, current: known };
      return { ...state, pending: [...state.pending, command.room] };
    }
    case 'part': {
      const room = command.room === undefined ? state.current : findRoom(state, command.room);
      return room === undefined ? state : leaveRoom(state, room);
    }
    case 'nick':
      return isValidName(command.newName) ? { ...state, nick: command.newName } : state;
    default:
      return state;
  }
}

/**
 * The state after the server sent `line`. `beforeDrop` is the state before the connection dropped,
 * for a connection that resumes a session: its current room is the session's, if it is still in it.
 */
export function trackReceived(state: RoomState, line: string, beforeDrop?: RoomState): RoomState {
  let m = RESUMED.exec(line);
  if (m) return resumed(state, m[1]!, m[2]!, beforeDrop ?? state);
  m = WELCOME.exec(line);
  if (m) return { ...INITIAL_ROOM_STATE, me: m[1]! };
  m = RENAMED.exec(line);
  if (m) return isMe(state, m[1]!) ? withoutNick({ ...state, me: m[2]! }) : state;
  m = ENTERED_ROOM.exec(line);
  if (m) {
    if (!isMe(state, m[2]!)) return state;
    const room = m[1]!;
    // A prefixed room is not the default room, whatever it was believed to be.
    const defaultRoom =
      state.defaultRoom !== undefined && roomKey(state.defaultRoom) === roomKey(room) ? undefined : state.defaultRoom;
    return enterRoom(withoutNick({ ...state, me: m[2]!, defaultRoom }), findRoom(state, room) ?? room);
  }
  m = ENTERED_DEFAULT.exec(line);
  if (m) {
    if (!isMe(state, m[1]!)) return state;
    // The /join that brought you back to the default room names it.
    const defaultRoom = state.pending[0] ?? state.defaultRoom;
    return enterRoom(withoutNick({ ...state, me: m[1]!, defaultRoom }), DEFAULT);
  }
  m = NO_ROOM.exec(line);
  // The server says so: whatever was believed, you are in no room.
  if (m) return { ...state, rooms: [], current: undefined, defaultRoom: m[1]! };
  m = NOT_IN_ROOM.exec(line);
  if (m) {
    const room = findRoom(state, m[1]!);
    return room === undefined ? state : leaveRoom(state, room);
  }
  if (JOIN_REFUSED.test(line)) return { ...state, pending: state.pending.slice(1) };
  return state;
}

/** The session's name and rooms, as the server lists them; the current room as before the drop when it can be. */
function resumed(state: RoomState, me: string, list: string, before: RoomState): RoomState {
  const names = list === 'no room' ? [] : list.split(', ').filter(isValidRoomName);
  const defaultKey = state.defaultRoom === undefined ? undefined : roomKey(state.defaultRoom);
  const rooms = names.map((name) => (roomKey(name) === defaultKey ? DEFAULT : name));
  const was = before.current;
  const current =
    was === undefined
      ? undefined
      : rooms.find((room) => (was === DEFAULT ? room === DEFAULT : room !== DEFAULT && roomKey(room) === roomKey(was)));
  const { nick: _, ...rest } = state;
  return { ...rest, me, rooms, current: current ?? rooms.at(-1), pending: [] };
}

/** The name of the room plain lines go to (`defaultRoom`'s for the default room when known), if any. */
export function currentRoomName(state: RoomState): string | undefined {
  if (state.current === undefined) return undefined;
  return state.current === DEFAULT ? (state.defaultRoom ?? DEFAULT) : state.current;
}

/** One of your rooms by any spelling of its name, or undefined when you are not in it (as far as known). */
function findRoom(state: RoomState, name: string): string | undefined {
  const key = roomKey(name);
  if (state.defaultRoom !== undefined && roomKey(state.defaultRoom) === key) {
    return state.rooms.includes(DEFAULT) ? DEFAULT : undefined;
  }
  return state.rooms.find((room) => room !== DEFAULT && roomKey(room) === key);
}

function isMe(state: RoomState, name: string): boolean {
  return name === state.me || name === state.nick;
}

function withoutNick(state: RoomState): RoomState {
  const { nick: _, ...rest } = state;
  return rest;
}

/** In `room` (added last unless already in), and it is current; answered joins are no longer pending. */
function enterRoom(state: RoomState, room: string): RoomState {
  const rooms = state.rooms.includes(room) ? state.rooms : [...state.rooms, room];
  return { ...state, rooms, current: room, pending: [] };
}

/** Out of `room`; as on the server, the current room falls back to the one joined last among those left. */
function leaveRoom(state: RoomState, room: string): RoomState {
  const rooms = state.rooms.filter((r) => r !== room);
  return { ...state, rooms, current: state.current === room ? rooms.at(-1) : state.current };
}
