import { type Observable, type OperatorFunction, defer, map, scan } from 'rxjs';
import { type ChatState, type HistoryOptions, createChatState, restoreChatState } from './chat-state';
import { COMMAND_HELP } from './command-help';
import type {
  ChatEvent,
  ActionMessage,
  ChatMessage,
  ChatOutput,
  ClientId,
  Command,
  ConnectedEvent,
  DisconnectedEvent,
  LineEvent,
  LeaveReason,
  LogEntry,
  Notice,
  RejoinedEvent,
  SaidMessage,
} from './events';
import { isValidName, nameKey, pickName } from './names';
import { emitEach } from './emit-each';
import { lazyDelivery, lazyRoomAudience } from './lazy-delivery';
import { type AudienceView, UnionView } from './member-log';
import type { Client } from './registry';
import { type Room, type RoomLimits, isValidRoomName } from './rooms';
import { roomsMessage, whoMessage } from './who';

import {
  type ResumeActions,
  expireSessions,
  leaveSession,
  onHistory,
  onResume,
  onSession,
  scrollbackFor,
} from './remembering';

export { type ChatState, createChatState, snapshotChat } from './chat-state';

/** How `chat()` keeps its state, and the room limits and history options of a fresh one. */
export interface ChatOptions extends RoomLimits, HistoryOptions {
  /**
   * The state to start from and to keep updating in place, instead of a fresh one per subscription:
   * lets its holder read the live registry (to re-announce its clients, to take snapshots). Give one
   * state to one subscription only.
   */
  readonly state?: ChatState;
}

export interface ChatStep {
  readonly state: ChatState;
  readonly outputs: readonly ChatOutput[];
}

const NOTHING: readonly ChatOutput[] = [];

/**
 * The chat protocol as a stream transformation: events in, outputs out, nothing else touched.
 * The registry is derived with `scan`; every output is computed from the event and that state only
 * (names and times come in the events, drawn and stamped at the edge), so the same events always
 * give the same outputs, in every process that applies them. Each subscription gets its own fresh
 * state unless `options.state` is given.
 */
export function chat(options: ChatOptions = {}): OperatorFunction<ChatEvent, ChatOutput> {
  return (event$: Observable<ChatEvent>) =>
    defer(() =>
      event$.pipe(
        scan((step: ChatStep, event: ChatEvent) => reduceChat(step.state, event), {
          state: options.state ?? createChatState(undefined, options),
          outputs: NOTHING,
        }),
        map((step) => step.outputs),
        emitEach(),
      ),
    );
}

/**
 * One step of the protocol: what to send for one event. It updates `state` in place (the state
 * belongs to one `scan`), so keep one state per chat and pass each event once.
 */
export function reduceChat(state: ChatState, event: ChatEvent): ChatStep {
  const at = event.at ?? 0;
  const expired = expireSessions(state, at);
  const step = reduceEvent(state, event, at);
  return expired.length === 0 ? step : { state, outputs: [...expired, ...step.outputs] };
}

function reduceEvent(state: ChatState, event: ChatEvent, at: number): ChatStep {
  switch (event.type) {
    case 'shutdown':
      return onShutdown(state, at);
    case 'reset':
      restoreChatState(state, event.snapshot);
      return unchanged(state);
  }
  if (state.closing) {
    // Shutting down: turn newcomers away, announce nothing else.
    return event.type === 'connected' || event.type === 'rejoined' ? turnAway(state, event.id) : unchanged(state);
  }
  switch (event.type) {
    case 'connected':
      return onConnected(state, event, at);
    case 'rejoined':
      return onRejoined(state, event, at);
    case 'connecting':
      return unchanged(state);
    case 'disconnected':
      return onDisconnected(state, event, at);
    case 'line':
      return onLine(state, event, at);
    case 'line-too-long':
      return reply(state, notice(event.id, { code: 'line-too-long', maxBytes: event.maxBytes }, at));
    case 'notice':
      return reply(state, notice(event.id, event.notice, at));
    case 'kick':
      return depart(state, event.id, at, { notice: event.reason, reason: { kind: 'kicked', notice: event.reason } });
    case 'command': {
      const client = state.registry.get(event.id);
      return client === undefined ? unchanged(state) : onCommand(state, client, event.command, at);
    }
    case 'node-gone':
      return onNodeGone(state, event.node, at);
    case 'node-stopping':
      return onNodeStopping(state, event.node, at);
  }
}

