/**
 * The relay's vocabulary is the core's: what flows through a relay is `ChatEvent`s (stamped at the
 * edge: `at`, and on `connected` the name candidates and the `node`), the cluster events among them.
 */
import { createChatState, snapshotChat } from '../core/chat-state';
import type { ChatEvent, ChatSnapshot } from '../core/events';

export type { ChatSnapshot, ChatSnapshotClient as SnapshotClient } from '../core/events';

/** What flows through a relay, both ways: the core's events. */
export type RelayEvent = ChatEvent;

/** Nobody online: what a new chat, or one whose Redis restarted empty, starts from. */
export function emptyChatSnapshot(): ChatSnapshot {
  return snapshotChat(createChatState());
}
