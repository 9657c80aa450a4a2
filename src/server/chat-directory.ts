import type { ChatState } from '../core/chat-state';
import { nameKey } from '../core/names';
import { isValidRoomName } from '../core/rooms';
import type { ChatDirectory } from '../transports/irc/chat-directory';

/**
 * The core's state as a transport may read it (never change it): `state()` is the pipeline's
 * state as of now, which the core has brought up to date with every event applied so far.
 */
export function stateDirectory(state: () => ChatState): ChatDirectory {
  const names = (ids: readonly string[]) => {
    const { registry } = state();
    const list: string[] = [];
    for (const id of ids) {
      const client = registry.get(id);
      if (client !== undefined) list.push(client.name);
    }
    return list;
  };
  return {
    get defaultRoom() {
      return state().rooms.defaultRoom.name;
    },
    nameTaken: (name) => state().registry.has(nameKey(name)),
    client: (name) => {
      const client = state().registry.findByName(name);
      return client === undefined ? undefined : { id: client.id, name: client.name };
    },
    roomsOf: (id) =>
      state()
        .rooms.roomsOf(id)
        .map((room) => room.name),
    currentRoom: (id) => state().rooms.currentOf(id)?.name,
    isMember: (id, name) => {
      const { rooms } = state();
      const room = isValidRoomName(name) ? rooms.find(name) : undefined;
      return room !== undefined && rooms.isMember(id, room);
    },
    room: (name) => {
      const room = isValidRoomName(name) ? state().rooms.find(name) : undefined;
      return room === undefined ? undefined : { name: room.name, members: names(room.members) };
    },
    clientCount: () => state().registry.size,
    roomCount: () => state().rooms.size,
  };
}