function onConnected(state: ChatState, event: ConnectedEvent, at: number): ChatStep {
  const { registry } = state;
  if (registry.get(event.id) !== undefined) return unchanged(state);
  if (event.node !== undefined && state.stoppedNodes.has(event.node)) return turnAway(state, event.id);
  const name = pickName(event.names ?? [], takenNames(state, at));
  registry.join(newClient(event.id, name, event));
  const { room } = state.rooms.join(event.id, state.rooms.defaultRoom.name);
  const outputs: ChatOutput[] = [
    log({ type: 'connected', name, remote: event.remote }, at),
    deliver([event.id], { type: 'welcome', name }, at),
  ];
  outputs.push(...scrollbackFor(state, event.id, room, at));
  outputs.push(toRoomNow(state, room, { type: 'joined', name, room: room.name }, at));
  return { state, outputs };
}

/** A client re-announced after a reset: silent, unless its name went to someone else meanwhile. */
function onRejoined(state: ChatState, event: RejoinedEvent, at: number): ChatStep {
  const { registry } = state;
  if (registry.get(event.id) !== undefined) return unchanged(state);
  if (event.node !== undefined && state.stoppedNodes.has(event.node)) return turnAway(state, event.id);
  const name = pickName([event.name], takenNames(state, at));
  registry.join(newClient(event.id, name, event));
  rejoinRooms(state, event);
  // It has been connected all along: nothing to replay into this connection should it resume.
  for (const room of state.rooms.roomsOf(event.id))
    state.sentFrom.set(event.id, room.key, state.history.lastId(room.name) + 1);
  if (name === event.name) return unchanged(state);
  const renamed = { from: event.name, to: name };
  return {
    state,
    outputs: [
      log({ type: 'renamed', ...renamed }, at),
      toAudienceOf(state, event.id, { type: 'renamed', ...renamed }, at),
    ],
  };
}

/** Back into the rooms it had (within the limits), silently; the default room when it names none. */
function rejoinRooms(state: ChatState, event: RejoinedEvent): void {
  const { rooms } = state;
  const names = event.rooms ?? [rooms.defaultRoom.name];
  for (const name of names) {
    if (isValidRoomName(name) && rooms.refusal(event.id, name) === undefined) rooms.join(event.id, name);
  }
  const current = event.current === undefined ? undefined : rooms.find(event.current);
  if (current !== undefined && rooms.isMember(event.id, current)) rooms.join(event.id, current.name);
}

/** Names in use: by someone online, or held for a detached session. */
function takenNames(state: ChatState, at: number): { has(key: string): boolean } {
  const { registry, sessions } = state;
  return { has: (key) => registry.has(key) || sessions.reserves(key, at) };
}

function newClient(id: ClientId, name: string, event: ConnectedEvent | RejoinedEvent): Client {
  return event.node === undefined
    ? { id, name, remote: event.remote }
    : { id, name, remote: event.remote, node: event.node };
}

function onLine(state: ChatState, event: LineEvent, at: number): ChatStep {
  const client = state.registry.get(event.id);
  const text = event.text.trim();
  if (client === undefined || text.length === 0) return unchanged(state);
  const room = state.rooms.currentOf(client.id);
  if (room === undefined) return reply(state, notice(client.id, noRoom(state), at));
  const outputs: ChatOutput[] = [log(saidEntry(state, room, client.name, text), at)];
  const said = remember(state, room, 'said', client.name, text, at, outputs);
  outputs.push(toRoom(state, room, said, at, client.id));
  return { state, outputs };
}

/**
 * Keeps a line or action in its room's history (with a record for the store, before the delivery)
 * and returns its message, with its id and time when history is kept.
 */
function remember(
  state: ChatState,
  room: Room,
  type: 'said' | 'action',
  name: string,
  text: string,
  at: number,
  outputs: ChatOutput[],
): SaidMessage | ActionMessage {
  if (!state.history.enabled) return { type, name, text, room: room.name };
  const entry = state.history.append(room.name, type, name, text, at, room.key);
  if (state.records) outputs.push({ kind: 'record', record: { type: 'message', room: room.name, entry } });
  // One literal, not a spread of the message: a spread with properties after it took most of a line's time in the core.
  return { type, name, text, room: room.name, id: entry.id, at };
}

