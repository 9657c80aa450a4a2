import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StoreStartupOptions {
  readonly rooms: number;
  readonly messagesPerRoom: number;
  readonly textBytes: number;
  /** Starts timed on the filled store, each a fresh process (the first one reads the file cold-ish). */
  readonly starts: number;
}

export interface StoreStartupResult {
  readonly messages: number;
  readonly fillSeconds: number;
  readonly fillPerSec: number;
  readonly fileMb: number;
  /** Medians over the starts, in a fresh process each: `openChatStore`, `createChatServer` until listening. */
  readonly openMs: number;
  readonly createMs: number;
  readonly startMs: number;
  readonly rssMb: number;
  /** The same start with an empty store, for comparison. */
  readonly emptyStartMs: number;
  readonly emptyRssMb: number;
}

const PROBE = join(__dirname, 'store-startup-probe.js');

interface StartReport {
  readonly openMs: number;
  readonly createMs: number;
  readonly rss: number;
}

function probe(args: string[]): unknown {
  const out = execFileSync(process.execPath, [PROBE, ...args], { encoding: 'utf8', timeout: 600_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Start-up with a large store: fills a fresh data directory with `rooms` x `messagesPerRoom` messages
 * through the store's own `write` (batches of 1,000), then starts the server on it in fresh processes,
 * timing `openChatStore` and `createChatServer` until listening, and weighing the process's RSS.
 */
export function runStoreStartup(options: StoreStartupOptions): StoreStartupResult {
  const full = mkdtempSync(join(tmpdir(), 'rxchat-bench-startup-'));
  const empty = mkdtempSync(join(tmpdir(), 'rxchat-bench-startup-empty-'));
  try {
    const perRoom = String(options.messagesPerRoom);
    const fill = probe(['fill', full, String(options.rooms), perRoom, String(options.textBytes)]) as {
      seconds: number;
      fileMb: number;
    };
    const starts: StartReport[] = [];
    const emptyStarts: StartReport[] = [];
    for (let k = 0; k < options.starts; k++) {
      starts.push(probe(['start', full, perRoom]) as StartReport);
      emptyStarts.push(probe(['start', empty, perRoom]) as StartReport);
    }
    const messages = options.rooms * options.messagesPerRoom;
    return {
      messages,
      fillSeconds: fill.seconds,
      fillPerSec: messages / fill.seconds,
      fileMb: fill.fileMb,
      openMs: median(starts.map((s) => s.openMs)),
      createMs: median(starts.map((s) => s.createMs)),
      startMs: median(starts.map((s) => s.openMs + s.createMs)),
      rssMb: median(starts.map((s) => s.rss)) / 1e6,
      emptyStartMs: median(emptyStarts.map((s) => s.openMs + s.createMs)),
      emptyRssMb: median(emptyStarts.map((s) => s.rss)) / 1e6,
    };
  } finally {
    rmSync(full, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  }
}
