import { Observable } from 'rxjs';
import type { ChatRelay } from './chat-relay';
import type { RelayEvent } from './cluster-events';
import { RelaySession, type RelaySettings } from './relay-session';

/** How `redisRelay` reaches Redis and paces the cluster: only `url` is required. */
export interface RedisRelayOptions {
  /** `redis://[user:password@]host:port[/db]` (or anything ioredis takes, e.g. a unix socket path). */
  readonly url: string;
  /** Key namespace, so several chats share one Redis. Default `rxchat`. */
  readonly chat?: string;
  /** A process whose lease is this old is dead: its clients leave. Default 10,000 ms. */
  readonly leaseMs?: number;
  /** Events held per process while Redis is away; past it lines are dropped (sender told). Default 1,000. */
  readonly maxHeld?: number;
  /**
   * Write a snapshot after this many entries... Default 1,000. Only once the stream since the last one
   * is as big as the last snapshot, though (at the latest after 10 times this many entries, or a quarter
   * of `maxStreamEntries` if less: a quiet chat with a large state snapshots rarely); and a process
   * holding a small share of the clients waits up to half as long again, so one holding more builds it.
   */
  readonly snapshotEveryEntries?: number;
  /** ...or after this long with new entries (same provisos). Default 5,000 ms. */
  readonly snapshotMs?: number;
  /** A Redis command without an answer this long counts as an outage. Default 2,000 ms. */
  readonly commandTimeoutMs?: number;
  /** How long the first connection and sync may take before `connect` fails. Default 5,000 ms. */
  readonly connectTimeoutMs?: number;
  /** The longest wait between reconnection attempts. Default 500 ms. */
  readonly reconnectMaxDelayMs?: number;
  /** Clients are told about an outage that lasts this long (shorter blips go unmentioned). Default 1,000 ms. */
  readonly outageNoticeMs?: number;
  /** How long `close()` waits for this process's goodbye to come back through Redis. Default 3,000 ms. */
  readonly closeTimeoutMs?: number;
  /** Events per stream entry, at most. Default 500. */
  readonly maxBatchEvents?: number;
  /**
   * A cap on the stream's length, past the snapshots' own trimming: if it ever cuts entries after the
   * latest snapshot (snapshots stalled), the chat starts a new epoch. Default 100,000 entries.
   */
  readonly maxStreamEntries?: number;
  /** How long a blocking read waits before looking around (snapshots). Default 1,000 ms. */
  readonly blockMs?: number;
  /** Diagnostics: outages, recoveries, resyncs. */
  readonly onLog?: (message: string) => void;
}

/** `connect` could not reach Redis (or not sync with it) at start; the message says so, for the user. */
export class RelayUnreachableError extends Error {
  override readonly name = 'RelayUnreachableError';

  constructor(url: string, cause: string) {
    super(`cannot reach Redis at ${redactUrl(url)}: ${cause}`);
  }
}