function saidEntry(state: ChatState, room: Room, name: string, text: string): LogEntry {
  return state.rooms.isDefault(room) ? { type: 'said', name, text } : { type: 'said', name, text, room: room.name };
}

function noRoom(state: ChatState): Notice {
  return { code: 'no-room', defaultRoom: state.rooms.defaultRoom.name };
}

function onDisconnected(state: ChatState, event: DisconnectedEvent, at: number): ChatStep {
  const logError = event.reason === 'error' ? (event.error ?? 'connection error') : undefined;
  return depart(state, event.id, at, { logError, closed: true });
}

interface Departure {
  /** The connection is already gone: no notice, no close request. */
  readonly closed?: boolean;
  /** A notice for the leaver before its connection is closed. */
  readonly notice?: Notice;
  /** Shown to everyone else with the leave (the /quit reason). */
  readonly publicReason?: string;
  /** For the log: why the server let the client go. */
  readonly reason?: LeaveReason;
  readonly logError?: string;
}

/** Removes a client, announces its leave to the others and, unless it is gone already, closes it. */
function depart(state: ChatState, id: ClientId, at: number, how: Departure): ChatStep {
  const outputs: ChatOutput[] = [];
  if (how.notice !== undefined) outputs.push(notice(id, how.notice, at));
  if (!how.closed) outputs.push({ kind: 'close', id });
  const { registry } = state;
  if (registry.get(id) === undefined) return { state, outputs };
  outputs.push(...leaveSession(state, id, at, how.reason?.kind === 'quit'));
  const client = registry.leave(id)!;
  const rooms = state.rooms.leaveAll(id);

  if (how.logError !== undefined) outputs.push(log({ type: 'error', name: client.name, error: how.logError }, at));
  outputs.push(
    log(
      how.reason === undefined
        ? { type: 'disconnected', name: client.name }
        : { type: 'disconnected', name: client.name, reason: how.reason },
      at,
    ),
  );
  if (rooms.some((room) => room.size > 0)) {
    const left: ChatMessage =
      how.publicReason === undefined
        ? { type: 'left', name: client.name }
        : { type: 'left', name: client.name, reason: how.publicReason };
    outputs.push(leaveTo(state, rooms, left, at));
  }
  return { state, outputs };
}

/**
 * A leave for everyone in `rooms` (the leaver already out), naming the rooms it is made of (see
 * `Delivery.rooms`). Audiences as of now, made into arrays only when read (see `lazyDelivery`).
 */
function leaveTo(state: ChatState, rooms: readonly Room[], message: ChatMessage, at: number): ChatOutput {
  const views: AudienceView[] = [];
  const byRoom = [];
  for (const room of rooms) {
    if (room.size === 0) continue;
    const view = state.rooms.viewOf(room);
    views.push(view);
    byRoom.push(lazyRoomAudience(room.name, view));
  }
  const audience = views.length === 1 ? views[0]! : new UnionView(views);
  return isEveryone(state, audience)
    ? lazyDelivery(audience, { everyone: true, message, rooms: byRoom, at })
    : lazyDelivery(audience, { message, rooms: byRoom, at });
}

