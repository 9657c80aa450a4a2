/**
 * The durable store behind `--data-dir`: one SQLite file (better-sqlite3) in write-ahead-log mode,
 * held by one process. Messages go in a table in the order they were written (a row id that only
 * grows, so each write appends) with an index by room and id for pruning; sessions are JSON by hash.
 */
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import type { ChatStore, HistoryEntry, SessionRecord, StoreRecord, StoredChat } from '../core/records';

/**
 * When the store asks the disk to really keep what it wrote (fsync). A `write` that returned
 * survives a `kill -9` of the process under every policy (the bytes are in the OS's page cache);
 * they differ in what a power loss or an OS crash can cost:
 * - `off`: never. A power loss can lose recent writes and can leave the file damaged (the next start
 *   then recovers the intact messages and moves the damaged file aside).
 * - `normal` (default): at each checkpoint of the log (about every 4 MB written). A power loss can
 *   lose the writes since the last checkpoint, never the file's consistency.
 * - `full`: at each write. A power loss loses nothing whose `write` returned.
 */
export type StoreSync = 'off' | 'normal' | 'full';

/** `PRAGMA application_id` of an rxchat store: "rxch". */
export const STORE_APPLICATION_ID = 0x72786368;
/** `PRAGMA user_version`: the layout below. */
export const STORE_VERSION = 1;

const SYNCHRONOUS: Record<StoreSync, string> = { off: 'OFF', normal: 'NORMAL', full: 'FULL' };

/**
 * A row's checksum, kept beside it: SQLite checks its pages' structure but not their contents, so
 * this is how a salvage tells an intact message from one whose bytes were overwritten in place.
 */
export function rowChecksum(room: string, id: number, at: number, type: number, name: string, text: string): number {
  return crc32(`${room}\n${id}\n${at}\n${type}\n${name}\n${text}`);
}

/** An SQLite error whose code says the file's bytes are wrong (not the disk or the directory). */
export function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT_INDEX';
}

/** A store file that is a database, but not one of ours (or of a newer rxchat). */
export class ForeignStoreError extends Error {
  override readonly name = 'ForeignStoreError';
}

/** The opened store. Use `openChatStore` (open-data-dir.ts), which checks the directory and recovers. */
export class SqliteChatStore implements ChatStore {
  private readonly db: Database.Database;
  private readonly insertMessage: Database.Statement<[string, number, number, number, string, string, number]>;
  private readonly pruneRoom: Database.Statement<[string, number]>;
  private readonly upsertSession: Database.Statement<[string, string]>;
  private readonly deleteSession: Database.Statement<[string]>;
  private readonly transact: (records: readonly StoreRecord[]) => void;
  private closed = false;

