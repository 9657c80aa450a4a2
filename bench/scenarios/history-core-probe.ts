/**
 * Run by history-memory.ts as `node --expose-gc history-core-probe.js ROOMS PER_ROOM TEXT_BYTES`:
 * the in-memory core alone, in a process of its own so that its heap is its own. Builds a snapshot's
 * history of ROOMS x PER_ROOM messages, then times `HistoryTable.restore` and
 * `createChatState(snapshot)` and weighs what the table keeps; prints one JSON line.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** The shapes used here of rxchat's core (dist/ is loaded at run time: the bench compiles alone). */
interface Entry {
  readonly id: number;
  readonly at: number;
  readonly type: 'said';
  readonly name: string;
  readonly text: string;
}
interface RoomSnapshot {
  readonly name: string;
  readonly entries: readonly Entry[];
}
interface HistoryTableLike {
  restore(rooms: readonly RoomSnapshot[]): void;
  last(room: string, count: number): Entry[];
}
interface Core {
  HistoryTable: new (limits: { perRoom: number; maxBytes: number }) => HistoryTableLike;
}
interface ChatStateModule {
  createChatState(snapshot: unknown, limits: { historyPerRoom?: number; perRoom: number; maxBytes: number }): unknown;
}

const ROOT = join(__dirname, '..', '..', '..');
const { HistoryTable } = require(join(ROOT, 'dist', 'core', 'history.js')) as Core; // eslint-disable-line @typescript-eslint/no-require-imports
const { createChatState } = require(join(ROOT, 'dist', 'core', 'chat-state.js')) as ChatStateModule; // eslint-disable-line @typescript-eslint/no-require-imports

const gc = (globalThis as { gc?: () => void }).gc!;
const heap = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

const [rooms, perRoom, textBytes] = process.argv.slice(2).map(Number) as [number, number, number];
const limits = { perRoom, maxBytes: 1 << 30 };
const names = Array.from({ length: rooms }, (_, r) => `Speaker${r}`);

/** Fresh strings and objects, as read from a store or a snapshot's JSON: nothing shared. */
function build(): RoomSnapshot[] {
  const pad = 'm'.repeat(Math.max(0, textBytes - 14));
  const at0 = Date.now() - rooms * perRoom;
  const out: RoomSnapshot[] = [];
  for (let r = 0; r < rooms; r++) {
    const entries: Entry[] = [];
    for (let k = 0; k < perRoom; k++) {
      // Interleaved in time across rooms, as a chat's rooms are.
      entries.push({ id: k + 1, at: at0 + k * rooms + r, type: 'said', name: names[r]!, text: `${pad} h ${r} ${k}` });
    }
    out.push({ name: `#h${r}`, entries });
  }
  return out;
}

const messages = rooms * perRoom;
const h0 = heap();
/** What is alive: dropped by property so that the GC may take it before the next weighing. */
const held: { snapshot?: RoomSnapshot[]; table?: HistoryTableLike } = { snapshot: build() };

let t = performance.now();
held.table = new HistoryTable(limits);
held.table.restore(held.snapshot!);
const restoreTableMs = performance.now() - t;
if (held.table.last(`#h${rooms - 1}`, 1)[0]?.id !== perRoom) throw new Error('restore lost messages');
delete held.snapshot;
// What the table holds once the snapshot is gone: its entries and its bookkeeping.
const coreHeapBytesPerMessage = (heap() - h0) / messages;
delete held.table;

held.snapshot = build();
t = performance.now();
createChatState({ clients: [], closing: false, stoppedNodes: [], rooms: [], history: held.snapshot }, limits);
const createStateMs = performance.now() - t;

// A cluster's snapshot travels as JSON: its size, and the parse a process pays at start.
const json = JSON.stringify(held.snapshot);
delete held.snapshot;
t = performance.now();
JSON.parse(json);
const snapshotParseMs = performance.now() - t;

process.stdout.write(
  `${JSON.stringify({ coreHeapBytesPerMessage, restoreTableMs, createStateMs, snapshotJsonMb: json.length / 1e6, snapshotParseMs })}\n`,
);