function onCommand(state: ChatState, client: Client, command: Command, at: number): ChatStep {
  const { registry } = state;
  switch (command.name) {
    case 'nick':
      return onNick(state, client, command.newName, at);
    case 'who':
      return onWho(state, client, command, at);
    case 'me': {
      const room = state.rooms.currentOf(client.id);
      if (room === undefined) return reply(state, notice(client.id, noRoom(state), at));
      const outputs: ChatOutput[] = [];
      const action = remember(state, room, 'action', client.name, command.action, at, outputs);
      outputs.push(toRoom(state, room, action, at, client.id));
      return { state, outputs };
    }
    case 'join':
      return onJoin(state, client, command.room, at);
    case 'part':
      return onPart(state, client, command.room, command.reason, at);
    case 'rooms':
      return reply(state, deliver([client.id], roomsMessage(state.rooms, command.prefix), at));
    case 'msg': {
      const target = registry.findByName(command.to);
      if (target === undefined) return reply(state, notice(client.id, { code: 'no-such-user', name: command.to }, at));
      return reply(state, deliver([target.id], { type: 'private', from: client.name, text: command.text }, at));
    }
    case 'quit':
      return command.reason === undefined
        ? depart(state, client.id, at, { reason: { kind: 'quit' } })
        : depart(state, client.id, at, {
            reason: { kind: 'quit', text: command.reason },
            publicReason: command.reason,
          });
    case 'help':
      return reply(state, deliver([client.id], { type: 'help', commands: COMMAND_HELP }, at));
    case 'history':
      return { state, outputs: onHistory(state, client, command, at) };
    case 'session':
      return { state, outputs: onSession(state, client, command, at) };
    case 'resume':
      return { state, outputs: onResume(state, client, command, at, resumeActions) };
  }
}

function onNick(state: ChatState, client: Client, newName: string, at: number): ChatStep {
  if (!isValidName(newName)) {
    return reply(state, notice(client.id, { code: 'invalid-name', name: newName }, at));
  }
  if (newName === client.name) return reply(state, notice(client.id, { code: 'same-name', name: newName }, at));
  const { registry } = state;
  const holder = registry.findByName(newName);
  if (
    (holder !== undefined && holder.id !== client.id) ||
    (holder === undefined && state.sessions.reserves(nameKey(newName), at))
  ) {
    return reply(state, notice(client.id, { code: 'name-taken', name: newName }, at));
  }
  return { state, outputs: rename(state, client, newName, at) };
}

/** Renames a client (its session follows), told to everyone who shares a room with it. */
function rename(state: ChatState, client: Client, newName: string, at: number): ChatOutput[] {
  state.registry.rename(client.id, newName);
  const outputs: ChatOutput[] = [];
  const session = state.sessions.rename(client.id, newName);
  if (session !== undefined && state.records) outputs.push({ kind: 'record', record: { type: 'session', session } });
  outputs.push(
    log({ type: 'renamed', from: client.name, to: newName }, at),
    toAudienceOf(state, client.id, { type: 'renamed', from: client.name, to: newName }, at),
  );
  return outputs;
}

/** /who: the current room (or a named one), or a search of the current room by prefix. */
function onWho(state: ChatState, client: Client, command: { prefix?: string; room?: string }, at: number): ChatStep {
  const { rooms, registry } = state;
  let room: Room | undefined;
  if (command.room !== undefined) {
    if (!isValidRoomName(command.room)) return reply(state, notice(client.id, invalidRoom(command.room), at));
    room = rooms.find(command.room);
    if (room === undefined) return reply(state, notice(client.id, { code: 'no-such-room', room: command.room }, at));
  } else {
    room = rooms.currentOf(client.id);
    if (room === undefined) return reply(state, notice(client.id, noRoom(state), at));
  }
  return reply(state, deliver([client.id], whoMessage(registry, room, command.prefix), at));
}

/**
 * /join: into the room (made if needed), which becomes current; every member, the joiner included,
 * hears of it, and the joiner gets the member list. A room one is in already only becomes current.
 */
function onJoin(state: ChatState, client: Client, name: string, at: number): ChatStep {
  const { rooms } = state;
  if (!isValidRoomName(name)) return reply(state, notice(client.id, invalidRoom(name), at));
  const existing = rooms.find(name);
  if (existing === undefined || !rooms.isMember(client.id, existing)) {
    const refusal = rooms.refusal(client.id, name);
    if (refusal === 'too-many-rooms') {
      return reply(state, notice(client.id, { code: 'too-many-rooms', limit: rooms.maxRoomsPerClient }, at));
    }
    if (refusal === 'server-rooms-full') {
      return reply(state, notice(client.id, { code: 'server-rooms-full', limit: rooms.maxRooms }, at));
    }
  }
  return { state, outputs: enter(state, client, name, at, true) };
}

/**
 * Puts a client in a room (which becomes current): every member hears of it, the joiner gets the
 * member list and, with `scrollback`, the room's last messages. Nothing when it was in it already.
 */
