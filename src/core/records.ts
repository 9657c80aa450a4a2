/**
 * What the chat remembers beyond who is online: the messages kept in each room's history and the
 * sessions clients can resume. The core keeps them in its state and emits a `record` output for each
 * change, so that a durable store (`--data-dir`) can keep a copy and give it back at the next start.
 */

/** One chat line or `/me` action kept in a room's history. */
export interface HistoryEntry {
  /** Increases by one within the room (the same on every process of a chat), from 1. */
  readonly id: number;
  /** When the server accepted it, in ms since the epoch. */
  readonly at: number;
  readonly type: 'said' | 'action';
  readonly name: string;
  readonly text: string;
}

/** A session as it is kept: who it was and what it had seen, so that a new connection can take it back. */
export interface SessionRecord {
  /** The SHA-256 of the token (hex): the token itself is only ever known to its client. */
  readonly hash: string;
  readonly name: string;
  /** Its rooms, in the order it joined them. */
  readonly rooms: readonly string[];
  /** Its current room among `rooms`. */
  readonly current?: string;
  /** Per room (by name), the id of the last message its connection was sent. */
  readonly seen: Readonly<Record<string, number>>;
  /** No connection holds it: it can be resumed until then (ms since the epoch). Absent while held. */
  readonly until?: number;
}

/** A change a durable store must keep. */
export type StoreRecord =
  /** A message entered a room's history (entries past the history bound are dropped, oldest first). */
  | { readonly type: 'message'; readonly room: string; readonly entry: HistoryEntry }
  /** A session was opened, or changed (held, detached, resumed). */
  | { readonly type: 'session'; readonly session: SessionRecord }
  /** A session ended: expired, or its client quit. */
  | { readonly type: 'session-ended'; readonly hash: string };

/** What a store gives back at start: each room's kept history and the live sessions. */
export interface StoredChat {
  readonly rooms: readonly { readonly name: string; readonly entries: readonly HistoryEntry[] }[];
  readonly sessions: readonly SessionRecord[];
}

/**
 * A durable copy of the history and the sessions (`--data-dir`). Writes are synchronous: once
 * `write` returns, a `kill -9` of the process loses none of it (the fsync policy decides what a
 * power loss may cost).
 */
export interface ChatStore {
  /** Everything kept, oldest first per room; throws a clear error when the store cannot be read. */
  load(): StoredChat;
  /** Keeps a batch of changes, in order, as one transaction. */
  write(records: readonly StoreRecord[]): void;
  close(): void;
}
