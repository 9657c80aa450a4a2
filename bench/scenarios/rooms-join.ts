import { joinRoomOf } from '../load/room-order';
import type { RunningServer } from '../load/server-process';
import { settle, waitUntil } from '../load/sync';
import { type TextClient, connectTextClients } from '../load/text-client';

export interface RoomsJoinOptions {
  readonly clients: number;
  readonly roomsPerClient: number;
  /** Members per room: `clients * roomsPerClient / roomSize` rooms are made. */
  readonly roomSize: number;
  readonly timeoutMs: number;
}

export interface RoomsJoinResult {
  /** From the first `/join` until every client had all its confirmations. */
  readonly settleSeconds: number;
  /** Then until the server went quiet (announcements written). */
  readonly quietSeconds: number;
  readonly joinCpuSeconds: number;
  readonly memberships: number;
  /** Confirmations missing at the deadline (should be 0). */
  readonly unconfirmed: number;
  /** `[!]` replies to the joins (should be 0). */
  readonly refused: number;
  /** Server RSS growth per membership. */
  readonly rssBytesPerMembership: number;
  /** Heap (plus external memory) growth per membership, each read after a full GC; NaN without the memory probe. */
  readonly heapBytesPerMembership: number;
}

/** The member list a `/join` sends the joiner alone (`[*] 3 online in #j7: ...`): its confirmation. */
const CONFIRMATION = / online in #j\d+/;

/**
 * Memberships: `clients` clients connect and settle, then each sends `roomsPerClient` `/join`s at
 * once. Measures the time until every client has all its confirmations, and the server's memory
 * growth per membership.
 */
export async function runRoomsJoin(server: RunningServer, options: RoomsJoinOptions): Promise<RoomsJoinResult> {
  const { clients: n, roomsPerClient, roomSize } = options;
  const confirmed = new Int32Array(n);
  let confirmations = 0;
  let refused = 0;
  let joining = false;
  const onLine = (client: TextClient, line: string) => {
    if (!joining) return;
    if (line.startsWith('[*] ') && CONFIRMATION.test(line)) {
      confirmed[client.index]!++;
      confirmations++;
    } else if (line.startsWith('[!] ')) refused++;
  };
  let clients: TextClient[] = [];
  try {
    clients = await connectTextClients(server.port, n, onLine, { concurrency: 250, timeoutMs: options.timeoutMs });
    await settle(server, options.timeoutMs);
    const rss0 = server.rssBytes();
    const memory0 = await server.memoryAfterGc?.();
    const cpu0 = server.cpuMicros();
    const started = Date.now();
    joining = true;
    const memberships = n * roomsPerClient;
    for (const client of clients) {
      for (let k = 0; k < roomsPerClient; k++) client.write(`/join #j${joinRoomOf(client.index, k, n, roomSize)}`);
    }
    const done = await waitUntil(() => confirmations >= memberships, options.timeoutMs, 20);
    const settleSeconds = done ? (Date.now() - started) / 1000 : NaN;
    const quietStarted = Date.now();
    await settle(server, options.timeoutMs);
    const quietSeconds = (Date.now() - quietStarted) / 1000;
    const joinCpuSeconds = (server.cpuMicros() - cpu0) / 1e6;
    const rss1 = server.rssBytes();
    const memory1 = await server.memoryAfterGc?.();
    const heap = (m: typeof memory0) => (m === undefined ? NaN : m.heapUsed + m.external);
    return {
      settleSeconds,
      quietSeconds,
      joinCpuSeconds,
      memberships,
      unconfirmed: confirmed.reduce((sum, c) => sum + Math.max(0, roomsPerClient - c), 0),
      refused,
      rssBytesPerMembership: (rss1 - rss0) / memberships,
      heapBytesPerMembership: (heap(memory1) - heap(memory0)) / memberships,
    };
  } finally {
    for (const client of clients) client.close();
  }
}
