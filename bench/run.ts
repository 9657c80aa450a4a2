/**
 * rxchat's benchmark: `npm run bench [-- --quick] [--clients N] [--room-clients N] [--cluster-clients N] [--fanout-window N] [--only name,name] [--profile DIR]`.
 * Starts each server as its own process and drives it from this one, scenario by scenario,
 * servers interleaved (the order rotates each repetition), then prints a table and writes JSON.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchConfig } from './load/config';
import { openFilesLimit } from './load/proc';
import { type MetricSpec, type RunRecord, SERVERS, type ServerName, renderTable, summarise } from './load/report';
import { type RunningServer, type ServerKind, rxchatFlags, startServer } from './load/server-process';
import { type Connect, closeAll, connectClients } from './load/client';
import { sleep, waitUntil } from './load/sync';
import { runChurn } from './scenarios/churn';
import { runClusterUneven } from './scenarios/cluster-uneven';
import { runFanout } from './scenarios/fanout';
import { ircFanoutScenario } from './scenarios/irc-fanout';
import { runHistoryMemory } from './scenarios/history-memory';
import { runResume } from './scenarios/resume';
import { runStoreStartup } from './scenarios/store-startup';
import { runStoreThroughput } from './scenarios/store-throughput';
import { type FloodContent, runFloodCost } from './scenarios/hostile-flood';
import { runIdleMemory } from './scenarios/idle-memory';
import { runJoinStorm } from './scenarios/join-storm';
import { runLatency } from './scenarios/latency';
import { runNonReaders } from './scenarios/non-readers';
import { runPacedFlood } from './scenarios/paced-flood';
import { runRooms } from './scenarios/rooms';
import { runRoomsJoin } from './scenarios/rooms-join';
import { runRoomsListing } from './scenarios/rooms-listing';
import { connectWsClients } from './load/ws-client';
import { type ClusterServer, connectAcross, startCluster } from './load/cluster';

const ROOT = join(__dirname, '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');
/** Sockets beyond the idle test's clients: listeners, pipes, files. */
const FD_HEADROOM = 1_000;

interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly specs: readonly MetricSpec[];
  /** Repetitions, when not the configured number. */
  readonly reps?: number;
  /**
   * Other servers than plain, tuned and rxchat (`tcp` also holds the buffered baseline, which runs
   * only where a scenario asks for it): a column left out is not run.
   */
  readonly kinds?: (tcp: Record<ServerName, ServerKind>) => Partial<Record<ServerName, ServerKind>>;
  /** `--only` also selects it by this name (e.g. 'hostile'). */
  readonly group?: string;
  /** Run against rxchat alone, with its default policies: what the hostile scenarios measure. */
  readonly rxchatDefaults?: boolean;
  /** `column`: the server's column in the table (one kind may run in two columns, e.g. rooms against fan-out). */
  run(server: RunningServer, column: ServerName): Promise<Record<string, number>>;
}

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    clients: { type: 'string', default: '100' },
    only: { type: 'string' },
    /** Write a V8 CPU profile of every server process into this directory (a profile's script URL says which). */
    profile: { type: 'string' },
    /** Clients in the rooms scenarios (default 10,000; also RXCHAT_BENCH_ROOM_CLIENTS): fewer for a quick look. */
    'room-clients': { type: 'string' },
    /** Clients on each of the two large processes of `cluster-uneven` (default 1,000). */
    'cluster-clients': { type: 'string' },
    /** Lines each fan-out client keeps in flight (default 4): more lines per server turn, so more per write. */
    'fanout-window': { type: 'string' },
  },
});
let config = benchConfig(
  flags.quick!,
  Number(flags.clients),
  Number(flags['room-clients'] ?? process.env['RXCHAT_BENCH_ROOM_CLIENTS'] ?? 0),
  Number(flags['cluster-clients'] ?? 0),
  Number(flags['fanout-window'] ?? 0),
);
/** The hostile section: floods against the rate limiter, and a join storm. */
const hostile = {
  flood: { chatters: 50, chatEveryMs: 500, windowMs: flags.quick ? 1_000 : 2_000 },
  storm: { clients: flags.quick ? 2_000 : 10_000, concurrency: 250, timeoutMs: 120_000 },
  /** /rooms and /who on a server holding --max-rooms (10,000) rooms, made by 1,000 clients. */
  listing: { makers: 1_000, rooms: 10_000, repeats: flags.quick ? 20 : 100, timeoutMs: 120_000 },
};

/** History and resume (issue 16), together by `--only history`. */
const history = {
  resume: {
    clients: 1_000,
    senders: 2,
    linesPerSecond: 100,
    /** `resume-slow`: a chat slow enough that history outlasts the resume storm. */
    slowLinesPerSecond: 10,
    beforeDropMs: flags.quick ? 500 : 1_000,
    offlineMs: 200,
    afterMs: flags.quick ? 500 : 1_000,
    timeoutMs: 60_000,
  },
  memory: { rooms: 1_000, messagesPerRoom: 1_000, textBytes: 100, timeoutMs: 300_000 },
  /** `store-throughput`: rooms of two, a sender and a receiver, at full speed (`--rate 0`). */
  store: { rooms: 50, window: 100, warmupMs: 1_000, measureMs: flags.quick ? 2_000 : 5_000, timeoutMs: 60_000 },
  /** `store-startup`: a store of rooms x messagesPerRoom messages (kept: the default 1,000 a room). */
  startup: { rooms: 1_000, messagesPerRoom: 1_000, textBytes: 100, starts: flags.quick ? 1 : 3 },
};

/** The rooms scenarios, selected by name or together by `--only all-rooms`. */
const ROOMS_SCENARIOS = ['rooms', 'rooms-cluster', 'rooms-remote', 'rooms-join'];

/** The most connections a scenario of this run opens. */
function mostClients(): number {
  const only = flags.only?.split(',');
  const tenThousand = only?.includes('non-readers-10k') ? 10_000 : 0;
  const rooms =
    only === undefined || only.some((name) => ROOMS_SCENARIOS.includes(name) || name === 'all-rooms')
      ? config.rooms.clients + 1
      : 0;
  const uneven = config.clusterUneven.clientsPer.reduce((sum, n) => sum + n, 0);
  return Math.max(...config.idleSteps, config.idleLarge ?? 0, config.nonReaders.clients, tenThousand, rooms, uneven);
}

