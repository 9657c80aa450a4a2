import type { ChatSnapshot, ChatSnapshotClient } from './events';
import { type Client, Registry } from './registry';

/**
 * The core's state between events, accumulated by `scan`. The registry is the only record of who is
 * online. Every field is derived from the events alone, so processes applying the same events hold
 * equal states.
 */
export interface ChatState {
  readonly registry: Registry;
  /** Set by a shutdown: nothing more is announced and new connections are turned away. */
  closing: boolean;
  /** Processes that announced they are stopping (`node-stopping`): connections through them are turned away. */
  readonly stoppedNodes: Set<string>;
}

/** A fresh state (nobody online), or one restored from a snapshot. */
export function createChatState(snapshot?: ChatSnapshot): ChatState {
  if (snapshot === undefined) return { registry: new Registry(), closing: false, stoppedNodes: new Set() };
  return {
    registry: new Registry(snapshot.clients.map(fromSnapshot)),
    closing: snapshot.closing,
    stoppedNodes: new Set(snapshot.stoppedNodes),
  };
}

/** Replaces `state`'s contents with a snapshot's, in place (holders of `state` see the change). */
export function restoreChatState(state: ChatState, snapshot: ChatSnapshot): void {
  state.registry.replace(snapshot.clients.map(fromSnapshot));
  state.closing = snapshot.closing;
  state.stoppedNodes.clear();
  for (const node of snapshot.stoppedNodes) state.stoppedNodes.add(node);
}

/** The state as plain JSON-serialisable data: clients in join order, the shutdown flag, stopped processes. */
export function snapshotChat(state: ChatState): ChatSnapshot {
  return {
    clients: state.registry.list().map(toSnapshot),
    closing: state.closing,
    stoppedNodes: [...state.stoppedNodes],
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