function enter(state: ChatState, client: Client, name: string, at: number, scrollback: boolean): ChatOutput[] {
  const { room, entered } = state.rooms.join(client.id, name);
  if (!entered) return [];
  const outputs = [
    toRoomNow(state, room, { type: 'entered', room: room.name, name: client.name }, at),
    deliver([client.id], whoMessage(state.registry, room), at),
  ];
  if (scrollback) outputs.push(...scrollbackFor(state, client.id, room, at));
  else state.sentFrom.set(client.id, room.key, state.history.lastId(room.name) + 1);
  return outputs;
}

/** /part: out of the room (default: the current one); the members remaining hear of it. */
function onPart(
  state: ChatState,
  client: Client,
  name: string | undefined,
  reason: string | undefined,
  at: number,
): ChatStep {
  const { rooms } = state;
  if (name !== undefined && !isValidRoomName(name)) return reply(state, notice(client.id, invalidRoom(name), at));
  const room = name === undefined ? rooms.currentOf(client.id) : rooms.find(name);
  if (room === undefined || !rooms.isMember(client.id, room)) {
    const notIn: Notice = name === undefined ? noRoom(state) : { code: 'not-in-room', room: room?.name ?? name };
    return reply(state, notice(client.id, notIn, at));
  }
  return { state, outputs: partRoom(state, client, room, reason, at) };
}

/** Takes a client out of a room it is in; the members remaining hear of it. */
function partRoom(state: ChatState, client: Client, room: Room, reason: string | undefined, at: number): ChatOutput[] {
  state.rooms.part(client.id, room);
  state.sentFrom.deleteRoom(client.id, room.key);
  if (room.size === 0) return [];
  const parted: ChatMessage =
    reason === undefined
      ? { type: 'parted', room: room.name, name: client.name }
      : { type: 'parted', room: room.name, name: client.name, reason };
  return [toRoomNow(state, room, parted, at)];
}

/** What a resume does to the client through the core's own rules. */
const resumeActions: ResumeActions = {
  enter: (state, client, room, at) => enter(state, client, room, at, false),
  part: (state, client, room, at) => partRoom(state, client, room, undefined, at),
  rename,
  notice,
  deliver: (to, message, at) => deliver(to, message, at),
  kick: (state, id, reason, at) =>
    depart(state, id, at, { notice: reason, reason: { kind: 'kicked', notice: reason } }).outputs as ChatOutput[],
};

/** The leave of a client that was in `rooms` (already out of them): nothing when nobody shared one. */
function leaveOf(state: ChatState, rooms: readonly Room[], name: string, at: number): ChatOutput[] {
  return rooms.some((room) => room.size > 0) ? [leaveTo(state, rooms, { type: 'left', name }, at)] : [];
}

function invalidRoom(room: string): Notice {
  return { code: 'invalid-room', room };
}

function onShutdown(state: ChatState, at: number): ChatStep {
  if (state.closing) return unchanged(state);
  const { order } = state.registry;
  const outputs: ChatOutput[] = [];
  // Sessions wait out their window across a restart of a chat with a store.
  for (const id of order) outputs.push(...leaveSession(state, id, at, false));
  if (order.length > 0) outputs.push(deliver(order, { type: 'shutdown' }, at));
  for (const id of order) outputs.push({ kind: 'close', id });
  state.closing = true;
  return { state, outputs };
}

/**
 * A process died: each of its clients leaves, announced once to everyone remaining. A second report
 * finds none of them online and does nothing. The close requests matter only if the process was
 * alive after all: its clients are then closed rather than left connected outside the registry.
 */
function onNodeGone(state: ChatState, node: string, at: number): ChatStep {
  const { registry } = state;
  const outputs: ChatOutput[] = [];
  const gone = registry.leaveAll(registry.clientsOf(node).map((client) => client.id));
  const roomsOf = leaveRooms(state, gone, at, outputs);
  gone.forEach((client, i) => {
    outputs.push({ kind: 'close', id: client.id }, log({ type: 'disconnected', name: client.name }, at));
    outputs.push(...leaveOf(state, roomsOf[i]!, client.name, at));
  });
  return { state, outputs };
}