/** Idle connections need one fd each in this process and in the server: raise `ulimit -n` or shrink. */
function ensureOpenFiles(): string | undefined {
  const needed = Math.max(mostClients(), hostile.storm.clients) + FD_HEADROOM;
  const { soft, hard } = openFilesLimit();
  if (soft >= needed) return undefined;
  if (hard >= needed && process.env['RXCHAT_BENCH_REEXEC'] === undefined) {
    // Node cannot raise its own limit: run again under a shell that does. Servers inherit it.
    const result = spawnSync(
      'sh',
      ['-c', `ulimit -n ${needed} && exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)],
      {
        stdio: 'inherit',
        env: { ...process.env, RXCHAT_BENCH_REEXEC: '1' },
      },
    );
    process.exit(result.status ?? 1);
  }
  const fit = Math.max(100, Math.floor((soft - FD_HEADROOM) / 100) * 100);
  const roomSize = config.rooms.roomSize;
  config = {
    ...config,
    idleSteps: config.idleSteps.map((n) => Math.min(n, fit)),
    idleLarge: config.idleLarge === undefined ? undefined : Math.min(config.idleLarge, fit),
    rooms: { ...config.rooms, clients: Math.min(config.rooms.clients, Math.floor((fit - 1) / roomSize) * roomSize) },
  };
  hostile.storm.clients = Math.min(hostile.storm.clients, fit);
  return `ulimit -n is ${soft} (hard ${hard}): idle test capped at ${fit} connections, rooms at ${config.rooms.clients}`;
}

/** Latency rows, shared by every scenario that stamps its lines. */
const LATENCY_SPECS: MetricSpec[] = [
  { key: 'p50Ms', label: 'latency p50 ms', unit: 'ms', ratio: true },
  { key: 'p99Ms', label: 'latency p99 ms', unit: 'ms', ratio: true },
  { key: 'maxMs', label: 'latency max ms', unit: 'ms' },
];

/** Who used the CPU: shows a run limited by the load generator or by a neighbour. */
const CPU_SPECS: MetricSpec[] = [
  { key: 'serverCpuShare', label: 'server CPU', unit: 'share' },
  { key: 'generatorCpuShare', label: 'load generator CPU', unit: 'share' },
  { key: 'otherCpuShare', label: 'other CPU on machine', unit: 'share' },
];

const fanoutSpecs: MetricSpec[] = [
  { key: 'linesPerSec', label: 'delivered lines/s', unit: 'rate', ratio: true },
  { key: 'serverCpuNsPerLine', label: 'server CPU ns/line', unit: 'ns', ratio: true },
  ...LATENCY_SPECS,
  { key: 'lost', label: 'lost lines', unit: 'count' },
  { key: 'disordered', label: 'out-of-order lines', unit: 'count' },
  ...CPU_SPECS,
];

const REDIS_SPECS: MetricSpec[] = [
  { key: 'redisCpuShare', label: 'Redis CPU', unit: 'share' },
  { key: 'redisCommandsPerLine', label: 'Redis requests per line sent', unit: 'ratio' },
];

/** Runs a scenario on one process or a cluster (clients spread over its processes), adding Redis's figures for a cluster. */
async function withRedisFigures(
  server: RunningServer,
  run: (connect: Connect | undefined) => Promise<{ readonly sent?: number; readonly lines?: number } & object>,
): Promise<Record<string, number>> {
  if (!('ports' in server)) return { ...(await run(undefined)) } as Record<string, number>;
  const cluster = server as ClusterServer;
  const commands0 = await cluster.redisCommands();
  const cpu0 = cluster.redisCpuMicros();
  const t0 = Date.now();
  const result = { ...(await run(connectAcross(cluster.ports))) } as Record<string, number>;
  const seconds = (Date.now() - t0) / 1000;
  const sent = result['sent'] ?? result['lines'] ?? NaN;
  return {
    ...result,
    redisCpuShare: (cluster.redisCpuMicros() - cpu0) / 1e6 / seconds,
    redisCommandsPerLine: ((await cluster.redisCommands()) - commands0) / sent,
  };
}

function idleScenario(name: string, steps: readonly number[], reps: number | undefined): Scenario {
  return {
    name,
    reps,
    title: `idle memory: RSS growth per idle connection at ${steps.join(', ')}${reps === 1 ? ' (one run per server)' : ''}`,
    specs: [
      { key: 'baseRssKb', label: 'RSS with no clients, KB', unit: 'count' },
      ...steps.flatMap((n): MetricSpec[] => [
        { key: `perConn${n}`, label: `KB/connection at ${n}`, unit: 'kb', ratio: true },
        { key: `heapPerConnAfterGc${n}`, label: `heap bytes/connection after GC`, unit: 'count', ratio: true },
        { key: `rssPerConnAfterGc${n}`, label: `KB/connection after GC`, unit: 'kb', ratio: true },
        { key: `connectSeconds${n}`, label: `seconds to connect ${n}`, unit: 's' },
        { key: `settleSeconds${n}`, label: `seconds until server idle`, unit: 's' },
      ]),
    ],
    // Every server with the probe (node --expose-gc), so that heap and RSS after a GC compare too.
    kinds: (tcp) => ({
      plain: { ...tcp.plain, memoryProbe: true },
      tuned: { ...tcp.tuned, memoryProbe: true },
      rxchat: { ...tcp.rxchat, memoryProbe: true },
    }),
    run: async (server) => {
      const result = await runIdleMemory(server, { steps, settleMs: 150_000, connectTimeoutMs: 90_000 });
      const metrics: Record<string, number> = { baseRssKb: result.baseRssBytes / 1024 };
      for (const step of result.steps) {
        metrics[`perConn${step.connections}`] = step.bytesPerConnection;
        if (step.heapBytesPerConnectionAfterGc !== undefined)
          metrics[`heapPerConnAfterGc${step.connections}`] = step.heapBytesPerConnectionAfterGc;
        if (step.rssBytesPerConnectionAfterGc !== undefined)
          metrics[`rssPerConnAfterGc${step.connections}`] = step.rssBytesPerConnectionAfterGc;
        metrics[`connectSeconds${step.connections}`] = step.connectSeconds;
        metrics[`settleSeconds${step.connections}`] = step.settleSeconds;
      }
      return metrics;
    },
  };
}

/**
 * Hostile: clients that never read. Only rxchat runs it: the baselines bound nothing, so they would
 * grow until the machine runs out of memory.
 */
function nonReadersScenario(name: string, clients: number): Scenario {
  const c = config.nonReaders;
  return {
    name,
    reps: 1,
    group: 'hostile',
    title: `hostile, non-readers: ${clients} clients never read while 20 send 4 KB lines at 5/s for ${c.sendMs / 1000} s (rxchat only)`,
    specs: [
      { key: 'connectedRssMb', label: 'RSS with everyone joined, MB', unit: 'count' },
      { key: 'peakGrowthMb', label: 'RSS growth while sending, peak, MB', unit: 'count' },
      { key: 'afterGrowthMb', label: `RSS growth ${c.afterMs / 1000} s after, MB`, unit: 'count' },
      { key: 'evictedAnnounced', label: 'non-readers evicted (leave announced)', unit: 'count' },
      { key: 'readersLost', label: 'readers evicted (should be 0)', unit: 'count' },
      { key: 'connectSeconds', label: 'seconds until everyone joined', unit: 's' },
    ],
    kinds: (tcp) => ({ rxchat: tcp.rxchat }),
    run: async (server) => ({
      ...(await runNonReaders(server, {
        nonReaders: clients,
        senders: 20,
        linesPerSecond: 5,
        lineBytes: 4_000,
        sendMs: c.sendMs,
        afterMs: c.afterMs,
        connectTimeoutMs: 1_200_000,
      })),
    }),
  };
}

/**
 * Issue 18's paced flood with `--rate 0`: 20 clients each send 3,000 lines of 0.2 KB over 1.8 s and
 * all read everything. Each falls past `--max-buffer-bytes` for a moment while it keeps draining:
 * nobody should be evicted.
 */
function pacedFloodScenario(): Scenario {
  return {
    name: 'paced-flood',
    group: 'hostile',
    reps: 5,
    title:
      'hostile, paced flood: 20 clients each send 3,000 lines of 0.2 KB over 1.8 s, all reading everything (rxchat only)',
    specs: [
      { key: 'readersLost', label: 'readers evicted (should be 0)', unit: 'count' },
      { key: 'linesMissed', label: 'lines missed by the others', unit: 'count' },
      { key: 'deliverSeconds', label: 'seconds until all delivered', unit: 's' },
    ],
    kinds: (tcp) => ({ rxchat: tcp.rxchat }),
    run: async (server) => ({
      ...(await runPacedFlood(server, {
        clients: 20,
        linesEach: 3_000,
        lineBytes: 200,
        sendMs: 1_800,
        // A reader lost takes its unsent lines with it: the others wait for them this long at most.
        drainTimeoutMs: 15_000,
      })),
    }),
  };
}

function scenarios(): Scenario[] {
  const c = config;
  const timing = { warmupMs: c.warmupMs, measureMs: c.measureMs, maxLinesPerSender: 10_000_000, drainMs: 10_000 };
  const list: Scenario[] = [
    {
      name: 'fanout',
      title: `fan-out: ${c.fanout.clients} clients all sending (window ${c.fanout.window} lines/sender)`,
      specs: fanoutSpecs,
      kinds: (tcp) => tcp,
      run: async (server) => ({
        ...(await runFanout(server, {
          clients: c.fanout.clients,
          senders: c.fanout.clients,
          window: c.fanout.window,
          ...timing,
        })),
      }),
    },
    {
      name: 'listeners',
      title: `fan-out, many listeners: ${c.manyListeners.clients} clients, ${c.manyListeners.senders} sending (window ${c.manyListeners.window})`,
      specs: fanoutSpecs,
      kinds: (tcp) => tcp,
      run: async (server) => ({ ...(await runFanout(server, { ...c.manyListeners, ...timing })) }),
    },
    {
      name: 'latency',
      title: `light-load latency: 1 sender, ${c.latency.clients - 1} listeners, one line at a time (${c.latency.lines} lines)`,
      specs: [
        ...LATENCY_SPECS,
        { key: 'lines', label: 'lines sent', unit: 'count' },
        { key: 'lost', label: 'lost lines', unit: 'count' },
        ...CPU_SPECS,
      ],
      run: async (server) => ({ ...(await runLatency(server, c.latency)) }),
    },
    {
      name: 'ws-fanout',
      title: `WebSocket fan-out: ${c.fanout.clients} browser-protocol clients all sending (window ${c.fanout.window}); plain = a ws broadcast server`,
      specs: fanoutSpecs,
      kinds: (tcp) => ({
        plain: { name: 'plain', script: join(__dirname, 'baselines', 'ws-server.js'), args: [], web: true },
        rxchat: {
          ...tcp.rxchat,
          args: [...tcp.rxchat.args.filter((a) => a !== '--no-http'), '--http-port', '0'],
          web: true,
        },
      }),
      run: async (server) => ({
        ...(await runFanout(server, {
          clients: c.fanout.clients,
          senders: c.fanout.clients,
          window: c.fanout.window,
          ...timing,
          connect: connectWsClients,
        })),
      }),
    },
    {
      name: 'cluster',
      title: `over Redis: ${c.fanout.clients} clients all sending (window ${c.fanout.window}); plain = one rxchat process, rxchat = 2 processes x ${c.fanout.clients / 2} sharing the chat over Redis (CPU: both processes)`,
      specs: [...fanoutSpecs, ...REDIS_SPECS],
      kinds: (tcp) => ({ plain: tcp.rxchat, rxchat: { ...tcp.rxchat, cluster: 2 } }),
      run: async (server) =>
        withRedisFigures(server, (connect) =>
          runFanout(server, {
            clients: c.fanout.clients,
            senders: c.fanout.clients,
            window: c.fanout.window,
            ...timing,
            ...(connect ? { connect } : {}),
          }),
        ),
    },
    {
      name: 'cluster-latency',
      title: `over Redis, light load: 1 sender, ${c.latency.clients - 1} listeners (${c.latency.lines} lines); plain = one rxchat process, rxchat = 2 processes over Redis, sender and listeners spread over both`,
      specs: [...LATENCY_SPECS, { key: 'lost', label: 'lost lines', unit: 'count' }, ...REDIS_SPECS],
      kinds: (tcp) => ({ plain: tcp.rxchat, rxchat: { ...tcp.rxchat, cluster: 2 } }),
      run: async (server) =>
        withRedisFigures(server, (connect) => runLatency(server, { ...c.latency, ...(connect ? { connect } : {}) })),
    },
    clusterUnevenScenario(timing),
    // Quick mode measures idle memory once per server: its join storm is the slowest part of a run.
    idleScenario('idle', c.idleSteps, c.mode === 'quick' ? 1 : undefined),
    ...(c.idleLarge === undefined ? [] : [idleScenario('idle-large', [c.idleLarge], 1)]),
    {
      name: 'churn',
      title: `connection churn: ${c.churn.churners} connect/disconnect loops while ${c.churn.chatters} clients chat at ${c.churn.chatRate} lines/s each`,
      specs: [
        { key: 'cyclesPerSec', label: 'connects+disconnects/s', unit: 'rate', ratio: true },
        { key: 'chatLinesPerSec', label: 'chat lines delivered/s', unit: 'rate' },
        { key: 'chatP99Ms', label: 'chat latency p99 ms', unit: 'ms' },
        { key: 'lost', label: 'lost lines (chatters)', unit: 'count' },
        { key: 'failedCycles', label: 'failed cycles', unit: 'count' },
        ...CPU_SPECS,
      ],
      run: async (server) => ({ ...(await runChurn(server, { ...c.churn, measureMs: c.measureMs })) }),
    },
  ];
  list.push(...roomsScenarios(timing));
  list.push(...historyScenarios(timing));
  list.push(...hostileScenarios());
  list.push(nonReadersScenario('non-readers', c.nonReaders.clients));
  list.push(ircFanoutScenario({ ...c.fanout, ...timing }, fanoutSpecs));
  list.push(pacedFloodScenario());
  const only = flags.only?.split(',');
  // 10,000 non-readers take minutes (their join storm first): only when asked for by name.
  if (only?.includes('non-readers-10k')) list.push(nonReadersScenario('non-readers-10k', 10_000));
  return only
    ? list.filter(
        (s) =>
          only.includes(s.name) ||
          (s.group !== undefined && only.includes(s.group)) ||
          (only.includes('all-rooms') && ROOMS_SCENARIOS.includes(s.name)),
      )
    : list;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Messages in a store file, read after its server stopped. */
function countStoredMessages(file: string): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Three processes over Redis holding 2, N and N clients of one chat, all sending: what the small one pays. */
function clusterUnevenScenario(timing: {
  warmupMs: number;
  measureMs: number;
  maxLinesPerSender: number;
  drainMs: number;
}): Scenario {
  const { clientsPer, window } = config.clusterUneven;
  return {
    name: 'cluster-uneven',
    title: `uneven cluster: 3 rxchat processes over Redis holding ${clientsPer.join(', ')} clients of one chat, all sending (window ${window}); process 0 is the small one (rxchat only)`,
    specs: [
      { key: 'linesSentPerSec', label: 'chat lines sent/s', unit: 'rate' },
      { key: 'linesPerSec', label: 'delivered lines/s', unit: 'rate' },
      ...clientsPer.flatMap((n, k): MetricSpec[] => [
        { key: `process${k}CpuShare`, label: `process ${k} (${n} clients) CPU`, unit: 'share' },
        { key: `process${k}CpuNsPerLineSent`, label: `process ${k} CPU ns/line sent`, unit: 'ns' },
      ]),
      { key: 'smallOverLarge', label: 'process 0 / process 1, CPU a line', unit: 'ratio' },
      { key: 'serverCpuNsPerLine', label: 'all processes CPU ns/delivered line', unit: 'ns' },
      { key: 'redisCpuShare', label: 'Redis CPU', unit: 'share' },
      ...LATENCY_SPECS,
      { key: 'lost', label: 'lost lines', unit: 'count' },
      { key: 'disordered', label: 'out-of-order lines', unit: 'count' },
      { key: 'generatorCpuShare', label: 'load generator CPU', unit: 'share' },
      { key: 'otherCpuShare', label: 'other CPU on machine (Redis included)', unit: 'share' },
    ],
    kinds: (tcp) => ({ rxchat: { ...tcp.rxchat, cluster: clientsPer.length } }),
    run: async (server) =>
      runClusterUneven(server as ClusterServer, {
        clientsPer,
        window,
        ...timing,
        drainMs: Math.max(timing.drainMs, 30_000),
      }),
  };
}

const ROOMS_SPECS: MetricSpec[] = [
  { key: 'linesPerSec', label: 'delivered lines/s', unit: 'rate', ratio: true },
  { key: 'serverCpuNsPerLine', label: 'server CPU ns/delivered line', unit: 'ns', ratio: true },
  { key: 'serverCpuNsPerEvent', label: 'server CPU ns/line sent', unit: 'ns' },
  ...LATENCY_SPECS,
  { key: 'lost', label: 'lost lines', unit: 'count' },
  { key: 'disordered', label: 'out-of-order lines (per sender)', unit: 'count' },
  { key: 'misdelivered', label: 'lines outside their room', unit: 'count' },
  { key: 'roomOrderBreaks', label: "members contradicting their room's order", unit: 'count' },
  ...CPU_SPECS,
];

/** Rooms of 10, all sending: against fan-out in the default room, over Redis, and what a process without members pays. */
function roomsScenarios(timing: {
  warmupMs: number;
  measureMs: number;
  maxLinesPerSender: number;
  drainMs: number;
}): Scenario[] {
  const { fanout } = config;
  const r = config.rooms;
  const rooms = r.clients / r.roomSize;
  const roomsRun = (server: RunningServer, extra: { connect?: Connect; watch?: { cpuMicros(): number } } = {}) =>
    runRooms(server, { ...r, ...timing, drainMs: 30_000, ...extra });
  return [
    {
      name: 'rooms',
      title: `rooms: ${r.clients} clients in ${rooms} rooms of ${r.roomSize}, all sending (window ${r.window}); plain = rxchat running the fan-out scenario (${fanout.clients} clients in the default room, window ${fanout.window}): rxchat/plain is rooms' cost per delivered line against today's fan-out figure (target <= 1.3x)`,
      specs: ROOMS_SPECS,
      kinds: (tcp) => ({ plain: tcp.rxchat, rxchat: tcp.rxchat }),
      run: async (server, column) =>
        column === 'plain'
          ? { ...(await runFanout(server, { ...fanout, senders: fanout.clients, ...timing })) }
          : { ...(await roomsRun(server)) },
    },
    {
      name: 'rooms-cluster',
      title: `rooms over Redis: ${r.clients} clients in ${rooms} rooms of ${r.roomSize}, all sending; plain = one rxchat process, rxchat = 2 processes, each room's members spread over both (CPU: both processes)`,
      specs: [...ROOMS_SPECS, ...REDIS_SPECS],
      kinds: (tcp) => ({ plain: tcp.rxchat, rxchat: { ...tcp.rxchat, cluster: 2 } }),
      run: async (server) => withRedisFigures(server, (connect) => roomsRun(server, connect ? { connect } : {})),
    },
    {
      name: 'rooms-remote',
      reps: 1,
      title: `rooms without local members: 2 processes over Redis, ${r.clients} clients in ${rooms} rooms all on process A, 1 idle client on process B; B's CPU per room line it applies`,
      specs: [
        { key: 'watchedCpuNsPerEvent', label: 'process B CPU ns/room line (no members)', unit: 'ns' },
        { key: 'serverCpuNsPerEvent', label: 'process A CPU ns/room line (all members)', unit: 'ns' },
        { key: 'remoteShare', label: 'B/A', unit: 'ratio' },
        { key: 'linesPerSec', label: 'delivered lines/s', unit: 'rate' },
        { key: 'lost', label: 'lost lines', unit: 'count' },
        { key: 'roomOrderBreaks', label: "members contradicting their room's order", unit: 'count' },
        ...CPU_SPECS,
      ],
      kinds: (tcp) => ({ rxchat: { ...tcp.rxchat, cluster: 2 } }),
      run: async (server) => {
        const [home, remote] = (server as ClusterServer).members;
        const idle = await connectClients(remote!.port, 1, { onStamp: () => undefined });
        try {
          const result = await roomsRun(home!, { watch: remote! });
          return { ...result, remoteShare: result.watchedCpuNsPerEvent / result.serverCpuNsPerEvent };
        } finally {
          closeAll(idle);
        }
      },
    },
    {
      name: 'rooms-join',
      title: `rooms, joining: ${r.clients} clients each joining ${r.roomsPerClient} rooms at once (${(r.clients * r.roomsPerClient) / r.roomSize} rooms of ${r.roomSize}); memory per membership after a full GC (the bench's probe) and in RSS (rxchat only)`,
      specs: [
        { key: 'settleSeconds', label: 'seconds until every join confirmed', unit: 's' },
        { key: 'quietSeconds', label: 'then seconds until server idle', unit: 's' },
        { key: 'joinCpuSeconds', label: 'server CPU seconds', unit: 's' },
        { key: 'heapBytesPerMembership', label: 'heap bytes/membership (after GC)', unit: 'count' },
        { key: 'rssBytesPerMembership', label: 'RSS bytes/membership', unit: 'count' },
        { key: 'memberships', label: 'memberships', unit: 'count' },
        { key: 'unconfirmed', label: 'joins unconfirmed', unit: 'count' },
        { key: 'refused', label: '[!] replies', unit: 'count' },
      ],
      kinds: (tcp) => ({ rxchat: { ...tcp.rxchat, memoryProbe: true } }),
      run: async (server) => ({
        ...(await runRoomsJoin(server, {
          clients: r.clients,
          roomsPerClient: r.roomsPerClient,
          roomSize: r.roomSize,
          timeoutMs: 120_000,
        })),
      }),
    },
  ];
}

const RESUME_SPECS: MetricSpec[] = [
  { key: 'resumeSeconds', label: 'seconds until all resumed', unit: 's' },
  { key: 'resumed', label: 'clients resumed', unit: 'count' },
  { key: 'refused', label: 'resumes refused', unit: 'count' },
  { key: 'wrongName', label: 'resumed under another name', unit: 'count' },
  { key: 'missed', label: 'numbered lines missed', unit: 'count' },
  { key: 'silentlyMissed', label: 'of them not reported as no longer kept', unit: 'count' },
  { key: 'duplicates', label: 'numbered lines seen twice (must be 0)', unit: 'count' },
  { key: 'liveReplayed', label: 'of them live before resumed, then replayed', unit: 'count' },
  { key: 'scrollbackRepeats', label: 'seen again in the scrollback before /resume', unit: 'count' },
  { key: 'ignoredBeforeResume', label: 'history lines before resumed, ignored (ids)', unit: 'count' },
  { key: 'evicted', label: 'resumed, then evicted (not counted above)', unit: 'count' },
  { key: 'reportedMissed', label: '"no longer kept" counted by the server', unit: 'count' },
  { key: 'lines', label: 'numbered lines said', unit: 'count' },
  { key: 'linesWhileAway', label: 'of them from the drop until all were back', unit: 'count' },
  { key: 'watcherLost', label: 'lines the watcher lost', unit: 'count' },
  { key: 'resumeCpuSeconds', label: 'server CPU seconds, the resumes', unit: 's' },
];

/**
 * History and lossless reconnects (issue 16): fan-out with history against without, 1,000 clients
 * dropped and resumed at once (TCP; WebSocket; WebSocket with the last ids seen), memory per message
 * kept and the core's restore time.
 */
function historyScenarios(timing: {
  warmupMs: number;
  measureMs: number;
  maxLinesPerSender: number;
  drainMs: number;
}): Scenario[] {
  const { fanout } = config;
  const web = (kind: ServerKind): ServerKind => ({
    ...kind,
    args: [...kind.args.filter((a) => a !== '--no-http'), '--http-port', '0'],
    web: true,
  });
  const r = history.resume;
  const resumeScenario = (
    name: string,
    transport: 'tcp' | 'tcp-ids' | 'ws' | 'ws-ids',
    how: string,
    linesPerSecond = r.linesPerSecond,
    dataDir = false,
  ): Scenario => ({
    name,
    group: 'history',
    title: `resume${transport.startsWith('tcp') ? '' : ', WebSocket'}: ${r.clients} clients with a session dropped at once while ${r.senders} others say ${linesPerSecond} numbered lines/s each, back after ${r.offlineMs} ms, all at once, ${how} (rxchat only)`,
    specs: RESUME_SPECS,
    kinds: (tcp) => ({ rxchat: { ...(transport.startsWith('tcp') ? tcp.rxchat : web(tcp.rxchat)), dataDir } }),
    run: async (server) => ({ ...(await runResume(server, { ...r, linesPerSecond, transport })) }),
  });
  return [
    {
      name: 'fanout-history',
      group: 'history',
      title: `fan-out with history: ${fanout.clients} clients all sending (window ${fanout.window}); plain = rxchat --history 0 (nothing kept), rxchat = rxchat keeping history in memory (the default, 1,000 a room): rxchat/plain is the cost of history (target >= 0.9x the lines/s)`,
      specs: fanoutSpecs,
      // The durable store's column is `fanout-store`.
      kinds: (tcp) => ({ plain: { ...tcp.rxchat, args: [...tcp.rxchat.args, '--history', '0'] }, rxchat: tcp.rxchat }),
      run: async (server) => ({
        ...(await runFanout(server, { ...fanout, senders: fanout.clients, ...timing })),
      }),
    },
    resumeScenario(
      'resume',
      'tcp-ids',
      'each having asked /session ids and sending /resume TOKEN all ids #lobby=ID first',
    ),
    // Slow enough that the resume storm ends before the 1,000-line history wraps: nothing may be missed.
    resumeScenario(
      'resume-slow',
      'tcp-ids',
      'each having asked /session ids and sending /resume TOKEN all ids #lobby=ID first',
      history.resume.slowLinesPerSecond,
    ),
    resumeScenario(
      'resume-store',
      'tcp-ids',
      'each having asked /session ids and sending /resume TOKEN all ids #lobby=ID first, with --data-dir (a fresh DIR)',
      history.resume.slowLinesPerSecond,
      true,
    ),
    resumeScenario('resume-noids', 'tcp', 'each sending /resume TOKEN first (no ids: what was in flight is lost)'),
    {
      name: 'fanout-store',
      group: 'history',
      title: `fan-out with history in a store: ${fanout.clients} clients all sending (window ${fanout.window}); plain = rxchat --history 0 (nothing kept), tuned = rxchat keeping history in memory (the default), rxchat = rxchat --data-dir DIR (a fresh DIR per start): rxchat/tuned is the store's cost, rxchat/plain the cost of durable history (target >= 0.9x the lines/s)`,
      specs: fanoutSpecs,
      kinds: (tcp) => ({
        plain: { ...tcp.rxchat, args: [...tcp.rxchat.args, '--history', '0'] },
        tuned: tcp.rxchat,
        rxchat: { ...tcp.rxchat, dataDir: true },
      }),
      run: async (server) => ({
        ...(await runFanout(server, { ...fanout, senders: fanout.clients, ...timing })),
      }),
    },
    {
      name: 'store-throughput',
      group: 'history',
      title: `store throughput through the server: ${history.store.rooms} rooms of two (a sender at full speed, window ${history.store.window}, and a receiver), --history 10000000 --history-bytes 1 GiB; plain = in memory, rxchat = --data-dir DIR (a fresh DIR per start; rows counted in its chat.db at the end)`,
      specs: [
        { key: 'messagesPerSec', label: 'messages kept/s', unit: 'rate', ratio: true },
        { key: 'serverCpuNsPerMessage', label: 'server CPU ns/message', unit: 'ns', ratio: true },
        { key: 'serverCpuShare', label: 'server CPU', unit: 'share' },
        { key: 'said', label: 'messages said in the run', unit: 'count' },
        { key: 'storedRows', label: 'rows in the store at the end', unit: 'count' },
        { key: 'notStored', label: 'said but not in the store', unit: 'count' },
      ],
      kinds: (tcp) => {
        const big = {
          ...tcp.rxchat,
          args: [...tcp.rxchat.args, '--history', '10000000', '--history-bytes', String(1 << 30)],
        };
        return { plain: big, rxchat: { ...big, dataDir: true } };
      },
      run: async (server) => {
        const result = await runStoreThroughput(server, history.store);
        if (server.dataDir === undefined) return { ...result };
        // The server holds its store exclusively: stop it (its data directory stays until stop()).
        process.kill(server.pid, 'SIGTERM');
        await waitUntil(() => !isAlive(server.pid), 10_000, 20);
        const storedRows = countStoredMessages(join(server.dataDir, 'chat.db'));
        return { ...result, storedRows, notStored: result.said - storedRows };
      },
    },
    {
      name: 'store-startup',
      group: 'history',
      reps: 1,
      title: `start-up with a store of ${history.startup.rooms} rooms x ${history.startup.messagesPerRoom} messages of ${history.startup.textBytes} bytes (written with the store's own write, batches of 1,000, sync off), then openChatStore + createChatServer until listening, ${history.startup.starts} fresh processes, medians (rxchat only; the server the bench starts is not used)`,
      specs: [
        { key: 'messages', label: 'messages in the store', unit: 'count' },
        { key: 'fillPerSec', label: 'written/s (store alone, batches of 1,000)', unit: 'rate' },
        { key: 'fileMb', label: 'store file MB', unit: 'count' },
        { key: 'openMs', label: 'openChatStore ms', unit: 'ms' },
        { key: 'createMs', label: 'createChatServer until listening ms', unit: 'ms' },
        { key: 'startMs', label: 'both, ms', unit: 'ms' },
        { key: 'rssMb', label: 'RSS after start, MB', unit: 'count' },
        { key: 'emptyStartMs', label: 'both, empty store, ms', unit: 'ms' },
        { key: 'emptyRssMb', label: 'RSS after start, empty store, MB', unit: 'count' },
      ],
      kinds: (tcp) => ({ rxchat: tcp.rxchat }),
      run: async () => ({ ...runStoreStartup(history.startup) }),
    },
    resumeScenario('resume-ws', 'ws', 'each sending /resume TOKEN first'),
    resumeScenario('resume-ws-ids', 'ws-ids', 'each sending /resume TOKEN #lobby=ID, the last id it saw'),
    // Still to come: a resume across a kill -9 and restart with `--data-dir`.
    {
      name: 'history-memory',
      group: 'history',
      reps: 1,
      title: `history memory: ${history.memory.rooms} rooms x ${history.memory.messagesPerRoom} messages of ${history.memory.textBytes} bytes kept (--history-bytes 1 GiB), heap after a full GC minus the rooms empty; then the core alone in a process of its own: restoring as many (rxchat only)`,
      specs: [
        { key: 'heapBytesPerMessage', label: 'server heap bytes/message (after GC)', unit: 'count' },
        { key: 'rssBytesPerMessage', label: 'server RSS bytes/message', unit: 'count' },
        { key: 'messages', label: 'messages kept', unit: 'count' },
        { key: 'fillSeconds', label: 'seconds to say them all', unit: 's' },
        { key: 'sampleMismatches', label: 'sampled rooms missing their last line', unit: 'count' },
        { key: 'coreHeapBytesPerMessage', label: 'core: HistoryTable heap bytes/message', unit: 'count' },
        { key: 'restoreTableMs', label: 'core: HistoryTable.restore ms', unit: 'ms' },
        { key: 'createStateMs', label: 'core: createChatState(snapshot) ms', unit: 'ms' },
        { key: 'snapshotJsonMb', label: 'snapshot as JSON, MB', unit: 'count' },
        { key: 'snapshotParseMs', label: 'JSON.parse of it, ms', unit: 'ms' },
      ],
      kinds: (tcp) => ({
        rxchat: { ...tcp.rxchat, args: [...tcp.rxchat.args, '--history-bytes', String(1 << 30)], memoryProbe: true },
      }),
      run: async (server) => ({ ...(await runHistoryMemory(server, history.memory)) }),
    },
  ];
}

const FLOOD_SPECS: MetricSpec[] = [
  { key: 'quietP50Ms', label: 'others latency p50 ms, no flood', unit: 'ms' },
  { key: 'floodP50Ms', label: 'others latency p50 ms, flood', unit: 'ms' },
  { key: 'p50RiseMs', label: 'p50 rise ms', unit: 'ms' },
  { key: 'quietP99Ms', label: 'others latency p99 ms, no flood', unit: 'ms' },
  { key: 'floodP99Ms', label: 'others latency p99 ms, flood', unit: 'ms' },
  { key: 'quietServerCpuShare', label: 'server CPU, no flood', unit: 'share' },
  { key: 'floodServerCpuShare', label: 'server CPU, flood', unit: 'share' },
  { key: 'flooderCpuShare', label: 'server CPU for the flood', unit: 'share' },
  { key: 'floodMb', label: 'MB the flooders wrote', unit: 'count' },
  { key: 'floodLines', label: 'lines the flooders wrote', unit: 'count' },
  { key: 'floodLinesDelivered', label: 'flood lines delivered', unit: 'count' },
  { key: 'disconnected', label: 'flooders disconnected', unit: 'count' },
  { key: 'disconnectMs', label: 'ms until disconnected', unit: 'ms' },
  { key: 'lost', label: 'lost lines (chatters)', unit: 'count' },
  { key: 'generatorCpuShare', label: 'load generator CPU', unit: 'share' },
  { key: 'otherCpuShare', label: 'other CPU on machine', unit: 'share' },
];

const JOIN_FLOOD_SPECS: MetricSpec[] = [
  ...FLOOD_SPECS.filter((spec) => spec.key !== 'floodLinesDelivered'),
  { key: 'joinsServed', label: 'joins served (own join lines)', unit: 'count' },
  { key: 'rateLimitedReplies', label: '[!] rate limited', unit: 'count' },
  { key: 'tooManyRoomsReplies', label: '[!] too many rooms', unit: 'count' },
  { key: 'otherRefusals', label: '[!] other (excess flood)', unit: 'count' },
  { key: 'floodRssGrowthMb', label: 'server RSS growth over the flood, MB', unit: 'count' },
];

/** Floods and storms against rxchat's default policies (`--only hostile`). */
function hostileScenarios(): Scenario[] {
  const { flood, storm, listing } = hostile;
  const floodScenario = (
    name: string,
    title: string,
    content: FloodContent,
    flooders: number,
    linesPerFlooder: number,
  ): Scenario => ({
    name,
    group: 'hostile',
    rxchatDefaults: true,
    title: `hostile: ${title}, while ${flood.chatters} clients chat (a line every ${flood.chatEveryMs} ms each), ${flood.windowMs} ms windows`,
    specs: content === 'join' || content === 'join-part' ? JOIN_FLOOD_SPECS : FLOOD_SPECS,
    run: async (server) => ({ ...(await runFloodCost(server, { ...flood, content, flooders, linesPerFlooder })) }),
  });
  return [
    floodScenario('flood-blank', 'one client sending blank lines as fast as it can', 'blank', 1, Infinity),
    floodScenario('flood-text', 'one client sending chat lines as fast as it can', 'text', 1, Infinity),
    floodScenario('flood-many', '10 clients sending 100k chat lines each as fast as they can', 'text', 10, 100_000),
    floodScenario('join-flood', 'one client sending 100k /joins of new rooms as fast as it can', 'join', 1, 100_000),
    floodScenario(
      'join-part-flood',
      "one client sending /part #lobby and /join #lobby (the chatters' room) in turn as fast as it can",
      'join-part',
      1,
      Infinity,
    ),
    {
      name: 'rooms-listing',
      group: 'hostile',
      reps: 1,
      title: `hostile: /rooms, /rooms #m1 and /who #big (${listing.makers} members) on a server of ${listing.rooms} rooms, one at a time, ${listing.repeats} times each (rxchat only, --rate 0 to make the rooms quickly)`,
      specs: [
        { key: 'roomsReported', label: 'rooms on the server', unit: 'count' },
        { key: 'refusedPastLimit', label: 'one more room refused', unit: 'count' },
        { key: 'roomsP50Ms', label: '/rooms reply p50 ms', unit: 'ms' },
        { key: 'roomsP99Ms', label: '/rooms reply p99 ms', unit: 'ms' },
        { key: 'roomsMaxEntries', label: '/rooms entries, most', unit: 'count' },
        { key: 'roomsReplyBytes', label: '/rooms reply bytes, most', unit: 'count' },
        { key: 'whoP50Ms', label: '/who #big reply p50 ms', unit: 'ms' },
        { key: 'whoP99Ms', label: '/who #big reply p99 ms', unit: 'ms' },
        { key: 'whoMaxEntries', label: '/who #big names, most', unit: 'count' },
        { key: 'whoReplyBytes', label: '/who #big reply bytes, most', unit: 'count' },
        { key: 'rssMb', label: 'server RSS, MB', unit: 'count' },
        { key: 'setupSeconds', label: 'seconds to make the rooms', unit: 's' },
        { key: 'refused', label: '[!] replies while making them', unit: 'count' },
      ],
      kinds: (tcp) => ({ rxchat: tcp.rxchat }),
      run: async (server) => ({ ...(await runRoomsListing(server, listing)) }),
    },
    {
      name: 'join-storm',
      group: 'hostile',
      rxchatDefaults: true,
      title: `hostile: join storm, ${storm.clients} clients connecting (${storm.concurrency} at a time), then all leaving at once`,
      specs: [
        { key: 'connectSeconds', label: `seconds to connect ${storm.clients}`, unit: 's' },
        { key: 'joinedSeconds', label: 'seconds until all had their join line', unit: 's' },
        { key: 'settleSeconds', label: 'then seconds until server idle', unit: 's' },
        { key: 'joinCpuSeconds', label: 'server CPU seconds, joins', unit: 's' },
        { key: 'firstClientLines', label: 'lines the first client read', unit: 'count' },
        { key: 'leaveSettleSeconds', label: 'seconds until idle after all left', unit: 's' },
        { key: 'leaveCpuSeconds', label: 'server CPU seconds, leaves', unit: 's' },
      ],
      run: async (server) => ({ ...(await runJoinStorm(server, storm)) }),
    },
  ];
}

/** The node flags `npm start` gives the server (package.json's start script): the bench runs rxchat as its users do. */
function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return pkg.scripts['start']!.split(/\s+/).filter((word) => word.startsWith('--'));
}

