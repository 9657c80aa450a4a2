import type { ClientId, RemoteAddress } from './events';
import { audienceCopies } from './member-log';
import { foldName, nameKey } from './names';

export interface Client {
  readonly id: ClientId;
  readonly name: string;
  readonly remote: RemoteAddress;
  /** The process holding the connection, when the `connected` event named one. */
  readonly node?: string;
}

/**
 * Who is online: the accumulator of the core's `scan`, owned by one subscription to `chat()`.
 * Joins, leaves and renames update it in place, O(1) each (copying maps on every join made 10,000
 * joins take 20 s; copying the join order on every join made them quadratic). The join order is the
 * order of `clients` (a Map keeps insertion order; a rename overwrites in place), and `order`, which
 * a delivery may hold as its audience, is an array made when read and kept until the next join or
 * leave, so a delivery's audience never changes after it is handed out. The join order depends on
 * the order of events alone, so every process applying the same events lists clients in the same order.
 */
export class Registry {
  /** In join order. */
  private readonly clients = new Map<ClientId, Client>();
  /** Look-alike key (`nameKey`) → id: names are unique up to case and confusable characters. */
  private readonly byKey = new Map<string, ClientId>();
  /**
   * Case-folded name → id, for exact (case-insensitive) lookups before look-alike ones, kept only for
   * clients that shared their key with another (a restored snapshot made under other rules): for the
   * others, the client under the key is the one with that folded name, so an idle client costs no entry.
   */
  private readonly byFolded = new Map<string, ClientId>();
  /** `order`, until the next join or leave. */
  private snapshot: readonly ClientId[] | undefined;

  constructor(clients: Iterable<Client> = []) {
    for (const client of clients) this.index(client);
  }

  /** Client ids in join order (an immutable snapshot, the same array until the next join or leave). */
  get order(): readonly ClientId[] {
    if (this.snapshot === undefined) {
      this.snapshot = [...this.clients.keys()];
      audienceCopies.elements += this.snapshot.length;
    }
    return this.snapshot;
  }

  get size(): number {
    return this.clients.size;
  }

  get(id: ClientId): Client | undefined {
    return this.clients.get(id);
  }

  /** Clients in join order. */
  list(): Client[] {
    return [...this.clients.values()];
  }

  /** The client holding `name`: the exact name ignoring case, else one that looks the same (see `nameKey`). */
  findByName(name: string): Client | undefined {
    const id =
      (this.byFolded.size === 0 ? undefined : this.byFolded.get(foldName(name))) ?? this.byKey.get(nameKey(name));
    return id === undefined ? undefined : this.clients.get(id);
  }

  /** Whether a name key (see `nameKey`) is in use: what `pickName` needs. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Names in join order. */
  names(): string[] {
    return Array.from(this.clients.values(), (client) => client.name);
  }

  /** The clients a process holds, in join order. */
  clientsOf(node: string): Client[] {
    const held: Client[] = [];
    for (const client of this.clients.values()) if (client.node === node) held.push(client);
    return held;
  }

  join(client: Client): void {
    // A join of an id already online would otherwise keep its old place: leave first, as before.
    if (this.clients.has(client.id)) this.leave(client.id);
    this.index(client);
    this.snapshot = undefined;
  }

  /** Removes a client; returns it, or undefined if it was not online. */
  leave(id: ClientId): Client | undefined {
    const client = this.unindex(id);
    if (client !== undefined) this.clients.delete(id);
    this.snapshot = undefined;
    return client;
  }

  /** Removes several clients at once; returns those that were online. */
  leaveAll(ids: Iterable<ClientId>): Client[] {
    const gone: Client[] = [];
    for (const id of ids) {
      const client = this.leave(id);
      if (client !== undefined) gone.push(client);
    }
    return gone;
  }

  /** Gives a client a new name, keeping its place in the join order (`set` on a Map key keeps its place). */
  rename(id: ClientId, name: string): void {
    const client = this.unindex(id);
    if (client !== undefined) this.index({ ...client, name });
  }

  /** Replaces everyone with `clients`, in that join order (a reset). */
  replace(clients: Iterable<Client>): void {
    this.clients.clear();
    this.byKey.clear();
    this.byFolded.clear();
    for (const client of clients) this.index(client);
    this.snapshot = undefined;
  }

  private index(client: Client): void {
    this.clients.set(client.id, client);
    const key = nameKey(client.name);
    const holder = this.byKey.get(key);
    if (holder !== undefined && holder !== client.id) {
      // Two clients under one key: each is found by its own folded name first.
      const other = this.clients.get(holder);
      if (other !== undefined) this.byFolded.set(foldName(other.name), holder);
      this.byFolded.set(foldName(client.name), client.id);
    }
    this.byKey.set(key, client.id);
  }

  /** Frees a client's names; `clients` keeps it (and its place) for the caller to replace or delete. */
  private unindex(id: ClientId): Client | undefined {
    const client = this.clients.get(id);
    if (client === undefined) return undefined;
    // A restored snapshot may hold two look-alikes (made under other rules): free a key only if it is this client's.
    const key = nameKey(client.name);
    if (this.byKey.get(key) === id) this.byKey.delete(key);
    const folded = foldName(client.name);
    if (this.byFolded.get(folded) === id) this.byFolded.delete(folded);
    return client;
  }
}
