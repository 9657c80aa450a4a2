/**
 * A damaged store file at start (really truncated, or overwritten in the middle): the store moves it
 * aside, keeps every message whose page is intact, says so, and never crashes or starts empty in silence.
 */
import { closeSync, openSync, readFileSync, readdirSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryEntry } from '../../src/core/records';
import { STORE_FILE, openChatStore } from '../../src/store/open-data-dir';
import { STORE_PAGE_SIZE } from '../../src/store/salvage';
import { entry, message, messages, removeTempDirs, session, tempDir } from './support/store-fixtures';

const ROOMS = 10;
const COUNT = 5000;

/** A closed store of COUNT messages in ROOMS rooms and a session; returns its directory and file bytes. */
function writtenStore(): { dir: string; file: string; bytes: Buffer } {
  const dir = tempDir();
  const store = openChatStore(dir, { historyLimit: 10_000, sync: 'off' });
  for (let i = 0; i < COUNT; i += 250) store.write(messages(250, ROOMS, 1 + i / ROOMS));
  store.write([{ type: 'session', session: session('abcd') }]);
  store.close();
  const file = join(dir, STORE_FILE);
  return { dir, file, bytes: readFileSync(file) };
}

/** Every message written, with the page its text was found on in the undamaged file. */
function pagesOfMessages(bytes: Buffer): { room: string; entry: HistoryEntry; page: number }[] {
  const found = [];
  for (let i = 0; i < COUNT; i++) {
    const room = `#r${i % ROOMS}`;
    const e = entry(room, 1 + Math.floor(i / ROOMS));
    const at = bytes.indexOf(Buffer.from(e.text));
    expect(at).toBeGreaterThan(0);
    found.push({ room, entry: e, page: Math.floor(at / STORE_PAGE_SIZE) });
  }
  return found;
}

function reopen(dir: string) {
  const log: string[] = [];
  const store = openChatStore(dir, { historyLimit: 10_000, sync: 'off', onLog: (line) => log.push(line) });
  const loaded = store.load();
  const kept = new Map<string, HistoryEntry>();
  for (const room of loaded.rooms) {
    expect(room.entries.map((e) => e.id)).toEqual([...room.entries.map((e) => e.id)].sort((a, b) => a - b));
    for (const e of room.entries) kept.set(`${room.name} ${e.id}`, e);
  }
  return { store, loaded, kept, log };
}

afterEach(removeTempDirs);

describe('a damaged store file at start', () => {
  it.each([
    ['cut to half its size', (size: number) => Math.floor(size / 2 / STORE_PAGE_SIZE) * STORE_PAGE_SIZE],
    ['cut to a length that is not on a page boundary', (size: number) => Math.floor(size / 3) + 1234],
  ])('%s: keeps every message on a whole page, moves the file aside, says so', (_, cutAt) => {
    const { dir, file, bytes } = writtenStore();
    const cut = cutAt(bytes.length);
    truncateSync(file, cut);
    const { store, loaded, kept, log } = reopen(dir);
    try {
      for (const { room, entry: e, page } of pagesOfMessages(bytes)) {
        if ((page + 1) * STORE_PAGE_SIZE <= cut) expect(kept.get(`${room} ${e.id}`)).toEqual(e);
      }
      // Whatever else came back is exactly what was written.
      for (const [key, e] of kept) expect(e).toEqual(entry(key.split(' ')[0]!, e.id));
      expect(kept.size).toBeLessThan(COUNT);
      expect(loaded.sessions).toEqual([]);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatch(/was damaged .*moved it to .*chat\.db\.damaged-.*kept the \d+ intact messages/);
      const aside = readdirSync(dir).filter((name) => name.startsWith(`${STORE_FILE}.damaged-`));
      expect(aside).toHaveLength(1);
      expect(statSync(join(dir, aside[0]!)).size).toBe(cut);
    } finally {
      store.close();
    }
  });

  it('garbage in the middle: keeps every message off the overwritten pages', () => {
    const { dir, file, bytes } = writtenStore();
    const from = Math.floor(bytes.length / 2) + 1000;
    const garbage = Buffer.alloc(5 * STORE_PAGE_SIZE, 0);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 255;
    const fd = openSync(file, 'r+');
    writeSync(fd, garbage, 0, garbage.length, from);
    closeSync(fd);
    const firstBad = Math.floor(from / STORE_PAGE_SIZE);
    const lastBad = Math.floor((from + garbage.length - 1) / STORE_PAGE_SIZE);
    const { store, kept, log } = reopen(dir);
    try {
      const written = pagesOfMessages(bytes);
      for (const { room, entry: e, page } of written) {
        if (page < firstBad || page > lastBad) expect(kept.get(`${room} ${e.id}`)).toEqual(e);
      }
      for (const [key, e] of kept) expect(e).toEqual(entry(key.split(' ')[0]!, e.id));
      expect(kept.size).toBeLessThan(COUNT);
      expect(log[0]).toMatch(/was damaged/);
    } finally {
      store.close();
    }
  });

  it('garbage over the header: keeps every message', () => {
    const { dir, file } = writtenStore();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(100, 0xab), 0, 100, 0);
    closeSync(fd);
    const { store, kept, log } = reopen(dir);
    store.close();
    expect(kept.size).toBe(COUNT);
    expect(log[0]).toMatch(/was damaged \(file is not a database\)/);
  });

  it('after a recovery, the new store takes writes and opens again without a second recovery', () => {
    const { dir, file, bytes } = writtenStore();
    truncateSync(file, Math.floor(bytes.length / 2));
    const first = reopen(dir);
    first.store.write([message('#r0', 10_000)]);
    first.store.close();
    const second = reopen(dir);
    second.store.close();
    expect(second.log).toEqual([]);
    expect(second.kept.size).toBe(first.kept.size + 1);
    expect(readdirSync(dir).filter((name) => name.includes('.damaged-'))).toHaveLength(1);
  });
});
