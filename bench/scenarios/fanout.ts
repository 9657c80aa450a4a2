import { type Connect, type LoadClient, type StampHandler, closeAll, connectClients } from '../load/client';
import { Histogram } from '../load/histogram';
import { startCpuWindow } from '../load/meter';
import type { RunningServer } from '../load/server-process';
import { KIND_MEASURE, KIND_SYNC } from '../load/stamp';
import { sleep, syncClients, waitUntil } from '../load/sync';

export interface FanoutOptions {
  readonly clients: number;
  /** Clients 0..senders-1 send; everyone receives everyone else's lines. */
  readonly senders: number;
  /** Lines a sender may have in flight (sent, not yet seen by its tracking receiver). */
  readonly window: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Hard cap on lines per sender, so the run is bounded in count as well as time. */
  readonly maxLinesPerSender: number;
  readonly drainMs: number;
  /** How clients connect: TCP by default. */
  readonly connect?: Connect;
  /** Called when the measured window opens; what it returns, when it closes (e.g. other processes' CPU). */
  readonly onMeasure?: () => () => void;
}

export interface FanoutResult {
  readonly linesPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly lost: number;
  /** Lines that arrived out of sequence or twice (should be 0 too). */
  readonly disordered: number;
  readonly serverCpuShare: number;
  readonly generatorCpuShare: number;
  readonly otherCpuShare: number;
  readonly serverCpuNsPerLine: number;
  readonly sent: number;
}

/**
 * Saturating fan-out: each sender keeps `window` lines in flight, so the server runs flat out
 * without an unbounded backlog, and delivered lines/s is the server's capacity.
 */
export async function runFanout(server: RunningServer, options: FanoutOptions): Promise<FanoutResult> {
  const { clients: n, senders, window } = options;
  const inFlight = new Int32Array(senders);
  const sentBy = new Int32Array(senders);
  /** Next expected sequence per (receiver, sender): catches loss, duplicates and reordering. */
  const nextSeq = new Int32Array(n * senders);
  const histogram = new Histogram();
  let received = 0;
  let measured = 0;
  let measuring = false;
  let sending = false;
  let disordered = 0;
  let clients: LoadClient[] = [];

  /** The receiver whose copy of sender s's line acknowledges it (a listener where there are some). */
  const trackerOf = (s: number) => (senders < n ? senders + (s % (n - senders)) : (s + 1) % n);

  const pump = (s: number) => {
    const client = clients[s]!;
    while (sending && inFlight[s]! < window && sentBy[s]! < options.maxLinesPerSender) {
      client.send(KIND_MEASURE, s, sentBy[s]!);
      sentBy[s]!++;
      inFlight[s]!++;
    }
  };

  const onStamp: StampHandler = (client, stamp, now) => {
    if (stamp.kind === KIND_SYNC) {
      client.synced = true;
      return;
    }
    const s = stamp.sender;
    if (s >= senders) return;
    received++;
    const slot = client.index * senders + s;
    if (stamp.seq !== nextSeq[slot]) disordered++;
    nextSeq[slot] = stamp.seq + 1;
    if (measuring) {
      measured++;
      histogram.record(now - stamp.micros);
    }
    if (trackerOf(s) === client.index) {
      inFlight[s]!--;
      pump(s);
    }
  };

  clients = await (options.connect ?? connectClients)(server.port, n, { onStamp });
  try {
    await syncClients(clients);
    sending = true;
    for (let s = 0; s < senders; s++) pump(s);
    await sleep(options.warmupMs);
    measuring = true;
    const window$ = startCpuWindow(server);
    const closeMeasure = options.onMeasure?.();
    await sleep(options.measureMs);
    measuring = false;
    const cpu = window$();
    closeMeasure?.();
    sending = false;
    let sent = 0;
    for (let s = 0; s < senders; s++) sent += sentBy[s]!;
    const expected = sent * (n - 1);
    await waitUntil(() => received >= expected, options.drainMs);
    return {
      linesPerSec: measured / cpu.seconds,
      p50Ms: histogram.percentile(0.5) / 1000,
      p99Ms: histogram.percentile(0.99) / 1000,
      maxMs: histogram.max / 1000,
      lost: Math.max(0, expected - received),
      disordered,
      serverCpuShare: cpu.serverCpuShare,
      generatorCpuShare: cpu.generatorCpuShare,
      otherCpuShare: cpu.otherCpuShare,
      serverCpuNsPerLine: measured > 0 ? (cpu.serverCpuMicros * 1000) / measured : 0,
      sent,
    };
  } finally {
    closeAll(clients);
  }
}
