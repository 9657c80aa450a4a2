import type Redis from 'ioredis';
import { emptyChatSnapshot } from './cluster-events';
import { CommandDeadlines, relayConnection } from './redis-connection';
import { relayKeys } from './redis-keys';
import {
  type ClaimResult,
  type PublishResult,
  RelayScripts,
  type SnapshotResult,
  type SnapshotRule,
  type StoredSnapshot,
} from './redis-scripts';

/** What the link needs to know: where Redis is, which chat, and its time limits. */
export interface RedisLinkOptions {
  readonly url: string;
  readonly chat: string;
  /** This process's node id: its lease, its batches' author, its connections' names. */
  readonly node: string;
  readonly leaseMs: number;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly maxStreamEntries: number;
  readonly blockMs: number;
  /** Whether a lost connection may reconnect now (not while starting, nor once closed). */
  readonly mayReconnect: () => boolean;
  /** A connection's latest error (the reason a later failure gives). */
  readonly onError: (message: string) => void;
  /** A connection closed (`role` is 'writer' or 'reader'). */
  readonly onClose: (role: string) => void;
}

/** One of this process's batches, as the stream takes it. */
export interface OutgoingBatch {
  readonly epoch: string;
  readonly seq: number;
  readonly payload: string;
  /** The node a node-gone batch reports. */
  readonly gone?: string;
}

/** Stream entries per read, at most. */
const READ_COUNT = 100;

/**
 * Everything the relay says to Redis, and nothing it decides: this process's two connections to one
 * chat's keys (the writer publishes, leases and snapshots; the reader blocks on the stream), each
 * command with a deadline. What to send, and what a reply means, is the session's (relay-session.ts).
 */
export class RedisLink {
  private readonly writer: Redis;
  private readonly reader: Redis;
  private readonly scripts: RelayScripts;
  private readonly stream: string;
  private readonly deadlines = new CommandDeadlines();
  private readonly emptyState = JSON.stringify(emptyChatSnapshot());

  constructor(private readonly options: RedisLinkOptions) {
    const keys = relayKeys(options.chat);
    this.scripts = new RelayScripts(keys);
    this.stream = keys.stream;
    this.writer = this.connection('writer');
    this.reader = this.connection('reader');
  }

  /** Both connections are up (ioredis rejects with "Connection is closed." when one fails; onError had why). */
  async connect(): Promise<void> {
    await Promise.all([this.writer.connect(), this.reader.connect()]);
  }

  /** Both connections take commands. */
  get ready(): boolean {
    return this.writer.status === 'ready' && this.reader.status === 'ready';
  }

  /** The writer takes commands. */
  get writable(): boolean {
    return this.writer.status === 'ready';
  }

  /** Drops both connections at once; commands in flight never settle. */
  disconnect(): void {
    this.deadlines.clear();
    this.writer.disconnect();
    this.reader.disconnect();
  }

  /** The Redis run's id: a restarted Redis has a new one. */
  runId(): Promise<string> {
    return this.write((redis) => redis.info('server')).then(parseRunId);
  }

  /**
   * The current epoch's snapshot, starting an epoch (a reset entry, an empty snapshot) if Redis has
   * none, or if its epoch is `stale`.
   */
  ensureEpoch(runId: string, stale?: string): Promise<StoredSnapshot> {
    return this.write((redis) => this.scripts.ensureEpoch(redis, runId, this.emptyState, stale));
  }

  /** Extends this process's lease if it still has one; true if it had. */
  extendLease(): Promise<boolean> {
    return this.write((redis) => this.scripts.extendLease(redis, this.options.node, this.options.leaseMs));
  }

  /** Gives this process a lease, whether or not it had one; true if it had. */
  takeLease(): Promise<boolean> {
    return this.write((redis) => this.scripts.takeLease(redis, this.options.node, this.options.leaseMs));
  }

  /** The announced processes whose lease ran out. */
  expiredNodes(): Promise<string[]> {
    return this.write((redis) => this.scripts.expiredNodes(redis));
  }

  /** `node` is no longer announced (its node-gone is in the stream), unless it has a lease again. */
  forget(node: string): Promise<void> {
    return this.write((redis) => this.scripts.forget(redis, node));
  }

  /** This process is no longer announced, and holds no lease. */
  leave(): Promise<void> {
    return this.write((redis) => this.scripts.leave(redis, this.options.node));
  }

  publish(batch: OutgoingBatch): Promise<PublishResult> {
    return this.write((redis) =>
      this.scripts.publish(redis, { ...batch, node: this.options.node }, this.options.maxStreamEntries),
    );
  }

  readSnapshot(): Promise<StoredSnapshot | undefined> {
    return this.write((redis) => this.scripts.readSnapshot(redis));
  }

  /** Asks to build the snapshot at entry `n` (one process at a time; the claim lasts `ttlMs`). */
  claimSnapshot(epoch: string, n: number, rule: SnapshotRule, ttlMs: number): Promise<ClaimResult> {
    return this.write((redis) => this.scripts.claimSnapshot(redis, { epoch, n, node: this.options.node }, rule, ttlMs));
  }

  writeSnapshot(snapshot: StoredSnapshot, rule: SnapshotRule): Promise<SnapshotResult> {
    return this.write((redis) => this.scripts.writeSnapshot(redis, snapshot, rule, this.options.node));
  }

  /** The XREAD reply (for parseXread) of the entries after `position`: waits up to `blockMs` for some. */
  read(position: string): Promise<unknown> {
    const { blockMs, commandTimeoutMs } = this.options;
    const read = this.reader.xread('COUNT', READ_COUNT, 'BLOCK', blockMs, 'STREAMS', this.stream, position);
    // A blocking read legitimately waits blockMs for its answer, after a stale one's at most.
    return this.deadlines.run(read, this.reader, 2 * blockMs + commandTimeoutMs);
  }

  private connection(role: string): Redis {
    const { options } = this;
    return relayConnection({
      url: options.url,
      name: `rxchat:${options.node}:${role}`,
      connectTimeoutMs: options.connectTimeoutMs,
      reconnectDelay: (attempt) =>
        options.mayReconnect() ? Math.min(attempt * 50, options.reconnectMaxDelayMs) : null,
      onError: options.onError,
      onClose: () => options.onClose(role),
    });
  }

  /** A command on the writer connection, with the usual deadline. */
  private write<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    return this.deadlines.run(command(this.writer), this.writer, this.options.commandTimeoutMs);
  }
}

function parseRunId(info: string): string {
  const match = /run_id:([0-9a-f]+)/.exec(info);
  if (match === null) throw new Error('INFO server has no run_id');
  return match[1]!;
}
