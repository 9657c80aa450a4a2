import type { ClientId, RemoteAddress } from './events';
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
 * Joins, leaves and renames update it in place (copying maps on every join made 10,000 joins take
 * 20 s), but `order`, which deliveries hold as their audience, is replaced rather than mutated, so a
 * delivery's audience never changes after it is handed out. The join order depends on the order of
 * events alone, so every process applying the same events lists clients in the same order.
 */
export class Registry {
  private readonly clients = new Map<ClientId, Client>();
  /** Look-alike key (`nameKey`) → id: names are unique up to case and confusable characters. */
  private readonly byKey = new Map<string, ClientId>();
  /** Case-folded name → id, for exact (case-insensitive) lookups before look-alike ones. */
  private readonly byFolded = new Map<string, ClientId>();
  private members: readonly ClientId[] = [];

  constructor(clients: Iterable<Client> = []) {
    for (const client of clients) this.index(client);
    this.members = [...this.clients.keys()];
  }

  /** Client ids in join order (an immutable snapshot). */
  get order(): readonly ClientId[] {
    return this.members;
  }

  get size(): number {
    return this.clients.size;
  }

  get(id: ClientId): Client | undefined {
    return this.clients.get(id);
  }

  /** Clients in join order. */
  list(): Client[] {
    return this.members.map((id) => this.clients.get(id)!);
  }

  /** The client holding `name`: the exact name ignoring case, else one that looks the same (see `nameKey`). */
  findByName(name: string): Client | undefined {
    const id = this.byFolded.get(foldName(name)) ?? this.byKey.get(nameKey(name));
    return id === undefined ? undefined : this.clients.get(id);
  }

  /** Whether a name key (see `nameKey`) is in use: what `pickName` needs. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** Names in join order. */
  names(): string[] {
    return this.members.map((id) => this.clients.get(id)!.name);
  }

  /** The clients a process holds, in join order. */
  clientsOf(node: string): Client[] {
    return this.list().filter((client) => client.node === node);
  }

  join(client: Client): void {
    this.index(client);
    this.members = [...this.members, client.id];
  }

  /** Removes a client; returns it, or undefined if it was not online. */
  leave(id: ClientId): Client | undefined {
    const client = this.unindex(id);
    if (client !== undefined) this.members = this.members.toSpliced(this.members.indexOf(id), 1);
    return client;
  }

  /** Removes several clients at once (one copy of the join order, not one per leaver); returns those that were online. */
  leaveAll(ids: Iterable<ClientId>): Client[] {
    const gone: Client[] = [];
    for (const id of ids) {
      const client = this.unindex(id);
      if (client !== undefined) gone.push(client);
    }
    if (gone.length > 0) this.members = this.members.filter((id) => this.clients.has(id));
    return gone;
  }

  /** Gives a client a new name, keeping its place in the join order. */
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
    this.members = [...this.clients.keys()];
  }

  private index(client: Client): void {
    this.clients.set(client.id, client);
    this.byKey.set(nameKey(client.name), client.id);
    this.byFolded.set(foldName(client.name), client.id);
  }

  private unindex(id: ClientId): Client | undefined {
    const client = this.clients.get(id);
    if (client === undefined) return undefined;
    this.clients.delete(id);
    // A restored snapshot may hold two look-alikes (made under other rules): free a key only if it is this client's.
    const key = nameKey(client.name);
    if (this.byKey.get(key) === id) this.byKey.delete(key);
    const folded = foldName(client.name);
    if (this.byFolded.get(folded) === id) this.byFolded.delete(folded);
    return client;
  }
}
