/**
 * `--data-dir DIR`: checks the directory, opens the history store in it, and recovers a damaged
 * store file by keeping every message that can still be read and moving the damaged file aside.
 * Every failure is an Error whose message names the directory or file and what is wrong with it.
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  closeSync,
  renameSync,
  statSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ChatStore, StoreRecord } from '../core/records';
import { readFileHeader, salvageMessages } from './salvage';
import { ForeignStoreError, STORE_APPLICATION_ID, SqliteChatStore, isDamage, type StoreSync } from './sqlite-store';

export type { StoreSync } from './sqlite-store';

/** The store's file in the data directory (SQLite adds `chat.db-wal` beside it while open). */
export const STORE_FILE = 'chat.db';

/** How `openChatStore` keeps the history. */
export interface ChatStoreOptions {
  /** Messages kept per room: the oldest are dropped past it. */
  readonly historyLimit: number;
  /** The fsync policy (see `StoreSync`); `normal` by default. */
  readonly sync?: StoreSync;
  /** Told what the store did that an operator should know (a recovery). */
  readonly onLog?: (line: string) => void;
}

/**
 * Opens (creating it if needed) the history store in `dir`. A missing `dir` is created when its parent
 * exists. Throws an Error saying what and where when the directory cannot be used, when the file
 * there is not an rxchat store, or when another process holds it. A damaged store file is moved
 * aside (`chat.db.damaged-<time>`), its intact messages go into a new one, and `onLog` says so.
 */
export function openChatStore(dir: string, options: ChatStoreOptions): ChatStore {
  const { historyLimit, sync = 'normal', onLog = () => {} } = options;
  if (!Number.isInteger(historyLimit) || historyLimit < 0) {
    throw new Error(`history limit must be a whole number >= 0, not ${historyLimit}`);
  }
  const path = resolve(dir);
  prepareDirectory(path);
  const file = join(path, STORE_FILE);
  try {
    return new SqliteChatStore(file, historyLimit, sync);
  } catch (error) {
    if (!isDamage(error)) throw describe(error, file);
    return recover(file, historyLimit, sync, onLog, (error as Error).message);
  }
}

function prepareDirectory(path: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    if (code(error) !== 'ENOENT')
      throw new Error(`data directory ${path}: cannot be used (${reason(error)})`, { cause: error });
    try {
      mkdirSync(path);
    } catch (mkdirError) {
      const why = code(mkdirError) === 'ENOENT' ? `its parent ${dirname(path)} does not exist` : reason(mkdirError);
      throw new Error(`data directory ${path}: does not exist and cannot be created (${why})`, { cause: mkdirError });
    }
    isDirectory = true;
  }
  if (!isDirectory) throw new Error(`data directory ${path}: is not a directory`);
  try {
    accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new Error(`data directory ${path}: is not writable (${reason(error)})`, { cause: error });
  }
  const file = join(path, STORE_FILE);
  if (existsSync(file) && !statSync(file).isFile()) {
    throw new Error(`data directory ${path}: ${STORE_FILE} there is not a regular file`);
  }
}

function recover(
  file: string,
  historyLimit: number,
  sync: StoreSync,
  onLog: (line: string) => void,
  why: string,
): ChatStore {
  const header = readFileHeader(readStart(file));
  if (header.sqlite && header.applicationId !== STORE_APPLICATION_ID) {
    throw new Error(
      `${file} is a damaged database that is not an rxchat history store (${why}): move it away or choose another directory`,
    );
  }
  const wal = `${file}-wal`;
  const salvaged = salvageMessages(file, existsSync(wal) ? wal : undefined);
  if (!header.sqlite && salvaged.length === 0) {
    throw new Error(
      `${file} is not an rxchat history store (not a database, and no message could be read from it): move it away or choose another directory`,
    );
  }
  const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  for (const suffix of ['-wal', '-journal']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  }
  let store: SqliteChatStore;
  try {
    store = new SqliteChatStore(file, historyLimit, sync);
  } catch (error) {
    throw describe(error, file);
  }
  // Salvaged rows come sorted by room, then id; keep each room's newest `historyLimit`.
  const records: StoreRecord[] = [];
  let rooms = 0;
  for (let start = 0, end = 0; start < salvaged.length; start = end) {
    const room = salvaged[start]!.room;
    while (end < salvaged.length && salvaged[end]!.room === room) end++;
    const from = Math.max(start, end - historyLimit);
    if (from < end) rooms++;
    for (let i = from; i < end; i++) records.push({ type: 'message', room, entry: salvaged[i]!.entry });
  }
  store.write(records);
  onLog(
    `history store ${file} was damaged (${why}): moved it to ${aside}; kept the ${records.length} intact messages ` +
      `of ${rooms} rooms in a new store; sessions were not kept, so their clients are told they cannot resume`,
  );
  return store;
}

function readStart(file: string): Buffer {
  const buf = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  return buf;
}

function describe(error: unknown, file: string): Error {
  if (error instanceof ForeignStoreError)
    return new Error(`${error.message}: move it away or choose another directory`);
  switch (code(error)) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new Error(
        `history store ${file} is in use by another process (another server with the same data directory?)`,
      );
    case 'SQLITE_READONLY':
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
      return new Error(`history store ${file} cannot be opened for writing (${reason(error)})`);
    case 'SQLITE_FULL':
      return new Error(`history store ${file}: the disk is full`);
    default:
      return new Error(`history store ${file} cannot be used (${reason(error)})`);
  }
}

function code(error: unknown): string | undefined {
  const value = (error as { code?: unknown } | null)?.code;
  return typeof value === 'string' ? value : undefined;
}

function reason(error: unknown): string {
  const raw = (error as { message?: unknown } | null)?.message;
  // Node's "ENOTDIR: not a directory, stat '/the/path'": the path is already in our message.
  const message = typeof raw === 'string' ? raw.replace(/, \w+ '.*'$/, '') : String(error);
  const c = code(error);
  return c !== undefined && !message.includes(c) ? `${c}: ${message}` : message;
}
