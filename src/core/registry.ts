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
  /** Lower-cased names in use, for case-insensitive uniqueness. */
  readonly taken: ReadonlySet<string>;
}

export const emptyRegistry: Registry = { clients: new Map(), order: [], taken: new Set() };

export function join(registry: Registry, client: Client): Registry {
  const clients = new Map(registry.clients).set(client.id, client);
  const taken = new Set(registry.taken).add(nameKey(client.name));
  return { clients, order: [...registry.order, client.id], taken };
}

export function leave(registry: Registry, id: ClientId): Registry {
  const client = registry.clients.get(id);
  if (client === undefined) return registry;
  const clients = new Map(registry.clients);
  clients.delete(id);
  const taken = new Set(registry.taken);
  taken.delete(nameKey(client.name));
  return { clients, order: registry.order.filter((other) => other !== id), taken };
}

/** Names in join order. */
export function onlineNames(registry: Registry): string[] {
  return registry.order.map((id) => registry.clients.get(id)!.name);
}
