/** How long and how hard each scenario runs. `quick` fits in a minute, the default in five. */
export interface BenchConfig {
  readonly mode: 'quick' | 'default';
  readonly reps: number;
  readonly fanout: { readonly clients: number; readonly window: number };
  readonly manyListeners: { readonly clients: number; readonly senders: number; readonly window: number };
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly latency: { readonly clients: number; readonly lines: number; readonly maxMs: number };
  /** Idle connection counts measured every repetition. */
  readonly idleSteps: readonly number[];
  /**
   * The large idle step, measured once per server: rxchat announces each join to everyone, so
   * opening 10,000 connections costs it O(n^2) writes (about two minutes on 2 cores).
   */
  readonly idleLarge: number | undefined;
  readonly churn: {
    readonly chatters: number;
    readonly chatRate: number;
    readonly churners: number;
    readonly maxCycles: number;
  };
  /** Hostile: clients that never read while 20 others send 4 KB lines at the default rate (5/s). */
  readonly nonReaders: { readonly clients: number; readonly sendMs: number; readonly afterMs: number };
  /** The rooms scenarios: clients in rooms of `roomSize`, all sending; and joining `roomsPerClient` rooms each. */
  readonly rooms: {
    readonly clients: number;
    readonly roomSize: number;
    /** Lines in flight per sender, as in fan-out: enough to keep the server busy at any number of rooms. */
    readonly window: number;
    readonly roomsPerClient: number;
    /** Each sender's first lines that receivers keep for the per-room order check. */
    readonly orderLines: number;
  };
  /** Three processes over Redis, uneven: clients on each (2, N, N), all sending with `window` lines in flight. */
  readonly clusterUneven: { readonly clientsPer: readonly number[]; readonly window: number };
}

/**
 * `roomClients`: the rooms scenarios' client count (`--room-clients` or RXCHAT_BENCH_ROOM_CLIENTS),
 * rounded down to whole rooms; by default 10,000 (2,000 with --quick). `clusterClients`: the clients
 * on each large process of the uneven cluster (`--cluster-clients`), by default 1,000. `fanoutWindow`: the
 * lines each fan-out client keeps in flight (`--fanout-window`), by default 4.
 */
export function benchConfig(
  quick: boolean,
  clients: number,
  roomClients?: number,
  clusterClients?: number,
  fanoutWindow?: number,
): BenchConfig {
  const roomSize = 10;
  const inRooms = roomClients !== undefined && roomClients > 0 ? roomClients : quick ? 2_000 : 10_000;
  return {
    mode: quick ? 'quick' : 'default',
    reps: 3,
    fanout: { clients, window: fanoutWindow !== undefined && fanoutWindow > 0 ? fanoutWindow : 4 },
    manyListeners: { clients: 500, senders: 10, window: 16 },
    warmupMs: quick ? 200 : 500,
    measureMs: quick ? 400 : 2_000,
    latency: { clients: 100, lines: quick ? 100 : 1_000, maxMs: quick ? 2_000 : 8_000 },
    // Quick mode must fit in a minute: the join storm of 2,000 idle clients costs rxchat seconds a run.
    idleSteps: quick ? [1_000] : [2_000],
    idleLarge: quick ? undefined : 10_000,
    churn: { chatters: 20, chatRate: 50, churners: 10, maxCycles: 100_000 },
    nonReaders: { clients: 1_000, sendMs: quick ? 5_000 : 20_000, afterMs: quick ? 2_000 : 20_000 },
    rooms: {
      clients: Math.max(2, Math.floor(inRooms / roomSize)) * roomSize,
      roomSize,
      window: 4,
      roomsPerClient: 5,
      orderLines: 100,
    },
    clusterUneven: {
      clientsPer: [
        2,
        ...Array<number>(2).fill(clusterClients !== undefined && clusterClients > 0 ? clusterClients : 1_000),
      ],
      window: 1,
    },
  };
}
