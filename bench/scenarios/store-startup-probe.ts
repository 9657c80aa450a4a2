/**
 * Run by store-startup.ts in processes of their own:
 * - `node store-startup-probe.js fill DIR ROOMS PER_ROOM TEXT_BYTES`: writes ROOMS x PER_ROOM messages
 *   into the store in DIR with the store's own `write`, in batches of 1,000; prints `{ seconds, fileMb }`.
 * - `node store-startup-probe.js start DIR PER_ROOM`: times `openChatStore` and `createChatServer`
 *   until it listens, with the store in DIR, then weighs the process; prints one JSON line.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** The shapes used here of rxchat's store and server (dist/ is loaded at run time: the bench compiles alone). */
interface StoreRecord {
  readonly type: 'message';
  readonly room: string;
  readonly entry: { id: number; at: number; type: 'said'; name: string; text: string };
}
interface Store {
  write(records: readonly StoreRecord[]): void;
  close(): void;
}
interface StoreModule {
  openChatStore(dir: string, options: { historyLimit: number; sync?: 'off' | 'normal' | 'full' }): Store;
  STORE_FILE: string;
}
interface ServerModule {
  createChatServer(options: Record<string, unknown>): Promise<{ port: number; close(): Promise<void> }>;
}

const ROOT = join(__dirname, '..', '..', '..');
const { openChatStore, STORE_FILE } = require(join(ROOT, 'dist', 'store', 'open-data-dir.js')) as StoreModule; // eslint-disable-line @typescript-eslint/no-require-imports

function fill(dir: string, rooms: number, perRoom: number, textBytes: number): void {
  const store = openChatStore(dir, { historyLimit: perRoom, sync: 'off' });
  const text = 'x'.repeat(textBytes);
  const t0 = performance.now();
  let batch: StoreRecord[] = [];
  const at = Date.now();
  // Round-robin over the rooms, as a chat says them.
  for (let id = 1; id <= perRoom; id++) {
    for (let r = 0; r < rooms; r++) {
      batch.push({ type: 'message', room: `#r${r}`, entry: { id, at, type: 'said', name: `user${r}`, text } });
      if (batch.length === 1_000) {
        store.write(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) store.write(batch);
  store.close();
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, fileMb: statSync(join(dir, STORE_FILE)).size / 1e6 })}\n`);
}

async function start(dir: string, perRoom: number): Promise<void> {
  const t0 = performance.now();
  const { createChatServer } = require(join(ROOT, 'dist', 'server', 'create-chat-server.js')) as ServerModule; // eslint-disable-line @typescript-eslint/no-require-imports
  const t1 = performance.now();
  const store = openChatStore(dir, { historyLimit: perRoom });
  const t2 = performance.now();
  const server = await createChatServer({
    host: '127.0.0.1',
    port: 0,
    store,
    historyPerRoom: perRoom,
    historyMaxBytes: 1 << 30,
  });
  const t3 = performance.now();
  const rss = process.memoryUsage().rss;
  process.stdout.write(
    `${JSON.stringify({ requireMs: t1 - t0, openMs: t2 - t1, createMs: t3 - t2, totalMs: t3 - t0, rss, uptimeMs: process.uptime() * 1000 })}\n`,
  );
  await server.close();
  store.close();
}

const [mode, dir, a, b, c] = process.argv.slice(2);
if (mode === 'fill') fill(dir!, Number(a), Number(b), Number(c));
else
  start(dir!, Number(a)).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
