import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { RunningServer } from '../load/server-process';
import { settle, sleep, waitUntil } from '../load/sync';
import { type TextClient, connectTextClients } from '../load/text-client';

export interface HistoryMemoryOptions {
  readonly rooms: number;
  readonly messagesPerRoom: number;
  /** Characters of each message's text (a chat line of ordinary length). */
  readonly textBytes: number;
  readonly timeoutMs: number;
}

export interface HistoryMemoryResult {
  /** Server heap (plus external) after a full GC, history full minus the same rooms empty, per message. */
  readonly heapBytesPerMessage: number;
  readonly rssBytesPerMessage: number;
  readonly messages: number;
  /** Seconds from the first line written until the server was idle again. */
  readonly fillSeconds: number;
  /** Rooms sampled whose scrollback did not end with their last message (should be 0). */
  readonly sampleMismatches: number;
  /** The in-memory core, in a process of its own (see history-core-probe.ts). */
  readonly coreHeapBytesPerMessage: number;
  readonly restoreTableMs: number;
  readonly createStateMs: number;
  readonly snapshotJsonMb: number;
  readonly snapshotParseMs: number;
}

const CONFIRMATION = / online in #h\d+/;
const ROOMS_PER_WRITE = 100;

/**
 * Memory per message kept: `rooms` clients each make a room of their own (`#hN`) and say
 * `messagesPerRoom` lines of about `textBytes` in it, nobody else there (no deliveries). The server's
 * heap after a full GC (the bench's memory probe) with every room full, minus with every room made
 * and empty, divided by the messages. A sample of rooms is then joined by a fresh client whose
 * scrollback must end with the room's last line. Then the core alone, in a child process:
 * `HistoryTable.restore` and `createChatState(snapshot)` of the same amount.
 */
export async function runHistoryMemory(
  server: RunningServer,
  options: HistoryMemoryOptions,
): Promise<HistoryMemoryResult> {
  const { rooms, messagesPerRoom } = options;
  let confirmations = 0;
  const clients = await connectTextClients(
    server.port,
    rooms,
    (_client, line) => {
      if (line.startsWith('[*] ') && CONFIRMATION.test(line)) confirmations++;
    },
    { concurrency: 250, timeoutMs: options.timeoutMs },
  );
  try {
    for (const client of clients) client.write(`/join #h${client.index}`);
    if (!(await waitUntil(() => confirmations >= rooms, options.timeoutMs, 20))) {
      throw new Error(`${rooms - confirmations} rooms were not made`);
    }
    await settle(server, options.timeoutMs);
    const empty = await server.memoryAfterGc!();
    const rss0 = server.rssBytes();
    const pad = 'm'.repeat(Math.max(0, options.textBytes - 14));
    const started = Date.now();
    // In slices, so no client's socket holds its whole share at once.
    for (let from = 0; from < messagesPerRoom; from += ROOMS_PER_WRITE) {
      for (const client of clients) {
        let chunk = '';
        for (let k = from; k < Math.min(messagesPerRoom, from + ROOMS_PER_WRITE); k++) {
          chunk += `${pad} h ${client.index} ${k}\n`;
        }
        client.socket.write(chunk);
      }
      await sleep(1);
    }
    await settle(server, options.timeoutMs);
    const fillSeconds = (Date.now() - started) / 1000;
    const full = await server.memoryAfterGc!();
    const rss1 = server.rssBytes();
    const sampleMismatches = await checkSample(server.port, rooms, messagesPerRoom, options.timeoutMs);
    const messages = rooms * messagesPerRoom;
    const heap = (m: typeof empty) => (m === undefined ? NaN : m.heapUsed + m.external);
    const core = await runCoreProbe(rooms, messagesPerRoom, options.textBytes);
    return {
      heapBytesPerMessage: (heap(full) - heap(empty)) / messages,
      rssBytesPerMessage: (rss1 - rss0) / messages,
      messages,
      fillSeconds,
      sampleMismatches,
      ...core,
    };
  } finally {
    for (const client of clients) client.close();
  }
}

/** Joins 10 rooms spread over all of them; counts those whose scrollback does not end with the last line said. */
async function checkSample(port: number, rooms: number, perRoom: number, timeoutMs: number): Promise<number> {
  const sample = Array.from({ length: 10 }, (_, k) => Math.floor((k * rooms) / 10));
  const lastLine = new Map<number, string>();
  const [probe] = await connectTextClients(port, 1, (_client: TextClient, line: string) => {
    const m = / h (\d+) (\d+)$/.exec(line);
    if (m !== null && line.includes('[history ')) lastLine.set(Number(m[1]), m[2]!);
  });
  try {
    for (const room of sample) probe!.write(`/join #h${room}`);
    await waitUntil(() => sample.every((room) => lastLine.get(room) === String(perRoom - 1)), timeoutMs, 20);
    await sleep(100);
    return sample.filter((room) => lastLine.get(room) !== String(perRoom - 1)).length;
  } finally {
    probe!.close();
  }
}

type CoreFigures = Pick<
  HistoryMemoryResult,
  'coreHeapBytesPerMessage' | 'restoreTableMs' | 'createStateMs' | 'snapshotJsonMb' | 'snapshotParseMs'
>;

/** Runs history-core-probe.js with --expose-gc and reads its one JSON line. */
function runCoreProbe(rooms: number, perRoom: number, textBytes: number): Promise<CoreFigures> {
  const script = join(__dirname, 'history-core-probe.js');
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=4096', script, String(rooms), String(perRoom), String(textBytes)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`history-core-probe exited with ${code}`));
      else resolve(JSON.parse(out) as CoreFigures);
    });
  });
}
