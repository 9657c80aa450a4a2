/** `--data-dir`: which directories and files the store accepts, and the errors it gives for the others. */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { STORE_FILE, openChatStore } from '../../src/store/open-data-dir';
import { message, removeTempDirs, tempDir } from './support/store-fixtures';

afterEach(removeTempDirs);

const runningAsRoot = process.getuid?.() === 0;

describe('the data directory', () => {
  it('is created when missing and its parent exists', () => {
    const dir = join(tempDir(), 'data');
    const store = openChatStore(dir, { historyLimit: 10 });
    store.write([message('#a', 1)]);
    store.close();
    expect(existsSync(join(dir, STORE_FILE))).toBe(true);
  });

  it('is refused, with a clear error, when its parent does not exist', () => {
    const dir = join(tempDir(), 'no', 'such');
    expect(() => openChatStore(dir, { historyLimit: 10 })).toThrow(
      `data directory ${dir}: does not exist and cannot be created (its parent ${join(dir, '..')} does not exist)`,
    );
  });

  it('is refused when it is a file, or lies under a file', () => {
    const file = join(tempDir(), 'plain-file');
    writeFileSync(file, 'x');
    expect(() => openChatStore(file, { historyLimit: 10 })).toThrow(`data directory ${file}: is not a directory`);
    expect(() => openChatStore(join(file, 'data'), { historyLimit: 10 })).toThrow(
      new RegExp(`data directory ${join(file, 'data')}: cannot be used \\(ENOTDIR`),
    );
  });

  (runningAsRoot ? it.skip : it)(
    'is refused when not writable (skipped as root: root writes through chmod 0500)',
    () => {
      const dir = tempDir();
      chmodSync(dir, 0o500);
      try {
        expect(() => openChatStore(dir, { historyLimit: 10 })).toThrow(`data directory ${dir}: is not writable`);
      } finally {
        chmodSync(dir, 0o700);
      }
    },
  );

  it('refuses a store file that is another program database, and leaves it as it was', () => {
    const dir = tempDir();
    const other = new Database(join(dir, STORE_FILE));
    other.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1)');
    other.close();
    const before = readFileSync(join(dir, STORE_FILE));
    expect(() => openChatStore(dir, { historyLimit: 10 })).toThrow(
      `${join(dir, STORE_FILE)} is a database, but not an rxchat history store: move it away or choose another directory`,
    );
    expect(readFileSync(join(dir, STORE_FILE))).toEqual(before);
  });

  it('refuses a store file that is not a database at all, and leaves it as it was', () => {
    const dir = tempDir();
    const text = 'my notes, not a database\n'.repeat(1000);
    writeFileSync(join(dir, STORE_FILE), text);
    expect(() => openChatStore(dir, { historyLimit: 10 })).toThrow(
      `${join(dir, STORE_FILE)} is not an rxchat history store (not a database, and no message could be read from it)`,
    );
    expect(readFileSync(join(dir, STORE_FILE), 'utf8')).toBe(text);
  });

  it('is refused while another store holds it', () => {
    const dir = tempDir();
    const first = openChatStore(dir, { historyLimit: 10 });
    try {
      expect(() => openChatStore(dir, { historyLimit: 10 })).toThrow(
        `history store ${join(dir, STORE_FILE)} is in use by another process`,
      );
    } finally {
      first.close();
    }
    openChatStore(dir, { historyLimit: 10 }).close();
  });

  it('refuses a history limit that is not a whole number', () => {
    expect(() => openChatStore(tempDir(), { historyLimit: -1 })).toThrow(/history limit/);
  });
});