/**
 * Takes clients leaving together out of their rooms (their sessions detached, with records in
 * `outputs`); each one's audience, with none of them in it.
 */
function leaveRooms(state: ChatState, leaving: readonly Client[], at: number, outputs: ChatOutput[]): Room[][] {
  return leaving.map((client) => {
    outputs.push(...leaveSession(state, client.id, at, false));
    return state.rooms.leaveAll(client.id);
  });
}

/**
 * One process stops while the chat goes on: a shutdown for its own clients, a leave for everyone
 * else, and no more newcomers through it.
 */
function onNodeStopping(state: ChatState, node: string, at: number): ChatStep {
  const { registry } = state;
  state.stoppedNodes.add(node);
  const leaving = registry.leaveAll(registry.clientsOf(node).map((client) => client.id));
  if (leaving.length === 0) return unchanged(state);
  const ids = leaving.map((client) => client.id);
  const outputs: ChatOutput[] = [];
  const roomsOf = leaveRooms(state, leaving, at, outputs);
  outputs.push(deliver(ids, { type: 'shutdown' }, at));
  for (const id of ids) outputs.push({ kind: 'close', id });
  leaving.forEach((client, i) => {
    outputs.push(log({ type: 'disconnected', name: client.name }, at));
    outputs.push(...leaveOf(state, roomsOf[i]!, client.name, at));
  });
  return { state, outputs };
}

function turnAway(state: ChatState, id: ClientId): ChatStep {
  return { state, outputs: [{ kind: 'close', id }] };
}

function unchanged(state: ChatState): ChatStep {
  return { state, outputs: NOTHING };
}

function reply(state: ChatState, output: ChatOutput): ChatStep {
  return { state, outputs: [output] };
}

function notice(id: ClientId, notice: Notice, at: number): ChatOutput {
  return deliver([id], { type: 'notice', notice }, at);
}

function deliver(to: readonly ClientId[], message: ChatMessage, at: number, except?: ClientId): ChatOutput {
  return except === undefined ? { kind: 'deliver', to, message, at } : { kind: 'deliver', to, except, message, at };
}

/** A message for a room's members (but `except`): the room's own member list is the audience. */
function toRoom(state: ChatState, room: Room, message: ChatMessage, at: number, except?: ClientId): ChatOutput {
  return toAudience(state, room.members, message, at, except);
}

/**
 * A join or part for a room's members as of now: the audience is made into an array only when read
 * (most of a join storm's never are: see `MemberLog`), so a join costs O(1) in the core.
 */
function toRoomNow(state: ChatState, room: Room, message: ChatMessage, at: number): ChatOutput {
  const view = state.rooms.viewOf(room);
  return isEveryone(state, view)
    ? lazyDelivery(view, { everyone: true, message, at })
    : lazyDelivery(view, { message, at });
}

/** Whether an audience is everyone online (its members are all online: counting is enough). */
function isEveryone(state: ChatState, audience: AudienceView): boolean {
  const online = state.registry.size;
  // A union holding a room of everyone is everyone, without making the union.
  if (audience instanceof UnionView && audience.parts.some((part) => part.size === online)) return true;
  return audience.size === online;
}

/** A message for everyone who shares a room with `id` (`id` too, while in a room). */
function toAudienceOf(state: ChatState, id: ClientId, message: ChatMessage, at: number): ChatOutput {
  return toAudience(state, state.rooms.audienceOf(state.rooms.roomsOf(id)), message, at);
}

/**
 * A message for `to`. An audience as large as the registry is everyone online: marked `everyone`,
 * so that a transport holding few of them can walk its own clients instead of the whole audience
 * (a process in a big cluster); a room's audience is walked as it is, so a line costs what its room does.
 */
function toAudience(
  state: ChatState,
  to: readonly ClientId[],
  message: ChatMessage,
  at: number,
  except?: ClientId,
): ChatOutput {
  if (to.length !== state.registry.size) return deliver(to, message, at, except);
  return except === undefined
    ? { kind: 'deliver', to, everyone: true, message, at }
    : { kind: 'deliver', to, everyone: true, except, message, at };
}

function log(entry: LogEntry, at: number): ChatOutput {
  return { kind: 'log', entry, at };
}