async function main(): Promise<void> {
  const note = ensureOpenFiles();
  const started = new Date();
  const t0 = Date.now();
  const rxchatScript = join(ROOT, 'dist', 'cli', 'server.js');
  const maxIdle = Math.max(mostClients(), hostile.storm.clients);
  const nodeArgs = flags.profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${flags.profile}`];
  const baseline = (name: string, file: string): ServerKind => ({
    name,
    script: join(__dirname, 'baselines', file),
    args: [],
    nodeArgs,
  });
  const kinds: Record<ServerName, ServerKind> = {
    plain: baseline('plain', 'plain-server.js'),
    tuned: baseline('tuned', 'tuned-server.js'),
    buffered: baseline('buffered', 'buffered-server.js'),
    rxchat: {
      name: 'rxchat',
      script: rxchatScript,
      args: rxchatFlags(rxchatScript, maxIdle + FD_HEADROOM),
      nodeArgs: [...startFlags(), ...nodeArgs],
    },
  };
  const rxchatDefaults: ServerKind = {
    ...kinds.rxchat,
    args: rxchatFlags(rxchatScript, maxIdle + FD_HEADROOM, 'default'),
  };
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadavgAtStart: loadavg(),
    openFiles: openFilesLimit(),
  };
  const say = (text: string) => process.stderr.write(`${text}\n`);
  say(
    `rxchat bench (${config.mode}): ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadavgAtStart.map((v) => v.toFixed(2)).join(' ')}`,
  );
  say(
    `rxchat flags: ${kinds.rxchat.args.join(' ') || '(none supported: no rate limiting to turn off)'}; every server's stdout -> /dev/null`,
  );
  if (note) say(note);

  const runs: RunRecord[] = [];
  const list = scenarios();
  for (const scenario of list) {
    for (let rep = 0; rep < (scenario.reps ?? config.reps); rep++) {
      // Rotate the order so no server always runs first (or right after the same neighbour).
      const scenarioKinds: Partial<Record<ServerName, ServerKind>> = scenario.rxchatDefaults
        ? { rxchat: rxchatDefaults }
        : (scenario.kinds?.(kinds) ?? { plain: kinds.plain, tuned: kinds.tuned, rxchat: kinds.rxchat });
      const order = SERVERS.map((_, i) => SERVERS[(i + rep) % SERVERS.length]!);
      for (const name of order) {
        const kind = scenarioKinds[name];
        if (kind === undefined) continue;
        const server = kind.cluster === undefined ? await startServer(kind) : await startCluster(kind, kind.cluster);
        try {
          const metrics = await scenario.run(server, name);
          runs.push({ scenario: scenario.name, server: name, rep, metrics });
          say(`  ${scenario.name} #${rep + 1} ${name}: ${brief(metrics)}`);
        } finally {
          await server.stop();
        }
        await sleep(200);
      }
    }
  }

  const summaries = list.map((s) => summarise(s.name, s.title, s.specs, runs));
  const seconds = (Date.now() - t0) / 1000;
  const header = [
    `rxchat benchmark, ${config.mode} run, ${started.toISOString()}: ${machine.cores} cores (${machine.cpu}), Node ${machine.node}`,
    `${config.reps} repetitions per server, interleaved; medians [min-max]; ratios are per repetition, then median [min-max].`,
    `Servers: plain = net baseline, tuned = batched baseline, buffered = one Buffer per socket per turn (fan-out scenarios), rxchat = node ${kinds.rxchat.nodeArgs?.join(' ') ?? ''} dist/cli/server.js ${kinds.rxchat.args.join(' ')}.`,
    `Every server's stdout goes to /dev/null; rxchat runs with --quiet when it has it (the baselines log nothing). Took ${seconds.toFixed(0)} s.`,
  ];
  if (list.some((s) => s.rxchatDefaults)) {
    header.push(
      `Hostile scenarios: rxchat alone, with its default policies (dist/cli/server.js ${rxchatDefaults.args.join(' ')}).`,
    );
  }
  if (note) header.push(note);
  const table = [
    ...header,
    '',
    ...list.map((s, i) => renderTable(summaries[i]!, s.specs)).flatMap((t) => [t, '']),
  ].join('\n');
  process.stdout.write(`${table}\n`);

  const json = {
    startedAt: started.toISOString(),
    seconds,
    machine,
    config: { ...config, hostile, history },
    rxchatFlags: kinds.rxchat.args,
    note,
    summaries,
    runs,
  };
  mkdirSync(RESULTS, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(RESULTS, `${stamp}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  say(`results: bench/results/${stamp}.json and bench/results/latest.json`);
}

function brief(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .slice(0, 6)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`)
    .join(' ');
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
