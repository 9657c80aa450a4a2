/** The history store's contract: what is written comes back in a new instance, bounded and in order. */
import type { ChatStore, StoreRecord } from '../../src/core/records';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { STORE_FILE, openChatStore } from '../../src/store/open-data-dir';
import { entry, message, messages, removeTempDirs, session, tempDir } from './support/store-fixtures';

const open: ChatStore[] = [];
function openStore(dir: string, historyLimit = 1000): ChatStore {
  const store = openChatStore(dir, { historyLimit, sync: 'off' });
  open.push(store);
  return store;
}

afterEach(() => {
  for (const store of open.splice(0)) store.close();
  removeTempDirs();
});

describe('the history store', () => {
  it('gives back in a new instance what was written, each room oldest first', () => {
    const dir = tempDir();
    const first = openStore(dir);
    first.write([message('#a', 1), message('#b', 1), message('#a', 2, 'action')]);
    first.write([message('#b', 2), message('#a', 3)]);
    first.close();
    const { rooms, sessions } = openStore(dir).load();
    expect(rooms).toEqual([
      { name: '#a', entries: [entry('#a', 1), entry('#a', 2, 'action'), entry('#a', 3)] },
      { name: '#b', entries: [entry('#b', 1), entry('#b', 2)] },
    ]);
    expect(sessions).toEqual([]);
  });

  it('starts empty in a new directory', () => {
    expect(openStore(tempDir()).load()).toEqual({ rooms: [], sessions: [] });
  });

  it('keeps at most historyLimit messages per room, dropping the oldest', () => {
    const dir = tempDir();
    const store = openStore(dir, 5);
    for (let batch = 0; batch < 4; batch++) store.write(messages(30, 3, 1 + batch * 10));
    store.write([message('#small', 1), message('#small', 2)]);
    store.close();
    const { rooms } = openStore(dir, 5).load();
    expect(rooms.map((r) => [r.name, r.entries.map((e) => e.id)])).toEqual([
      ['#r0', [36, 37, 38, 39, 40]],
      ['#r1', [36, 37, 38, 39, 40]],
      ['#r2', [36, 37, 38, 39, 40]],
      ['#small', [1, 2]],
    ]);
  });

  it('prunes as it writes, not only at load (once every tenth of the limit per room)', () => {
    const dir = tempDir();
    const store = openStore(dir, 5);
    for (let batch = 0; batch < 10; batch++) store.write(messages(20, 2, 1 + batch * 10));
    store.close();
    const db = new Database(join(dir, STORE_FILE), { readonly: true });
    try {
      expect(db.prepare('SELECT room, count(*) AS n FROM messages GROUP BY room ORDER BY room').all()).toEqual([
        { room: '#r0', n: 5 },
        { room: '#r1', n: 5 },
      ]);
    } finally {
      db.close();
    }
  });

  it('applies a lowered limit at the next start, and keeps it applied', () => {
    const dir = tempDir();
    const store = openStore(dir, 100);
    store.write(messages(50, 1));
    store.close();
    expect(
      openStore(dir, 10)
        .load()
        .rooms[0]!.entries.map((e) => e.id),
    ).toEqual([41, 42, 43, 44, 45, 46, 47, 48, 49, 50]);
    open.pop()!.close();
    expect(openStore(dir, 100).load().rooms[0]!.entries).toHaveLength(10);
  });

  it('upserts sessions by hash and forgets an ended one', () => {
    const dir = tempDir();
    const store = openStore(dir);
    store.write([
      { type: 'session', session: session('aaaa') },
      { type: 'session', session: session('bbbb') },
      { type: 'session', session: session('cccc') },
    ]);
    store.write([
      {
        type: 'session',
        session: session('aaaa', { rooms: ['#lobby', '#x'], seen: { '#lobby': 9, '#x': 2 }, until: 123 }),
      },
      { type: 'session-ended', hash: 'bbbb' },
    ]);
    store.close();
    const { sessions } = openStore(dir).load();
    const byHash = new Map(sessions.map((s) => [s.hash, s]));
    expect([...byHash.keys()].sort()).toEqual(['aaaa', 'cccc']);
    expect(byHash.get('aaaa')).toEqual(
      session('aaaa', { rooms: ['#lobby', '#x'], seen: { '#lobby': 9, '#x': 2 }, until: 123 }),
    );
    expect(byHash.get('cccc')).toEqual(session('cccc'));
  });

  it('applies a batch in order: a session ended and opened again in one batch is kept', () => {
    const dir = tempDir();
    const store = openStore(dir);
    store.write([
      { type: 'session', session: session('dddd') },
      { type: 'session-ended', hash: 'dddd' },
      { type: 'session', session: session('eeee') },
      { type: 'session-ended', hash: 'eeee' },
      { type: 'session', session: session('eeee', { until: 7 }) },
    ]);
    store.close();
    expect(openStore(dir).load().sessions).toEqual([session('eeee', { until: 7 })]);
  });

  it('keeps a batch whole or not at all', () => {
    const dir = tempDir();
    const store = openStore(dir);
    store.write([message('#a', 1)]);
    const broken = { type: 'message', room: '#a', entry: { ...entry('#a', 3), text: null } } as unknown as StoreRecord;
    expect(() => store.write([message('#a', 2), { type: 'session', session: session('ffff') }, broken])).toThrow();
    store.close();
    const loaded = openStore(dir).load();
    expect(loaded.rooms[0]!.entries.map((e) => e.id)).toEqual([1]);
    expect(loaded.sessions).toEqual([]);
  });

  it('keeps text as written (unicode, quotes, long lines)', () => {
    const dir = tempDir();
    const store = openStore(dir);
    const texts = ['héllo wörld ✓ 🎉', 'it\'s "quoted" \\ and\ttabbed', 'x'.repeat(20_000)];
    store.write(texts.map((text, i) => ({ type: 'message', room: '#u', entry: { ...entry('#u', i + 1), text } })));
    store.close();
    expect(
      openStore(dir)
        .load()
        .rooms[0]!.entries.map((e) => e.text),
    ).toEqual(texts);
  });

  it('refuses a write after close', () => {
    const store = openChatStore(tempDir(), { historyLimit: 10 });
    store.close();
    expect(() => store.write([message('#a', 1)])).toThrow(/closed/);
  });

  it.each(['off', 'normal', 'full'] as const)('works with sync %s', (sync) => {
    const dir = tempDir();
    const store = openChatStore(dir, { historyLimit: 10, sync });
    store.write(messages(20, 2));
    store.close();
    expect(
      openStore(dir, 10)
        .load()
        .rooms.map((r) => r.entries.length),
    ).toEqual([10, 10]);
  });
});
