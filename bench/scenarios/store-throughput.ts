import { connect, type Socket } from 'node:net';
import type { RunningServer } from '../load/server-process';
import { sleep, waitUntil } from '../load/sync';

export interface StoreThroughputOptions {
  /** Rooms of two: one sender, one receiver that acknowledges by counting. */
  readonly rooms: number;
  /** Lines a sender may have in flight (said, not yet seen by its receiver). */
  readonly window: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly timeoutMs: number;
}

export interface StoreThroughputResult {
  /** Chat lines said and delivered per second over the measured window: each one a message kept. */
  readonly messagesPerSec: number;
  readonly serverCpuShare: number;
  /** Server CPU per message (what keeping it costs shows against the in-memory column). */
  readonly serverCpuNsPerMessage: number;
  /** Every line said in the run, and (with `--data-dir`) the rows in the store file after the server stopped. */
  readonly said: number;
}

const MARK = / st (\d+)$/;

interface Pair {
  readonly sender: Socket;
  readonly receiver: Socket;
  said: number;
  seen: number;
}

function open(port: number, onLine: (line: string) => void): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  socket.setEncoding('utf8');
  let carry = '';
  socket.on('data', (chunk: string) => {
    const lines = (carry + chunk).split('\n');
    carry = lines.pop()!;
    for (const line of lines) onLine(line);
  });
  socket.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Store throughput through the server: `rooms` rooms of two, in each a sender saying lines as fast
 * as its receiver sees them (a window in flight), so that the server's work is keeping and
 * delivering each message once, with no fan-out. With `--data-dir` every message is written (in
 * batches, before it is delivered) to the store; against the same server keeping history in
 * memory, the difference is the store's cost. The caller counts the store's rows afterwards.
 */
export async function runStoreThroughput(
  server: RunningServer,
  options: StoreThroughputOptions,
): Promise<StoreThroughputResult> {
  const pairs: Pair[] = [];
  try {
    for (let r = 0; r < options.rooms; r++) {
      const pair = { said: 0, seen: 0 } as Pair;
      const receiver = await open(server.port, (line) => {
        const m = MARK.exec(line);
        if (m !== null) {
          pair.seen = Number(m[1]) + 1;
          top(pair);
        }
      });
      const sender = await open(server.port, () => undefined);
      Object.assign(pair, { sender, receiver });
      receiver.write(`/join #st${r}\n`);
      sender.write(`/join #st${r}\n`);
      pairs.push(pair);
    }
    await sleep(500);
    let running = true;
    function top(pair: Pair): void {
      if (!running || pair.sender === undefined) return;
      let batch = '';
      while (pair.said - pair.seen < options.window)
        batch += `a message of about a hundred bytes, as chat lines go st ${pair.said++}\n`;
      if (batch !== '') pair.sender.write(batch);
    }
    for (const pair of pairs) top(pair);
    await sleep(options.warmupMs);
    const seen0 = pairs.reduce((sum, p) => sum + p.seen, 0);
    const cpu0 = server.cpuMicros();
    const t0 = process.hrtime.bigint();
    await sleep(options.measureMs);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = server.cpuMicros() - cpu0;
    const measured = pairs.reduce((sum, p) => sum + p.seen, 0) - seen0;
    running = false;
    await waitUntil(() => pairs.every((p) => p.seen === p.said), options.timeoutMs, 20);
    return {
      messagesPerSec: measured / seconds,
      serverCpuShare: cpu / 1e6 / seconds,
      serverCpuNsPerMessage: measured > 0 ? (cpu * 1000) / measured : 0,
      said: pairs.reduce((sum, p) => sum + p.said, 0),
    };
  } finally {
    for (const pair of pairs) {
      pair.sender?.destroy();
      pair.receiver?.destroy();
    }
  }
}
