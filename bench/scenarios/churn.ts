import { Client, type StampHandler, closeAll, connectClients } from '../load/client';
import { Histogram } from '../load/histogram';
import { startCpuWindow } from '../load/meter';
import type { RunningServer } from '../load/server-process';
import { KIND_MEASURE, KIND_SYNC } from '../load/stamp';
import { sleep, syncClients, waitUntil } from '../load/sync';

export interface ChurnOptions {
  /** Steady clients that chat throughout. */
  readonly chatters: number;
  /** Lines per second each chatter sends. */
  readonly chatRate: number;
  /** Concurrent connect-wait-disconnect loops. */
  readonly churners: number;
  readonly measureMs: number;
  /** Hard cap on churn cycles. */
  readonly maxCycles: number;
}

export interface ChurnResult {
  /** Completed cycles per second; each is one connect and one disconnect. */
  readonly cyclesPerSec: number;
  readonly chatLinesPerSec: number;
  readonly chatP99Ms: number;
  readonly lost: number;
  readonly failedCycles: number;
  readonly serverCpuShare: number;
  readonly generatorCpuShare: number;
  readonly otherCpuShare: number;
}

const CHURN_INDEX_BASE = 1_000_000;
const CYCLE_TIMEOUT_MS = 5_000;

/**
 * Connection churn while others chat. A cycle is: connect, wait for the first chat line (the
 * server has the newcomer in its audience), disconnect. Lost lines count among chatters only.
 */
export async function runChurn(server: RunningServer, options: ChurnOptions): Promise<ChurnResult> {
  const n = options.chatters;
  const histogram = new Histogram();
  const sentBy = new Int32Array(n);
  let received = 0;
  let measuredLines = 0;
  let cycles = 0;
  let failedCycles = 0;
  let churning = false;
  let nextChurnIndex = CHURN_INDEX_BASE;
  /** Churn clients waiting for their first chat line, by index: true = it arrived, false = stopped. */
  const waitingFor = new Map<number, (arrived: boolean) => void>();

  const onStamp: StampHandler = (client, stamp, now) => {
    if (stamp.kind === KIND_SYNC) {
      client.synced = true;
      return;
    }
    if (client.index >= CHURN_INDEX_BASE) {
      waitingFor.get(client.index)?.(true);
      return;
    }
    received++;
    if (churning) {
      measuredLines++;
      histogram.record(now - stamp.micros);
    }
  };
  const handler = { onStamp };

  const churnLoop = async () => {
    while (churning && cycles + failedCycles < options.maxCycles) {
      const client = new Client(nextChurnIndex++, server.port, handler);
      const outcome = await new Promise<'ok' | 'failed' | 'stopped'>((resolve) => {
        const timer = setTimeout(() => resolve('failed'), CYCLE_TIMEOUT_MS);
        waitingFor.set(client.index, (arrived) => {
          clearTimeout(timer);
          resolve(arrived ? 'ok' : 'stopped');
        });
        client.socket.once('error', () => {
          clearTimeout(timer);
          resolve('failed');
        });
      });
      waitingFor.delete(client.index);
      client.close();
      if (outcome === 'ok' && churning) cycles++;
      else if (outcome === 'failed') failedCycles++;
    }
  };

  const chatters = await connectClients(server.port, n, handler);
  let ticker: NodeJS.Timeout | undefined;
  try {
    await syncClients(chatters);
    // Paced chat, smooth rather than bursty: every ms, whatever is due at the total rate, round-robin.
    const totalRate = options.chatRate * n;
    const chatStart = Date.now();
    let sentTotal = 0;
    ticker = setInterval(() => {
      const due = Math.floor(((Date.now() - chatStart) * totalRate) / 1000);
      for (; sentTotal < due; sentTotal++) {
        const s = sentTotal % n;
        chatters[s]!.send(KIND_MEASURE, s, sentBy[s]!++);
      }
    }, 1);
    await sleep(200);
    churning = true;
    const window$ = startCpuWindow(server);
    const loops = Array.from({ length: options.churners }, () => churnLoop());
    await sleep(options.measureMs);
    const cpu = window$();
    churning = false;
    // Chat stops next: release the churners still waiting for a line.
    for (const release of waitingFor.values()) release(false);
    clearInterval(ticker);
    ticker = undefined;
    await Promise.all(loops);
    let sent = 0;
    for (let s = 0; s < n; s++) sent += sentBy[s]!;
    const expected = sent * (n - 1);
    await waitUntil(() => received >= expected, 5_000);
    return {
      cyclesPerSec: cycles / cpu.seconds,
      chatLinesPerSec: measuredLines / cpu.seconds,
      chatP99Ms: histogram.percentile(0.99) / 1000,
      lost: Math.max(0, expected - received),
      failedCycles,
      serverCpuShare: cpu.serverCpuShare,
      generatorCpuShare: cpu.generatorCpuShare,
      otherCpuShare: cpu.otherCpuShare,
    };
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    closeAll(chatters);
  }
}
