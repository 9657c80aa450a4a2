import type { ChatState } from './chat-state';
import type { ChatMessage, ChatOutput, ClientId, Command, Notice } from './events';
import { nameKey, pickName } from './names';
import type { SessionRecord, StoreRecord } from './records';
import type { Client } from './registry';
import { type Room, isValidRoomName, roomKey } from './rooms';

/** The most messages one /history page returns. */
export const HISTORY_PAGE_MAX = 100;
/** A /history page without a count. */
export const HISTORY_PAGE_DEFAULT = 20;

/** What a resume does through the core's own rules (joins, parts, renames), given by `chat.ts`. */
export interface ResumeActions {
  enter(state: ChatState, client: Client, room: string, at: number): ChatOutput[];
  part(state: ChatState, client: Client, room: Room, at: number): ChatOutput[];
  rename(state: ChatState, client: Client, name: string, at: number): ChatOutput[];
  notice(id: ClientId, notice: Notice, at: number): ChatOutput;
  deliver(to: readonly ClientId[], message: ChatMessage, at: number): ChatOutput;
  /** Lets a client go with a notice, its leave announced (as a `kick`). */
  kick(state: ChatState, id: ClientId, notice: Notice, at: number): ChatOutput[];
}

function record(state: ChatState, store: StoreRecord): ChatOutput[] {
  return state.records ? [{ kind: 'record', record: store }] : [];
}

function sessionRecord(state: ChatState, session: SessionRecord | undefined): ChatOutput[] {
  return session === undefined ? [] : record(state, { type: 'session', session });
}

/**
 * The scrollback for a client that just joined `room`: its last messages, marked as history, to the
 * joiner alone. From then on its connection has been sent every message of the room from the first
 * of them.
 */
export function scrollbackFor(state: ChatState, id: ClientId, room: Room, at: number): ChatOutput[] {
  const entries = state.history.last(room.name, state.scrollback);
  state.sentFrom.set(id, room.key, entries[0]?.id ?? state.history.lastId(room.name) + 1);
  if (entries.length === 0) return [];
  return [
    { kind: 'deliver', to: [id], message: { type: 'history', room: room.name, reason: 'scrollback', entries }, at },
  ];
}

/** Ends the sessions whose window closed before `at`: records for the store. */
export function expireSessions(state: ChatState, at: number): ChatOutput[] {
  if (state.sessions.size === 0) return [];
  const ended = state.sessions.expire(at);
  return ended.flatMap((hash) => record(state, { type: 'session-ended', hash }));
}

/**
 * A client is leaving (still in its rooms): a session it holds ends if it quit, else waits to be
 * resumed, remembering its rooms and the last message of each it was sent.
 */
export function leaveSession(state: ChatState, id: ClientId, at: number, quit: boolean): ChatOutput[] {
  state.sentFrom.delete(id);
  if (quit) {
    const hash = state.sessions.end(id);
    return hash === undefined ? [] : record(state, { type: 'session-ended', hash });
  }
  if (state.sessions.heldBy(id) === undefined) return [];
  const { rooms, current } = state.rooms.membershipOf(id);
  const seen: Record<string, number> = {};
  for (const room of rooms) seen[room] = state.history.lastId(room);
  return sessionRecord(state, state.sessions.detach(id, rooms, current, seen, at));
}

/** /history: a page of a room's messages before an id (default: before the oldest this connection was shown). */
export function onHistory(
  state: ChatState,
  client: Client,
  command: Extract<Command, { name: 'history' }>,
  at: number,
): ChatOutput[] {
  const notice = (n: Notice): ChatOutput[] => [
    { kind: 'deliver', to: [client.id], message: { type: 'notice', notice: n }, at },
  ];
  const { rooms, history } = state;
  let room: Room | undefined;
  if (command.room !== undefined) {
    if (!isValidRoomName(command.room)) return notice({ code: 'invalid-room', room: command.room });
    room = rooms.find(command.room);
    if (room === undefined || !rooms.isMember(client.id, room)) {
      return notice({ code: 'not-in-room', room: room?.name ?? command.room });
    }
  } else {
    room = rooms.currentOf(client.id);
    if (room === undefined) return notice({ code: 'no-room', defaultRoom: rooms.defaultRoom.name });
  }
  const count = Math.max(1, Math.min(HISTORY_PAGE_MAX, Math.floor(command.count ?? HISTORY_PAGE_DEFAULT)));
  const sent = state.sentFrom;
  const before = command.before ?? sent.get(client.id, room.key) ?? history.lastId(room.name) + 1;
  const entries = history.before(room.name, before, count);
  // Paging back from where it was: the connection has now been sent everything from the page on.
  if (command.before === undefined && entries.length > 0) sent.set(client.id, room.key, entries[0]!.id);
  const oldest = entries[0]?.id ?? before;
  const more = oldest > history.firstId(room.name);
  return [
    {
      kind: 'deliver',
      to: [client.id],
      message: { type: 'history', room: room.name, reason: 'page', entries, more },
      at,
    },
  ];
}

