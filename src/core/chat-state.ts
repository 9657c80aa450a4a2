import type { ChatSnapshot, ChatSnapshotClient } from './events';
import { type Client, Registry } from './registry';
import { type RoomLimits, RoomTable } from './rooms';

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
}

/** A fresh state (nobody online), or one restored from a snapshot, with these room limits. */
export function createChatState(snapshot?: ChatSnapshot, limits: RoomLimits = {}): ChatState {
  const state: ChatState = {
    registry: new Registry(),
    rooms: new RoomTable(limits),
    closing: false,
    stoppedNodes: new Set(),
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
  state.closing = snapshot.closing;
  state.stoppedNodes.clear();
  for (const node of snapshot.stoppedNodes) state.stoppedNodes.add(node);
}

/** The state as plain JSON-serialisable data: clients in join order with their rooms, the rooms, the shutdown flag, stopped processes. */
export function snapshotChat(state: ChatState): ChatSnapshot {
  return {
    clients: state.registry.list().map((client) => ({ ...toSnapshot(client), ...state.rooms.membershipOf(client.id) })),
    closing: state.closing,
    stoppedNodes: [...state.stoppedNodes],
    rooms: [...state.rooms.list()].map((room) => ({ name: room.name, members: [...room.members] })),
  };
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
