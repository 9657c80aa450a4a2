import type { ClientId } from '../../core/events';

/** A room as the directory shows it. */
export interface DirectoryRoom {
  /** As first written. */
  readonly name: string;
  /** Its members' names, in join order. */
  readonly members: readonly string[];
}

/**
 * A read-only view of who is online and in which rooms, as the core holds it (its `scan` state):
 * what an IRC server answers from its own tables (433 before registration, NAMES, WHO, WHOIS,
 * ISON, LUSERS) without a round trip through the chat's events. Names and rooms are looked up as
 * the core compares them, ignoring case and look-alikes.
 */
export interface ChatDirectory {
  /** The room everyone lands in. */
  readonly defaultRoom: string;
  /** Whether someone online holds `name` or a look-alike of it. */
  nameTaken(name: string): boolean;
  /** The client holding `name` (exact name ignoring case, else a look-alike). */
  client(name: string): { readonly id: ClientId; readonly name: string } | undefined;
  /** A client's rooms, in join order (names as first written). */
  roomsOf(id: ClientId): readonly string[];
  /** The room a client's plain lines go to, if any. */
  currentRoom(id: ClientId): string | undefined;
  /** Whether a client is in the room named `room`. */
  isMember(id: ClientId, room: string): boolean;
  room(name: string): DirectoryRoom | undefined;
  /** Clients online. */
  clientCount(): number;
  /** Rooms that exist, the default room included. */
  roomCount(): number;
}
