import { type Connect, type LoadClient, type StampHandler, closeAll, connectClients } from '../load/client';
import { Histogram } from '../load/histogram';
import { startCpuWindow } from '../load/meter';
import { lineId, roomOf, roomOrderBreaks } from '../load/room-order';
import type { RunningServer } from '../load/server-process';
import { KIND_MEASURE, KIND_SYNC } from '../load/stamp';
import { sleep, syncGroups, waitUntil } from '../load/sync';

export interface RoomsOptions {
  /** A multiple of `roomSize`: clients 0-9 join #r0, 10-19 #r1, and so on. Everyone sends. */
  readonly clients: number;
  readonly roomSize: number;
  /** Lines a sender may have in flight (sent, not yet seen by the room-mate that tracks it). */
  readonly window: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly maxLinesPerSender: number;
  readonly drainMs: number;
  /** Each sender's first lines (by sequence number) kept by their receivers for the per-room order check. */
  readonly orderLines: number;
  /** How clients connect: TCP to the server's port by default. */
  readonly connect?: Connect;
  /**
   * Another process of the chat whose CPU is read over the same window (over Redis: one where these
   * rooms have no member), reported per room line.
   */
  readonly watch?: { cpuMicros(): number };
}

export interface RoomsResult {
  readonly linesPerSec: number;
  readonly serverCpuNsPerLine: number;
  /** Server CPU per line sent to a room (one event), whatever its deliveries. */
  readonly serverCpuNsPerEvent: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly lost: number;
  /** Lines out of sequence or twice from one sender to one receiver. */
  readonly disordered: number;
  /** Lines that reached a client outside the sender's room (should be 0). */
  readonly misdelivered: number;
  /** Members whose view of their room's order another member contradicts (should be 0). */
  readonly roomOrderBreaks: number;
  readonly serverCpuShare: number;
  readonly generatorCpuShare: number;
  readonly otherCpuShare: number;
  /** With `watch`: its CPU per room line over the window (NaN without). */
  readonly watchedCpuNsPerEvent: number;
  readonly sent: number;
}

/**
 * Rooms fan-out: `clients` clients in rooms of `roomSize`, each in its room (and the default room,
 * where nothing is said), all sending with `window` lines in flight. A line should reach its
 * room-mates and nobody else, and all members of a room should see the room's lines in one order.
 */
export async function runRooms(server: RunningServer, options: RoomsOptions): Promise<RoomsResult> {
  const { roomSize, window } = options;
  const n = Math.floor(options.clients / roomSize) * roomSize;
  const inFlight = new Int32Array(n);
  const sentBy = new Int32Array(n);
  /** Next expected sequence per (receiver, sender's slot in the room). */
  const nextSeq = new Int32Array(n * roomSize);
  const views: number[][] = Array.from({ length: n }, () => []);
  const histogram = new Histogram();
  let received = 0;
  let measured = 0;
  let measuring = false;
  let sending = false;
  let disordered = 0;
  let misdelivered = 0;
  let clients: LoadClient[] = [];

  /** The room-mate whose copy of sender s's line acknowledges it: the next member round the room. */
  const trackerOf = (s: number) => s - (s % roomSize) + ((s + 1) % roomSize);

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
      if (roomOf(stamp.sender, roomSize) === roomOf(client.index, roomSize)) client.synced = true;
      else misdelivered++;
      return;
    }
    const s = stamp.sender;
    if (s >= n || roomOf(s, roomSize) !== roomOf(client.index, roomSize)) {
      misdelivered++;
      return;
    }
    received++;
    const slot = s % roomSize;
    const at = client.index * roomSize + slot;
    if (stamp.seq !== nextSeq[at]) disordered++;
    nextSeq[at] = stamp.seq + 1;
    if (stamp.seq < options.orderLines) views[client.index]!.push(lineId(stamp.seq, slot, roomSize));
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
    for (const client of clients) client.write(`/join #r${roomOf(client.index, roomSize)}`);
    const rooms: LoadClient[][] = [];
    for (let at = 0; at < n; at += roomSize) rooms.push(clients.slice(at, at + roomSize));
    await syncGroups(rooms, 120_000);
    sending = true;
    for (let s = 0; s < n; s++) pump(s);
    await sleep(options.warmupMs);
    measuring = true;
    const watched0 = options.watch?.cpuMicros() ?? NaN;
    const window$ = startCpuWindow(server);
    await sleep(options.measureMs);
    measuring = false;
    const cpu = window$();
    const watchedMicros = (options.watch?.cpuMicros() ?? NaN) - watched0;
    sending = false;
    let sent = 0;
    for (let s = 0; s < n; s++) sent += sentBy[s]!;
    const expected = sent * (roomSize - 1);
    await waitUntil(() => received >= expected, options.drainMs);
    let breaks = 0;
    for (const room of rooms) breaks += roomOrderBreaks(room.map((client) => views[client.index]!));
    const events = measured / (roomSize - 1);
    return {
      linesPerSec: measured / cpu.seconds,
      serverCpuNsPerLine: measured > 0 ? (cpu.serverCpuMicros * 1000) / measured : 0,
      serverCpuNsPerEvent: events > 0 ? (cpu.serverCpuMicros * 1000) / events : 0,
      p50Ms: histogram.percentile(0.5) / 1000,
      p99Ms: histogram.percentile(0.99) / 1000,
      maxMs: histogram.max / 1000,
      lost: Math.max(0, expected - received),
      disordered,
      misdelivered,
      roomOrderBreaks: breaks,
      serverCpuShare: cpu.serverCpuShare,
      generatorCpuShare: cpu.generatorCpuShare,
      otherCpuShare: cpu.otherCpuShare,
      watchedCpuNsPerEvent: events > 0 ? (watchedMicros * 1000) / events : NaN,
      sent,
    };
  } finally {
    closeAll(clients);
  }
}
