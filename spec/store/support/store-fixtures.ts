/** Temporary data directories and made-up messages for the store specs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryEntry, SessionRecord, StoreRecord } from '../../../src/core/records';

const made: string[] = [];

/** A new empty directory, removed by `removeTempDirs`. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rxchat-store-'));
  made.push(dir);
  return dir;
}

/** Removes every directory `tempDir` made (call in afterEach/afterAll). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Message `id` of `room`: its text is unique and about 150 bytes, so it can be found in the file's bytes. */
export function entry(room: string, id: number, type: HistoryEntry['type'] = 'said'): HistoryEntry {
  const text = `<${room}/${id}> `.padEnd(150, 'the quick brown fox jumps over the lazy dog ');
  return { id, at: 1_760_000_000_000 + id, type, name: `user${id % 7}`, text };
}

export function message(room: string, id: number, type: HistoryEntry['type'] = 'said'): StoreRecord {
  return { type: 'message', room, entry: entry(room, id, type) };
}

/** `count` messages spread over `rooms` rooms (#r0, #r1, ...) in turn, ids from 1 in each. */
export function messages(count: number, rooms: number, firstId = 1): StoreRecord[] {
  const records: StoreRecord[] = [];
  for (let i = 0; i < count; i++) records.push(message(`#r${i % rooms}`, firstId + Math.floor(i / rooms)));
  return records;
}

export function session(hash: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    hash,
    name: `name-${hash.slice(0, 4)}`,
    rooms: ['#lobby'],
    current: '#lobby',
    seen: { '#lobby': 3 },
    ...extra,
  };
}
