/**
 * LOCAL COPIES of the cluster vocabulary the core is gaining on the `core` branch (issue 9), so the
 * relay compiles and is tested before that lands. When it does, delete this file and import from
 * src/core: `RelayEvent` becomes `ChatEvent`, `ChatSnapshot` the core's, `emptyChatSnapshot()`
 * becomes `snapshotChat(createChatState())`.
 *
 * The relay only relies on: events are plain JSON; `connected` may carry `node`; a snapshot lists
 * its clients in join order with their `node`.
 */
import type { ChatEvent, ClientId, ConnectedEvent, RemoteAddress } from '../core/events';

/** A client as a snapshot records it. */
export interface SnapshotClient {
  readonly id: ClientId;
  readonly name: string;
  readonly remote: RemoteAddress;
  /** The process that holds its connection. */
  readonly node?: string;
}

/** The core's state as plain JSON (the core's `snapshotChat(state)`). */
export interface ChatSnapshot {
  /** In join order. */
  readonly clients: readonly SnapshotClient[];
  readonly closing: boolean;
  readonly stoppedNodes: readonly string[];
}

/** Stamped at the edge: when it happened, and on `connected`, the name candidates and the node. */
interface Stamped {
  readonly at?: number;
}

/** A dead process's clients leave (idempotent: survivors may all report it). */
export interface NodeGoneEvent extends Stamped {
  readonly type: 'node-gone';
  readonly node: string;
}

/** One process stops (SIGTERM): its clients get the goodbye, the others see them leave. */
export interface NodeStoppingEvent extends Stamped {
  readonly type: 'node-stopping';
  readonly node: string;
}

/** Replace the core's state (every process restarts from one common state). */
export interface ResetEvent extends Stamped {
  readonly type: 'reset';
  readonly snapshot: ChatSnapshot;
}

/** A client still connected, re-announced after a reset: joins silently. */
export interface RejoinedEvent extends Stamped {
  readonly type: 'rejoined';
  readonly id: ClientId;
  readonly name: string;
  readonly remote: RemoteAddress;
  readonly node?: string;
}

export type ClusterEvent = NodeGoneEvent | NodeStoppingEvent | ResetEvent | RejoinedEvent;

/** What flows through a relay: the chat's events, stamped at the edge, plus the cluster events. */
export type RelayEvent =
  | (Exclude<ChatEvent, ConnectedEvent> & Stamped)
  | (ConnectedEvent & Stamped & { readonly names?: readonly string[]; readonly node?: string })
  | ClusterEvent;

/** Nobody online: what a new chat, or one whose Redis restarted empty, starts from. */
export function emptyChatSnapshot(): ChatSnapshot {
  return { clients: [], closing: false, stoppedNodes: [] };
}
