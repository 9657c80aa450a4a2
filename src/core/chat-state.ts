import type { ChatSnapshot, ChatSnapshotClient, ClientId } from './events';
import { HistoryTable, type HistoryLimits } from './history';
import { type Client, Registry } from './registry';
import { type RoomLimits, RoomTable, roomKey } from './rooms';
import { SentFromTable } from './sent-from';
import { SessionTable } from './sessions';

/** What the chat remembers and for how long; the same on every process of a chat. */
export interface HistoryOptions extends HistoryLimits {
  /** Messages of a room shown to whoever joins it (the default room on connect too). Default 20; 0 shows none. */
  readonly scrollback?: number;
  /** How long a detached session may be resumed, in ms. Default 120,000. */
  readonly resumeWindowMs?: number;
  /** Emit a `record` output for every change a durable store must keep. Default false. */
  readonly records?: boolean;
}

export const DEFAULT_SCROLLBACK = 20;
export const DEFAULT_RESUME_WINDOW_MS = 120_000;

/** What a state is made with: the room limits and the history options. */
export type ChatStateOptions = RoomLimits & HistoryOptions;

/**
 * The core's state between events, accumulated by `scan`. The registry is the only record of who is
 * online, the room table of who is in which room. Every field is derived from the events alone (and
 * the room limits, which every process of a chat shares), so processes applying the same events
 * hold equal states.
 */
export interface ChatState {
  readonly registry: Registry;
  readonly rooms: RoomTable;
  /** Set by a shutdown: nothing more is announced and new connections are turned away. */
  closing: boolean;
  /** Processes that announced they are stopping (`node-stopping`): connections through them are turned away. */
  readonly stoppedNodes: Set<string>;
  /** Each room's recent messages. */
  readonly history: HistoryTable;
  /** The sessions clients may resume. */
  readonly sessions: SessionTable;
  /**
   * Per online client and room (by room key): the oldest message id from which its connection has
   * been sent every message of the room, so that a resume replays only what it was not sent.
   */
  readonly sentFrom: SentFromTable;
  readonly scrollback: number;
  readonly records: boolean;
}

/** A fresh state (nobody online), or one restored from a snapshot, with these room limits. */
export function createChatState(snapshot?: ChatSnapshot, limits: ChatStateOptions = {}): ChatState {
  const rooms = new RoomTable(limits);
  const state: ChatState = {
    registry: new Registry(),
    rooms,
    closing: false,
    stoppedNodes: new Set(),
    history: new HistoryTable(limits),
    sessions: new SessionTable(limits.resumeWindowMs ?? DEFAULT_RESUME_WINDOW_MS),
    sentFrom: new SentFromTable(rooms.defaultRoom.key),
    scrollback: limits.scrollback ?? DEFAULT_SCROLLBACK,
    records: limits.records ?? false,
  };
  if (snapshot !== undefined) restoreChatState(state, snapshot);
  return state;
}

/** Replaces `state`'s contents with a snapshot's, in place (holders of `state` see the change). */
export function restoreChatState(state: ChatState, snapshot: ChatSnapshot): void {
  state.registry.replace(snapshot.clients.map(fromSnapshot));
  // A snapshot made before rooms existed has everyone in the default room.
  const defaultRoom = state.rooms.defaultRoom.name;
  const rooms = snapshot.rooms ?? [{ name: defaultRoom, members: snapshot.clients.map((client) => client.id) }];
  state.rooms.restore(
    rooms,
    snapshot.clients.map((client) => ({
      id: client.id,
      rooms: client.rooms ?? (snapshot.rooms === undefined ? [defaultRoom] : []),
      ...(client.current === undefined ? {} : { current: client.current }),
    })),
  );
  state.sentFrom.clear();
  for (const client of snapshot.clients) {
    if (client.sentFrom === undefined) continue;
    for (const [room, from] of Object.entries(client.sentFrom)) state.sentFrom.set(client.id, roomKey(room), from);
  }
  // A snapshot without them has none (it was empty, or made before history).
  state.history.restore(snapshot.history ?? []);
  state.sessions.restore(snapshot.sessions ?? [], 0, (id) => state.registry.get(id) !== undefined);
  state.closing = snapshot.closing;
  state.stoppedNodes.clear();
  for (const node of snapshot.stoppedNodes) state.stoppedNodes.add(node);
}

/** The state as plain JSON-serialisable data: clients in join order with their rooms, the rooms, the shutdown flag, stopped processes. */
export function snapshotChat(state: ChatState): ChatSnapshot {
  return {
    clients: state.registry.list().map((client) => ({
      ...toSnapshot(client),
      ...state.rooms.membershipOf(client.id),
      ...sentFromOf(state, client.id),
    })),
    closing: state.closing,
    stoppedNodes: [...state.stoppedNodes],
    rooms: [...state.rooms.list()].map((room) => ({ name: room.name, members: [...room.members] })),
    ...historyOf(state),
  };
}

/** The history and sessions, when there are any (a snapshot without them restores none). */
function historyOf(state: ChatState): Pick<ChatSnapshot, 'history' | 'sessions'> {
  const history = state.history.snapshot();
  const sessions = state.sessions.snapshot();
  return {
    ...(history.length === 0 ? {} : { history }),
    ...(sessions.length === 0 ? {} : { sessions }),
  };
}

/** `{ sentFrom }` by room name for a snapshot, or nothing when the client has none. */
function sentFromOf(state: ChatState, id: ClientId): { sentFrom?: Record<string, number> } {
  if (!state.sentFrom.has(id)) return {};
  const sentFrom: Record<string, number> = {};
  for (const room of state.rooms.roomsOf(id)) {
    const from = state.sentFrom.get(id, room.key);
    if (from !== undefined) sentFrom[room.name] = from;
  }
  return { sentFrom };
}

function toSnapshot(client: Client): ChatSnapshotClient {
  const { id, name, remote, node } = client;
  const plain = { id, name, remote: { address: remote.address, port: remote.port } };
  // No `node: undefined` key: a snapshot reads back from JSON exactly as it was written.
  return node === undefined ? plain : { ...plain, node };
}

function fromSnapshot(client: ChatSnapshotClient): Client {
  return toSnapshot(client);
}