  /**
   * Opens or creates `file`. Throws SQLite's error (see `isDamage`) when the file cannot be read, a
   * `ForeignStoreError` when it is not a store, SQLITE_BUSY when another process holds it.
   */
  constructor(
    readonly file: string,
    private readonly historyLimit: number,
    sync: StoreSync,
  ) {
    const db = new Database(file, { timeout: 0 });
    this.db = db;
    try {
      // Exclusive: one process owns the store (a second one fails at once), and the log's index
      // lives in this process's memory instead of a shared-memory file.
      db.pragma('locking_mode = EXCLUSIVE');
      // Checked before anything is written, so that a file that is not ours is left as it was.
      const fresh = this.isNewOrOurs();
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${SYNCHRONOUS[sync]}`);
      db.pragma('journal_size_limit = 67108864');
      if (fresh) this.create();
      // Takes the exclusive lock now rather than at the first write: a second process fails at start.
      else db.exec('BEGIN IMMEDIATE; COMMIT');
      if (db.pragma('quick_check', { simple: true }) !== 'ok') {
        throw Object.assign(new Error('quick_check found damage'), { code: 'SQLITE_CORRUPT' });
      }
      this.insertMessage = db.prepare(
        'INSERT OR REPLACE INTO messages (room, id, at, type, name, text, crc) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      this.pruneRoom = db.prepare('DELETE FROM messages WHERE room = ? AND id <= ?');
      this.upsertSession = db.prepare('INSERT OR REPLACE INTO sessions (hash, record) VALUES (?, ?)');
      this.deleteSession = db.prepare('DELETE FROM sessions WHERE hash = ?');
      this.transact = db.transaction((records: readonly StoreRecord[]) => this.apply(records));
    } catch (error) {
      db.close();
      throw error;
    }
  }

  load(): StoredChat {
    const rooms = new Map<string, HistoryEntry[]>();
    const rows = this.db
      .prepare<[], [string, number, number, number, string, string]>(
        'SELECT room, id, at, type, name, text FROM messages ORDER BY seq',
      )
      .raw(true);
    for (const [room, id, at, type, name, text] of rows.iterate()) {
      let entries = rooms.get(room);
      if (!entries) rooms.set(room, (entries = []));
      entries.push({ id, at, type: type === 1 ? 'action' : 'said', name, text });
    }
    const kept: { name: string; entries: HistoryEntry[] }[] = [];
    const trim = this.db.transaction(() => {
      for (const [name, entries] of rooms) {
        // Rows are in write order; a replaced row moved to the end, so sort by id to be sure.
        entries.sort((a, b) => a.id - b.id);
        const over = entries.length - this.historyLimit;
        // The limit may have been lowered since these were written.
        if (over > 0) this.pruneRoom.run(name, entries[over - 1]!.id);
        kept.push({ name, entries: over > 0 ? entries.slice(over) : entries });
      }
    });
    trim();
    const sessions: SessionRecord[] = [];
    for (const { record } of this.db.prepare<[], { record: string }>('SELECT record FROM sessions').iterate()) {
      sessions.push(JSON.parse(record) as SessionRecord);
    }
    return { rooms: kept, sessions };
  }

  write(records: readonly StoreRecord[]): void {
    if (this.closed) throw new Error(`history store ${this.file} is closed`);
    if (records.length > 0) this.transact(records);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private apply(records: readonly StoreRecord[]): void {
    const newest = new Map<string, number>();
    const counts = new Map<string, number>();
    for (const record of records) {
      switch (record.type) {
        case 'message': {
          const { room, entry } = record;
          const type = entry.type === 'action' ? 1 : 0;
          this.insertMessage.run(
            room,
            entry.id,
            entry.at,
            type,
            entry.name,
            entry.text,
            rowChecksum(room, entry.id, entry.at, type, entry.name, entry.text),
          );
          newest.set(room, Math.max(newest.get(room) ?? 0, entry.id));
          counts.set(room, (counts.get(room) ?? 0) + 1);
          break;
        }
        case 'session':
          this.upsertSession.run(record.session.hash, JSON.stringify(record.session));
          break;
        case 'session-ended':
          this.deleteSession.run(record.hash);
          break;
      }
    }
    // Ids grow by one within a room, so the kept window is an id range. A room is pruned once every
    // `pruneEvery` of its ids (one indexed range delete), so it holds at most that many extra rows on
    // disk; load() trims to the limit exactly.
    const every = Math.max(1, Math.ceil(this.historyLimit / 10));
    for (const [room, id] of newest) {
      if (Math.floor(id / every) !== Math.floor((id - (counts.get(room) ?? 1)) / every)) {
        this.pruneRoom.run(room, id - this.historyLimit);
      }
    }
  }

  /** True for a new (empty) file; throws ForeignStoreError for a database that is not a store of ours. */
  private isNewOrOurs(): boolean {
    const db = this.db;
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number };
    if (applicationId === 0 && tables.n === 0) return true;
    if (applicationId !== STORE_APPLICATION_ID) {
      throw new ForeignStoreError(`${this.file} is a database, but not an rxchat history store`);
    }
    if (version !== STORE_VERSION) {
      throw new ForeignStoreError(
        `${this.file} is an rxchat history store of layout ${version}; this rxchat reads layout ${STORE_VERSION}`,
      );
    }
    return false;
  }

  private create(): void {
    const db = this.db;
    db.transaction(() => {
      db.pragma(`application_id = ${STORE_APPLICATION_ID}`);
      db.pragma(`user_version = ${STORE_VERSION}`);
      db.exec(`
        CREATE TABLE messages (seq INTEGER PRIMARY KEY, room TEXT NOT NULL, id INTEGER NOT NULL,
          at INTEGER NOT NULL, type INTEGER NOT NULL, name TEXT NOT NULL, text TEXT NOT NULL, crc INTEGER NOT NULL);
        CREATE UNIQUE INDEX messages_by_room ON messages (room, id);
        CREATE TABLE sessions (hash TEXT PRIMARY KEY, record TEXT NOT NULL);
      `);
    })();
  }
}
