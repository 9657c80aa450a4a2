/**
 * A `write` that returned survives a `kill -9` of the process, with the weakest fsync policy: a child
 * process writes batches and prints after each write; it is killed mid-stream, and every batch it
 * printed is in the store.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openChatStore } from '../../src/store/open-data-dir';
import { DIST, spawnNode, killSpawned, waitForExit, waitForStdout } from '../support/processes';
import { removeTempDirs, tempDir } from './support/store-fixtures';

const STORE_JS = join(DIST, 'store', 'open-data-dir.js');

// Writes batches of 100 messages over 5 rooms forever, printing "wrote N" after batch N's write returned.
const WRITER = `
const { openChatStore } = require(${JSON.stringify(STORE_JS)});
const store = openChatStore(process.argv[1], { historyLimit: 1000000, sync: 'off' });
let batch = 0;
(function next() {
  batch++;
  const records = [];
  for (let i = 0; i < 100; i++) {
    const room = '#r' + (i % 5);
    const id = (batch - 1) * 20 + Math.floor(i / 5) + 1;
    records.push({ type: 'message', room, entry: { id, at: Date.now(), type: 'said', name: 'w', text: 'batch ' + batch + ' ' + i } });
  }
  store.write(records);
  process.stdout.write('wrote ' + batch + '\\n');
  setImmediate(next);
})();
`;

afterEach(async () => {
  await killSpawned();
  removeTempDirs();
});

describe('a kill -9 of the writing process', () => {
  it('loses no batch whose write returned', async () => {
    if (!existsSync(STORE_JS))
      throw new Error(`${STORE_JS} is missing: run "npm run build" first (npm test does it for you)`);
    const dir = tempDir();
    const child = spawnNode('store-writer', '-e', [WRITER, dir]);
    await waitForStdout(child, /wrote 200\n/, 15_000);
    child.child.kill('SIGKILL');
    await waitForExit(child);
    const printed = [...child.stdout().matchAll(/wrote (\d+)\n/g)].map((m) => Number(m[1]));
    const last = Math.max(...printed);
    expect(last).toBeGreaterThanOrEqual(200);

    const store = openChatStore(dir, { historyLimit: 1000000 });
    const { rooms } = store.load();
    store.close();
    expect(rooms.map((r) => r.name).sort()).toEqual(['#r0', '#r1', '#r2', '#r3', '#r4']);
    for (const room of rooms) {
      const ids = room.entries.map((e) => e.id);
      // Every batch printed is there, whole; a batch in flight at the kill is there whole or not at all.
      expect(ids.length % 20).toBe(0);
      expect(ids.length).toBeGreaterThanOrEqual(last * 20);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    }
  });
});
