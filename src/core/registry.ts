import type { ClientId, RemoteAddress } from './events';
import { nameKey } from './names';

export interface Client {
  readonly id: ClientId;
  readonly name: string;
  readonly remote: RemoteAddress;
}

/**
 * Who is online. Immutable: each change returns a new registry, so the snapshots the core hands out
 * (`order` is the audience of every broadcast) never change under a transport or a test.
 */
export interface Registry {
  readonly clients: ReadonlyMap<ClientId, Client>;
  /** Client ids in join order. */
  readonly order: readonly ClientId[];
  /** Names in use by their lower-cased key, for case-insensitive uniqueness and look-up. */
  readonly taken: ReadonlyMap<string, ClientId>;
}

export const emptyRegistry: Registry = { clients: new Map(), order: [], taken: new Map() };

export function join(registry: Registry, client: Client): Registry {
  const clients = new Map(registry.clients).set(client.id, client);
  const taken = new Map(registry.taken).set(nameKey(client.name), client.id);
  return { clients, order: [...registry.order, client.id], taken };
}

export function leave(registry: Registry, id: ClientId): Registry {
  const client = registry.clients.get(id);
  if (client === undefined) return registry;
  const clients = new Map(registry.clients);
  clients.delete(id);
  const taken = new Map(registry.taken);
  taken.delete(nameKey(client.name));
  return { clients, order: registry.order.filter((other) => other !== id), taken };
}

/** Names in join order. */
export function onlineNames(registry: Registry): string[] {
  return registry.order.map((id) => registry.clients.get(id)!.name);
}

/** The client holding `name`, compared case-insensitively. */
export function findByName(registry: Registry, name: string): Client | undefined {
  const id = registry.taken.get(nameKey(name));
  return id === undefined ? undefined : registry.clients.get(id);
}

/** Gives a client a new name, keeping its place in the join order. */
export function rename(registry: Registry, id: ClientId, name: string): Registry {
  const client = registry.clients.get(id);
  if (client === undefined) return registry;
  const clients = new Map(registry.clients).set(id, { ...client, name });
  const taken = new Map(registry.taken);
  taken.delete(nameKey(client.name));
  taken.set(nameKey(name), id);
  return { clients, order: registry.order, taken };
}
