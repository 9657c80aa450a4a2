/** Relays: how a process's events reach the chat (in memory for one process, a Redis stream for several). */
export { inMemoryRelay, type ChatRelay, type RelayHost } from './chat-relay';
export { RelayUnreachableError, redisRelay, type RedisRelayOptions } from './redis-relay';
export { RELAY_NOTICES } from './relay-notices';
export type { ChatSnapshot, RelayEvent, SnapshotClient } from './cluster-events';
