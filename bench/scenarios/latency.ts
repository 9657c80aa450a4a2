import { type Connect, type LoadClient, type StampHandler, closeAll, connectClients } from '../load/client';
import { Histogram } from '../load/histogram';
import { startCpuWindow } from '../load/meter';
import type { RunningServer } from '../load/server-process';
import { KIND_MEASURE, KIND_SYNC } from '../load/stamp';
import { syncClients } from '../load/sync';

export interface LatencyOptions {
  readonly clients: number;
  readonly lines: number;
  /** Stops early if the lines take longer than this. */
  readonly maxMs: number;
  /** How clients connect: TCP to the server's port by default. */
  readonly connect?: Connect;
}

export interface LatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly lines: number;
  readonly lost: number;
  readonly serverCpuShare: number;
  readonly generatorCpuShare: number;
  readonly otherCpuShare: number;
}

/**
 * Light load: client 0 sends one line, waits until all the others have it, then sends the next.
 * Measures the server's own delay per line with nothing queued behind it.
 */
export async function runLatency(server: RunningServer, options: LatencyOptions): Promise<LatencyResult> {
  const listeners = options.clients - 1;
  const histogram = new Histogram();
  let seq = 0;
  let waiting = 0;
  let received = 0;
  let clients: LoadClient[] = [];
  let finish: () => void = () => undefined;
  const deadline = Date.now() + options.maxMs;

  const sendNext = () => {
    if (seq >= options.lines || Date.now() > deadline) return finish();
    waiting = listeners;
    clients[0]!.send(KIND_MEASURE, 0, seq++);
  };

  const onStamp: StampHandler = (client, stamp, now) => {
    if (stamp.kind === KIND_SYNC) {
      client.synced = true;
      return;
    }
    received++;
    histogram.record(now - stamp.micros);
    // The next line only once this one reached everyone, outside the read callback.
    if (stamp.seq === seq - 1 && --waiting === 0) setImmediate(sendNext);
  };

  clients = await (options.connect ?? connectClients)(server.port, options.clients, { onStamp });
  try {
    await syncClients(clients);
    const window$ = startCpuWindow(server);
    // Bounded twice: by line count and by deadline; a lost line ends the run at the deadline.
    await new Promise<void>((resolve) => {
      finish = resolve;
      const guard = setTimeout(resolve, options.maxMs + 1_000);
      guard.unref();
      sendNext();
    });
    const cpu = window$();
    return {
      p50Ms: histogram.percentile(0.5) / 1000,
      p99Ms: histogram.percentile(0.99) / 1000,
      maxMs: histogram.max / 1000,
      lines: seq,
      lost: Math.max(0, seq * listeners - received),
      serverCpuShare: cpu.serverCpuShare,
      generatorCpuShare: cpu.generatorCpuShare,
      otherCpuShare: cpu.otherCpuShare,
    };
  } finally {
    closeAll(clients);
  }
}
