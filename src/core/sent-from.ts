import type { ClientId } from './events';

/**
 * Per online client and room (by room key): the oldest message id from which its connection has
 * been sent every message of the room (see `ChatState.sentFrom`). Every client has an entry for the
 * default room from its join on, so that one is a number in a map of its own; a map per client is
 * made only for a client that joins another room. An idle client costs one map entry, not a map.
 */
export class SentFromTable {
  /** The default room's entry, by client. */
  private readonly inDefault = new Map<ClientId, number>();
  /** The other rooms' entries, by client, then by room key. */
  private readonly elsewhere = new Map<ClientId, Map<string, number>>();

  constructor(private readonly defaultKey: string) {}

  get(id: ClientId, key: string): number | undefined {
    return key === this.defaultKey ? this.inDefault.get(id) : this.elsewhere.get(id)?.get(key);
  }

  set(id: ClientId, key: string, from: number): void {
    if (key === this.defaultKey) {
      this.inDefault.set(id, from);
      return;
    }
    let byRoom = this.elsewhere.get(id);
    if (byRoom === undefined) {
      byRoom = new Map();
      this.elsewhere.set(id, byRoom);
    }
    byRoom.set(key, from);
  }

  /** Forgets one room of a client's (it parted). */
  deleteRoom(id: ClientId, key: string): void {
    if (key === this.defaultKey) this.inDefault.delete(id);
    else this.elsewhere.get(id)?.delete(key);
  }

  /** Forgets a client (it left). */
  delete(id: ClientId): void {
    this.inDefault.delete(id);
    this.elsewhere.delete(id);
  }

  /** Whether the client has an entry for any room. */
  has(id: ClientId): boolean {
    return this.inDefault.has(id) || (this.elsewhere.get(id)?.size ?? 0) > 0;
  }

  clear(): void {
    this.inDefault.clear();
    this.elsewhere.clear();
  }
}