/**
 * Several processes, one chat: every process publishes its events to one Redis stream and applies the
 * stream's events, in stream order, so all cores derive the same chat. How:
 *
 * - Order: `{chat}:events` holds one entry per batch (a process's events of an event-loop turn, one
 *   publish in flight at a time), numbered `n` by the publish script. A process emits only what it
 *   reads back, its own events included, in stream order; they wait in the Outbox until published.
 * - Exactly once: a batch carries its node's `seq`; the publish script takes each seq once, so a
 *   batch re-sent after a lost reply lands once (UnconfirmedBatches). ioredis never re-sends or queues
 *   on its own (redis-connection.ts).
 * - Epochs: `{chat}:epoch` names the current one (`{run_id}/{reset entry id}`). A Redis run without
 *   one (a new chat, an empty restart, a restart from disk, a failover) gets a new one, atomically:
 *   a reset entry and an empty snapshot at it. Every process that finds a new epoch restarts its core
 *   from the epoch's snapshot, re-announces its own clients (`rejoined`), then publishes what it
 *   never read back and what it held: no line from a client the chat does not know. Its held lines
 *   wait, bounded, until the other processes re-announced theirs (SettleGate).
 * - Late start: `{chat}:snapshot` holds the core's state at an entry; a newcomer emits `reset` with
 *   it and reads on from there. Snapshots replace each other at least `snapshotEveryEntries` entries
 *   (or `snapshotMs`) apart, once the stream since the last one is about its size (SnapshotSchedule);
 *   the process that builds one claims it first (`{chat}:snapshot:claim`), so the others never
 *   serialise it. The stream is trimmed up to the previous snapshot only: a newcomer finds
 *   every entry after the snapshot it read, and Redis memory is bounded by snapshot intervals. A
 *   process that fell further behind sees the numbers skip, skips to the latest snapshot and tells
 *   its clients they may have missed messages; nobody waits for it. A cap (`maxStreamEntries`,
 *   MAXLEN ~) bounds the stream even if no snapshot is written; should it cut past the latest
 *   snapshot, the process that finds out starts a new epoch (everyone resets and re-announces).
 *   Where a process is in the stream: StreamCursor; when it offers a snapshot: SnapshotSchedule.
 * - Liveness: each process holds a lease `{chat}:node:{node}` (leaseMs, renewed every third) and is
 *   listed in `{chat}:nodes`; a survivor reports a node without lease with `node-gone` (idempotent in
 *   the core). The publish script takes a node-gone only while that node has no lease, and a batch
 *   only while its publisher has one; a lapsed lease is taken back only together with re-announcing
 *   the clients. So a live process's batches never land between a node-gone of it and its rejoins.
 *   No report for a lease after a start or a recovery: all leases may have vanished with Redis
 *   (GoneReports).
 * - Outages: everything is held (bounded by `maxHeld`; past it lines are refused with a notice),
 *   clients are told once after `outageNoticeMs` and again when it is back (OutageNotices).
 *
 * The protocol is RelaySession's (relay-session.ts); what it says to Redis goes through RedisLink
 * (redis-link.ts: the connections, each command's deadline) and the scripts (redis-scripts.ts).
 */
export function redisRelay(options: RedisRelayOptions): ChatRelay {
  const settings = resolveSettings(options);
  let session: RelaySession | undefined;
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // the stream reports it too: nobody has to await ready

  return {
    connect: (local$, host) =>
      new Observable<RelayEvent>((subscriber) => {
        if (session !== undefined) {
          subscriber.error(new Error('a Redis relay serves one connect() at a time'));
          return undefined;
        }
        const current = new RelaySession(settings, local$, host, subscriber, {
          ready: resolveReady,
          failed: (cause) => {
            const error = new RelayUnreachableError(options.url, cause);
            rejectReady(error);
            subscriber.error(error);
          },
          abandoned: () => rejectReady(new Error('the relay was closed before it was ready')),
        });
        session = current;
        current.start();
        // Unsubscribing without close() leaves like a crash: the lease runs out and others report node-gone.
        return () => current.dispose();
      }),
    ready: () => ready,
    unready: () => {
      const status = session?.status ?? 'starting';
      return status === 'live' ? undefined : `relay ${status}`;
    },
    close: () => session?.close() ?? Promise.resolve(),
  };
}

function resolveSettings(options: RedisRelayOptions): RelaySettings {
  return {
    url: options.url,
    chat: options.chat ?? 'rxchat',
    leaseMs: options.leaseMs ?? 10_000,
    maxHeld: options.maxHeld ?? 1_000,
    snapshotEveryEntries: options.snapshotEveryEntries ?? 1_000,
    snapshotMs: options.snapshotMs ?? 5_000,
    commandTimeoutMs: options.commandTimeoutMs ?? 2_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 500,
    outageNoticeMs: options.outageNoticeMs ?? 1_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 3_000,
    maxBatchEvents: options.maxBatchEvents ?? 500,
    maxStreamEntries: options.maxStreamEntries ?? 100_000,
    blockMs: options.blockMs ?? 1_000,
    onLog: options.onLog ?? (() => {}),
  };
}

/** The URL without its password, fit for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