/** /session: opens a session for this client (ending one it held) and tells it the token. */
export function onSession(
  state: ChatState,
  client: Client,
  command: Extract<Command, { name: 'session' }>,
  at: number,
): ChatOutput[] {
  if (command.token === undefined || command.hash === undefined) {
    return [{ kind: 'deliver', to: [client.id], message: { type: 'notice', notice: { code: 'no-sessions' } }, at }];
  }
  const { rooms, current } = state.rooms.membershipOf(client.id);
  const { opened, ended } = state.sessions.open(command.hash, client.id, client.name, rooms, current);
  const windowSeconds = Math.round(state.sessions.windowMs / 1000);
  return [
    ...(ended === undefined ? [] : record(state, { type: 'session-ended', hash: ended })),
    ...sessionRecord(state, opened),
    {
      kind: 'deliver',
      to: [client.id],
      message:
        command.ids === true
          ? { type: 'session', token: command.token, windowSeconds, ids: true }
          : { type: 'session', token: command.token, windowSeconds },
      at,
    },
  ];
}

/**
 * /resume: takes back a detached session. The client gets the session's name (told to those who
 * share a room with it), its rooms (joined as by /join; rooms the session was not in are parted),
 * then, per room, every message after the last one it got that this connection was not sent yet
 * (the scrollback it was shown on connecting counts), in order, and how many are no longer kept.
 */
export function onResume(
  state: ChatState,
  client: Client,
  command: Extract<Command, { name: 'resume' }>,
  at: number,
  actions: ResumeActions,
): ChatOutput[] {
  if (command.hash === undefined) return [actions.notice(client.id, { code: 'no-sessions' }, at)];
  const outputs: ChatOutput[] = [];
  let found = state.sessions.check(command.hash, at);
  const holder = found === 'in-use' ? state.sessions.holderOf(command.hash) : undefined;
  if (holder !== undefined && holder !== client.id) {
    // The token is the proof: the connection holding the session (one the network left half-open,
    // or another device) gives way, its session detached as at any drop, then it is let go.
    outputs.push(...leaveSession(state, holder, at, false));
    outputs.push(...actions.kick(state, holder, { code: 'session-taken' }, at));
    found = state.sessions.check(command.hash, at);
  }
  if (typeof found === 'string') return [actions.notice(client.id, { code: 'cannot-resume', reason: found }, at)];
  // A session this connection held gives way to the one it resumes.
  const own = state.sessions.end(client.id);
  if (own !== undefined) outputs.push(...record(state, { type: 'session-ended', hash: own }));
  state.sessions.attach(found.hash, client.id);

  // The name: held for the session, so free unless a race elsewhere took it (then numbered).
  let self = client;
  if (nameKey(found.name) !== nameKey(client.name) || found.name !== client.name) {
    const { registry } = state;
    const name = pickName([found.name], { has: (key) => key !== nameKey(client.name) && registry.has(key) });
    if (name !== client.name) {
      outputs.push(...actions.rename(state, client, name, at));
      self = state.registry.get(client.id)!;
    }
  }

  // The rooms: the session's, in its order; those it was not in are left.
  const wanted = new Set(found.rooms.filter(isValidRoomName).map(roomKey));
  for (const room of state.rooms.roomsOf(client.id)) {
    if (!wanted.has(room.key)) outputs.push(...actions.part(state, self, room, at));
  }
  for (const name of found.rooms) {
    if (!isValidRoomName(name)) continue;
    const room = state.rooms.find(name);
    if (room !== undefined && state.rooms.isMember(client.id, room)) continue;
    if (state.rooms.refusal(client.id, name) !== undefined) continue;
    outputs.push(...actions.enter(state, self, name, at));
  }
  if (found.current !== undefined) {
    const current = state.rooms.find(found.current);
    if (current !== undefined && state.rooms.isMember(client.id, current)) state.rooms.join(client.id, current.name);
  }
  const held = state.rooms.membershipOf(client.id);
  const resumed: ChatMessage =
    command.ids === true
      ? { type: 'resumed', name: self.name, rooms: held.rooms, ids: true }
      : { type: 'resumed', name: self.name, rooms: held.rooms };
  outputs.push(actions.deliver([client.id], resumed, at));

  // What it missed, per room: after the last it got, before what this connection was sent already.
  const seenByKey = new Map<string, number>();
  for (const [room, id] of Object.entries(found.seen)) seenByKey.set(roomKey(room), id);
  for (const [room, id] of Object.entries(command.seen ?? {})) {
    if (isValidRoomName(room) && Number.isSafeInteger(id) && id >= 0) seenByKey.set(roomKey(room), id);
  }
  const sent = state.sentFrom;
  for (const room of state.rooms.roomsOf(client.id)) {
    const last = state.history.lastId(room.name);
    if (command.all === true) sent.set(client.id, room.key, last + 1);
    const seen = Math.min(seenByKey.get(room.key) ?? last, last);
    const from = sent.get(client.id, room.key) ?? last + 1;
    if (seen + 1 >= from) continue;
    const kept = state.history.between(room.name, seen, from);
    const missed = from - 1 - seen - kept.length;
    // Its own lines it knows: said under the session's name (held for it while it was away).
    const entries = kept.filter((entry) => entry.name !== found.name);
    sent.set(client.id, room.key, seen + 1);
    if (entries.length === 0 && missed <= 0) continue;
    outputs.push(
      actions.deliver(
        [client.id],
        missed > 0
          ? { type: 'history', room: room.name, reason: 'replay', entries, missed }
          : { type: 'history', room: room.name, reason: 'replay', entries },
        at,
      ),
    );
  }
  outputs.push(...sessionRecord(state, state.sessions.heldBy(client.id)));
  return outputs;
}
