import type Redis from 'ioredis';
import type { Observable, Subscriber, Subscription } from 'rxjs';
import type { ClientId, Notice } from '../core/events';
import type { RelayHost } from './chat-relay';
import { type ChatSnapshot, type RelayEvent, type SnapshotClient, emptyChatSnapshot } from './cluster-events';
import { Outbox } from './outbox';
import { CommandDeadlines, relayConnection } from './redis-connection';
import { relayKeys } from './redis-keys';
import { RelayScripts, type StoredSnapshot } from './redis-scripts';
import { RELAY_NOTICES } from './relay-notices';
import { type StreamEntry, parseXread } from './stream-entries';

export interface RelaySettings {
  readonly url: string;
  readonly chat: string;
  readonly leaseMs: number;
  readonly maxHeld: number;
  readonly snapshotEveryEntries: number;
  readonly snapshotMs: number;
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly outageNoticeMs: number;
  readonly closeTimeoutMs: number;
  readonly maxBatchEvents: number;
  readonly maxStreamEntries: number;
  readonly blockMs: number;
  readonly onLog: (message: string) => void;
}

export interface SessionStart {
  /** The chat's state has been emitted: the server may accept clients. */
  ready(): void;
  /** Could not connect and sync at start. */
  failed(cause: string): void;
  /** close() came before the start was done. */
  abandoned(): void;
}

/** One batch of this process's events: published (or being published), not yet read back. */
interface Batch {
  readonly seq: number;
  readonly events: readonly RelayEvent[];
  readonly payload: string;
  /** The node this batch reports gone (a node-gone batch holds nothing else). */
  readonly gone?: string;
  /** The stream has it (the publish script answered). */
  acked: boolean;
}

/**
 * - starting: not yet synced (events are held, nobody is told);
 * - live: publishing and reading;
 * - down: Redis away or out of sync (events are held, clients told after `outageNoticeMs`);
 * - closed.
 */
/** The longest our held lines wait for the other processes to re-announce their clients after a new epoch. */
const SETTLE_MS = 2_000;

export type Phase = 'starting' | 'live' | 'down' | 'closed';

/** A result that belongs to an older generation (a resync happened since): ignore it. */
class Stale extends Error {}

const READ_COUNT = 100;

/**
 * One process's membership of a chat over Redis: the writer connection publishes batches, leases and
 * snapshots; the reader connection blocks on the stream. Every asynchronous result is checked
 * against `generation`, bumped at each failure and resync, so nothing from before a resync
 * (a reply that arrives late, a read from an old position) is ever acted on.
 */
export class RelaySession {
  private readonly writer: Redis;
  private readonly reader: Redis;
  private readonly scripts: RelayScripts;
  private readonly keysStream: string;
  private readonly outbox: Outbox;
  private readonly emptyState = JSON.stringify(emptyChatSnapshot());

  private phase: Phase = 'starting';
  private generation = 0;
  /** Reconnection attempts only once both connections worked once (a failing start is reported instead). */
  private started = false;
  private closing = false;
  private closed?: Promise<void>;
  private localSubscription?: Subscription;

  /** The Redis epoch this process is synced to, and its place in the stream. */
  private epoch?: string;
  private runId = '';
  private position = '0-0';
  private lastN = 0;
  /** The last batch seq applied from each node (stored with snapshots). */
  private seqsRead: Record<string, number> = {};

  private nextSeq = 1;
  private unconfirmed: Batch[] = [];
  private publishing = false;
  private flushScheduled = false;

  private snapshotting = false;
  private lastSnapshotN = 0;
  private lastSnapshotAt = 0;

  /** No process is declared dead before this (after a start or a recovery, leases may be missing). */
  private graceUntil = 0;
  private readonly reportedGone = new Set<string>();
  /** Our lease ran out: nothing goes out before we take it back and re-announce our clients. */
  private lapsed = false;
  /**
   * After a new epoch: the other processes that had clients, not yet seen re-announcing them, and how
   * many of our own re-announcements may still go out. Our held lines wait until those processes'
   * clients are back in the chat (or `SETTLE_MS` passes), or they would miss lines meant for them.
   */
  private settling?: { readonly nodes: Set<string>; gate: number; readonly timer: NodeJS.Timeout };
  private heartbeatTimer?: NodeJS.Timeout;
  private readonly deadlines = new CommandDeadlines();
  private startTimer?: NodeJS.Timeout;

  private recovering = false;
  private lastError = '';
  private outageTimer?: NodeJS.Timeout;
  private outageAnnounced = false;
  /** Clients told that the relay is unavailable: they hear when it is back. */
  private readonly told = new Set<ClientId>();
  private onStopped?: () => void;
  private stoppedSeen = false;

  constructor(
    private readonly settings: RelaySettings,
    private readonly local$: Observable<RelayEvent>,
    private readonly host: RelayHost,
    private readonly out: Subscriber<RelayEvent>,
    private readonly lifecycle: SessionStart,
  ) {
    const keys = relayKeys(settings.chat);
    this.scripts = new RelayScripts(keys);
    this.keysStream = keys.stream;
    this.outbox = new Outbox(settings.maxHeld);
    this.writer = this.connection('writer');
    this.reader = this.connection('reader');
  }

  private get node(): string {
    return this.host.node;
  }

  /** Where the session is: starting, live, down (Redis away or resyncing) or closed. */
  get status(): Phase {
    return this.phase;
  }

  /** A method, so that TypeScript does not carry a narrowed phase across an await. */
  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  start(): void {
    this.localSubscription = this.local$.subscribe({
      next: (event) => this.onLocal(event),
      error: (error: unknown) => {
        this.dispose();
        this.out.error(error);
      },
    });
    this.startTimer = setTimeout(
      () => this.failStart(`no sync within ${this.settings.connectTimeoutMs} ms (${this.lastError || 'no answer'})`),
      this.settings.connectTimeoutMs,
    );
    void this.connectBoth();
  }

  /** Publishes this process's goodbye, waits for it to come back (bounded), then leaves. */
  close(): Promise<void> {
    this.closed ??= this.leave();
    return this.closed;
  }

  /** Stops everything at once, without a goodbye (what a crash looks like to the others). */
  dispose(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.generation++;
    this.localSubscription?.unsubscribe();
    for (const timer of [this.heartbeatTimer, this.startTimer, this.outageTimer, this.settling?.timer])
      clearTimeout(timer);
    this.deadlines.clear();
    clearInterval(this.heartbeatTimer);
    this.writer.disconnect();
    this.reader.disconnect();
  }

  // --- connections ------------------------------------------------------------------------------

  private connection(role: string): Redis {
    return relayConnection({
      url: this.settings.url,
      name: `rxchat:${this.node}:${role}`,
      connectTimeoutMs: this.settings.connectTimeoutMs,
      reconnectDelay: (attempt) =>
        this.started && !this.isClosed() ? Math.min(attempt * 50, this.settings.reconnectMaxDelayMs) : null,
      onError: (message) => (this.lastError = message),
      onClose: () => {
        if (this.started) this.fail(`lost the ${role} connection (${this.lastError || 'closed'})`);
      },
    });
  }

  private async connectBoth(): Promise<void> {
    try {
      await Promise.all([this.writer.connect(), this.reader.connect()]);
    } catch (error) {
      // ioredis rejects with "Connection is closed."; the 'error' event had the reason.
      return this.failStart(this.lastError || describe(error));
    }
    if (this.phase === 'closed') return;
    this.started = true;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(1, Math.floor(this.settings.leaseMs / 3)));
    this.heartbeatTimer.unref();
    void this.recover();
  }

  private failStart(cause: string): void {
    if (this.phase !== 'starting') return;
    this.dispose();
    this.lifecycle.failed(cause);
  }

  private bothReady(): boolean {
    return this.writer.status === 'ready' && this.reader.status === 'ready';
  }

  // --- outages and resyncs ----------------------------------------------------------------------

  /** Something went wrong: hold everything and resync. Safe to call any number of times. */
  private fail(reason: string): void {
    if (this.phase === 'closed') return;
    this.generation++;
    this.publishing = false;
    this.snapshotting = false;
    if (this.phase === 'live') {
      this.phase = 'down';
      this.settings.onLog(`relay unavailable: ${reason}`);
      for (const event of this.outbox.shed()) this.turnAway(event);
      this.outageTimer ??= setTimeout(() => this.announceOutage(), this.settings.outageNoticeMs);
    }
    void this.recover();
  }

  /** Resyncs until it works or the session closes; one loop at a time. */
  private async recover(): Promise<void> {
    if (this.recovering || !this.started) return;
    this.recovering = true;
    try {
      for (let attempt = 0; this.phase !== 'closed' && this.phase !== 'live'; attempt++) {
        if (attempt > 0) await delay(Math.min(50 * attempt, this.settings.reconnectMaxDelayMs));
        if (this.isClosed()) return;
        if (!this.bothReady()) continue;
        try {
          await this.resync();
        } catch (error) {
          if (!(error instanceof Stale)) {
            // Said once per reason: the loop may retry many times while Redis is away.
            if (describe(error) !== this.lastError) this.settings.onLog(`relay resync failed: ${describe(error)}`);
            this.lastError = describe(error);
          }
        }
      }
    } finally {
      this.recovering = false;
    }
  }

  /**
   * Finds the current epoch (starting one if this Redis has none: a new chat or an empty restart) and
   * syncs to it: the same epoch as before continues from this process's position; another one
   * restarts this process's core from the epoch's snapshot, then re-announces this process's clients.
   */
  private async resync(): Promise<void> {
    const generation = ++this.generation;
    const current = <T>(value: T): T => {
      if (generation !== this.generation || this.phase === 'closed') throw new Stale();
      return value;
    };
    const runId = current(parseRunId(await this.write((redis) => redis.info('server'))));
    const snapshot = current(await this.write((redis) => this.scripts.ensureEpoch(redis, runId, this.emptyState)));
    this.runId = runId;
    this.graceUntil = Date.now() + this.settings.leaseMs;
    this.reportedGone.clear();
    if (snapshot.epoch === this.epoch) {
      // Same epoch: if our lease ran out meanwhile, we may have been reported gone; flush() takes it
      // back and re-announces our clients before anything else goes out.
      this.lapsed = !current(
        await this.write((redis) => this.scripts.extendLease(redis, this.node, this.settings.leaseMs)),
      );
    } else {
      current(await this.write((redis) => this.scripts.takeLease(redis, this.node, this.settings.leaseMs)));
      if (this.epoch !== undefined)
        this.settings.onLog(`relay: new epoch ${snapshot.epoch}, re-announcing this process's clients`);
      this.lapsed = false;
      this.adopt(snapshot, { rejoin: true });
    }
    this.goLive(generation);
  }

  /**
   * Restarts the core from a stored snapshot. With `rejoin` (a new epoch: what this process had may be
   * gone), its clients are re-announced, then whatever it published that it never read back, then
   * what it holds: in that order, so no line arrives from a client the chat does not know.
   */
  private adopt(stored: StoredSnapshot, how: { readonly rejoin: boolean }): ChatSnapshot {
    const state = JSON.parse(stored.state) as ChatSnapshot;
    const mine = how.rejoin ? this.ownClients() : [];
    const before = how.rejoin ? this.host.snapshot().clients : [];
    this.epoch = stored.epoch;
    this.position = stored.id;
    this.lastN = stored.n;
    this.seqsRead = { ...stored.seqs };
    this.lastSnapshotN = stored.n;
    this.lastSnapshotAt = Date.now();
    this.emit({ type: 'reset', snapshot: state, at: Date.now() });
    if (how.rejoin) {
      const present = new Set(state.clients.map((client) => client.id));
      const replay = this.unconfirmed.flatMap((batch) => batch.events);
      this.unconfirmed = [];
      const rejoins = this.rejoins(mine.filter((client) => !present.has(client.id)));
      this.outbox.prepend([...rejoins, ...replay]);
      const others = new Set(
        before.flatMap((client) => (client.node !== undefined && client.node !== this.node ? [client.node] : [])),
      );
      this.settle(others, rejoins.length);
    } else {
      this.confirm(stored.seqs[this.node] ?? 0);
    }
    return state;
  }

  private settle(nodes: Set<string>, gate: number): void {
    clearTimeout(this.settling?.timer);
    this.settling = undefined;
    if (nodes.size === 0) return;
    this.settling = {
      nodes,
      gate,
      timer: setTimeout(() => this.settled(), Math.min(this.settings.leaseMs, SETTLE_MS)),
    };
  }

  private settled(): void {
    if (this.settling === undefined) return;
    clearTimeout(this.settling.timer);
    this.settling = undefined;
    this.flushSoon();
  }

  private goLive(generation: number): void {
    this.phase = 'live';
    clearTimeout(this.outageTimer);
    this.outageTimer = undefined;
    this.outageAnnounced = false;
    if (this.startTimer !== undefined) {
      clearTimeout(this.startTimer);
      this.startTimer = undefined;
      this.lifecycle.ready();
    } else {
      this.settings.onLog('relay available again');
    }
    for (const id of this.told) this.tell(id, RELAY_NOTICES.back);
    this.told.clear();
    void this.readLoop(generation);
    this.flushSoon();
  }

  private announceOutage(): void {
    this.outageTimer = undefined;
    if (this.phase !== 'down') return;
    this.outageAnnounced = true;
    for (const client of this.ownClients()) this.tellUnavailable(client.id);
    for (const id of this.outbox.heldNewcomers()) this.tellUnavailable(id);
  }

  private tellUnavailable(id: ClientId): void {
    if (this.told.has(id)) return;
    this.told.add(id);
    this.tell(id, RELAY_NOTICES.unavailable);
  }

  // --- this process's events --------------------------------------------------------------------

  private onLocal(event: RelayEvent): void {
    if (this.closing || this.phase === 'closed') return;
    const stamped = event.type === 'connected' && event.node === undefined ? { ...event, node: this.node } : event;
    const holding = this.phase !== 'live';
    if (this.outbox.push(stamped, holding) !== 'queued') return this.turnAway(stamped);
    if (!holding) this.flushSoon();
    else if (stamped.type === 'connected' && this.outageAnnounced) this.tellUnavailable(stamped.id);
  }

  /** An event the outbox had no room for: its client hears so. */
  private turnAway(event: RelayEvent): void {
    if (event.type === 'connected') {
      this.emit({ type: 'kick', id: event.id, reason: RELAY_NOTICES.full, at: Date.now() });
    } else if (event.type === 'line' || event.type === 'command') {
      this.tell(event.id, RELAY_NOTICES.notDelivered);
    }
    // A dropped notice or line-too-long was itself only words for one client.
  }

  private flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Everything this turn produces goes out as one entry.
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /**
   * Publishes one batch at a time: the un-acknowledged batch again if there is one (same seq, so the
   * stream takes it at most once), else what is pending. Batches so go out, and land, in order.
   */
  private async flush(): Promise<void> {
    if (this.phase !== 'live' || this.publishing) return;
    let batch = this.unconfirmed.find((candidate) => !candidate.acked);
    if (batch === undefined) {
      if (this.lapsed) return this.takeLeaseBack();
      if (this.outbox.size === 0) return;
      // While settling, only our re-announcements go out.
      const limit =
        this.settling === undefined
          ? this.settings.maxBatchEvents
          : Math.min(this.settling.gate, this.settings.maxBatchEvents);
      if (limit === 0) return;
      const events = this.outbox.take(limit);
      if (this.settling !== undefined) this.settling.gate -= events.length;
      const first = events[0]!;
      const gone = first.type === 'node-gone' ? first.node : undefined;
      batch = { seq: this.nextSeq++, events, payload: JSON.stringify(events), gone, acked: false };
      this.unconfirmed.push(batch);
    }
    const generation = this.generation;
    const { seq, payload, gone } = batch;
    this.publishing = true;
    try {
      const result = await this.write((redis) =>
        this.scripts.publish(
          redis,
          { epoch: this.epoch!, node: this.node, seq, payload, gone },
          this.settings.maxStreamEntries,
        ),
      );
      if (generation !== this.generation) return;
      this.publishing = false;
      switch (result.kind) {
        case 'stale':
          return this.fail('the chat moved to a new epoch');
        case 'expired':
          // Not taken: it goes out again after our re-announcements.
          this.lapsed = true;
          this.unconfirmed = this.unconfirmed.filter((candidate) => candidate !== batch);
          this.outbox.prepend(batch.events);
          break;
        case 'alive':
          this.settings.onLog(`relay: node ${gone} has a lease again: not reported gone`);
          this.unconfirmed = this.unconfirmed.filter((candidate) => candidate !== batch);
          this.reportedGone.delete(gone!);
          break;
        case 'duplicate':
          this.settings.onLog(`relay: batch ${seq} was in the stream already (its reply was lost)`);
          batch.acked = true;
          break;
        case 'added':
          batch.acked = true;
      }
      void this.flush();
    } catch (error) {
      if (generation === this.generation) this.fail(`publish failed: ${describe(error)}`);
    }
  }

  /**
   * Our lease ran out (a stall, a long outage): others may have reported us gone, and the stream took
   * nothing from us since. Take the lease back and re-announce our clients before anything else.
   */
  private async takeLeaseBack(): Promise<void> {
    const generation = this.generation;
    this.publishing = true;
    this.settings.onLog("relay: this process's lease had run out; re-announcing its clients");
    try {
      await this.write((redis) => this.scripts.takeLease(redis, this.node, this.settings.leaseMs));
    } catch (error) {
      if (generation === this.generation) this.fail(`lease renewal failed: ${describe(error)}`);
      return;
    }
    if (generation !== this.generation) return;
    this.publishing = false;
    this.lapsed = false;
    this.outbox.prepend(this.rejoins(this.ownClients()));
    void this.flush();
  }

  /** Our batches up to `seq` came back through the stream: they are safe. */
  private confirm(seq: number): void {
    while (this.unconfirmed.length > 0 && this.unconfirmed[0]!.seq <= seq) this.unconfirmed.shift();
  }

  // --- the stream -------------------------------------------------------------------------------

  private async readLoop(generation: number): Promise<void> {
    while (generation === this.generation && this.phase === 'live') {
      let reply: unknown;
      try {
        const read = this.reader.xread(
          'COUNT',
          READ_COUNT,
          'BLOCK',
          this.settings.blockMs,
          'STREAMS',
          this.keysStream,
          this.position,
        );
        // A blocking read legitimately waits blockMs for its answer, after a stale one's at most.
        reply = await this.deadlines.run(read, this.reader, 2 * this.settings.blockMs + this.settings.commandTimeoutMs);
      } catch (error) {
        if (generation === this.generation) this.fail(`read failed: ${describe(error)}`);
        return;
      }
      if (generation !== this.generation) return;
      if (!this.apply(parseXread(reply), generation)) return;
      this.maybeSnapshot(generation);
    }
  }

  /** Emits entries in order; false when the stream is not what this process expected (it resyncs). */
  private apply(entries: readonly StreamEntry[], generation: number): boolean {
    for (const entry of entries) {
      if (entry.kind === 'reset') {
        this.fail('the chat was reset (did Redis restart?)');
        return false;
      }
      if (entry.n !== this.lastN + 1) {
        void this.catchUp(generation, entry.n);
        return false;
      }
      this.lastN = entry.n;
      this.position = entry.id;
      this.seqsRead[entry.node] = entry.seq;
      if (entry.node === this.node) this.confirm(entry.seq);
      for (const event of entry.events) this.applyEvent(event);
      if (generation !== this.generation) return false; // the core's reaction closed the session
    }
    return true;
  }

  private applyEvent(event: RelayEvent): void {
    if (event.type === 'rejoined' && this.settling !== undefined && event.node !== undefined) {
      this.settling.nodes.delete(event.node);
      if (this.settling.nodes.size === 0) this.settled();
    }
    if (event.type === 'node-gone' && event.node === this.node) {
      // Reported gone while alive (a lapsed lease): our clients come back. (Our next publish finds
      // the lease lapsed and re-announces them anyway; this covers a report made before we knew.)
      const mine = this.ownClients();
      this.emit(event);
      if (!this.closing) this.outbox.prepend(this.rejoins(mine));
      this.flushSoon();
      return;
    }
    this.emit(event);
    if (event.type === 'node-gone') {
      this.reportedGone.delete(event.node);
      delete this.seqsRead[event.node];
      this.write((redis) => this.scripts.forget(redis, event.node)).catch(() => {});
    } else if (event.type === 'node-stopping') {
      delete this.seqsRead[event.node]; // it publishes no more
      if (event.node === this.node) {
        this.stoppedSeen = true;
        this.onStopped?.();
      }
    }
  }

  /**
   * The entry numbers skip: entries were trimmed before this process read them (it fell behind).
   * Skip to the latest snapshot, whose state every process had at that entry, and tell this process's
   * clients they may have missed messages. Anything else (numbers going backwards) starts a new epoch.
   */
  private async catchUp(generation: number, seen: number): Promise<void> {
    try {
      const stored = await this.write((redis) => this.scripts.readSnapshot(redis));
      if (generation !== this.generation) return;
      if (stored !== undefined && stored.epoch === this.epoch && stored.n > this.lastN && seen > this.lastN) {
        this.settings.onLog(`relay fell behind (entry ${this.lastN + 1} trimmed): skipping to snapshot ${stored.n}`);
        const state = this.adopt(stored, { rejoin: false });
        for (const client of state.clients) if (client.node === this.node) this.tell(client.id, RELAY_NOTICES.missed);
        return void this.readLoop(generation);
      }
      await this.write((redis) => this.scripts.ensureEpoch(redis, this.runId, this.emptyState, this.epoch));
      if (generation === this.generation) this.fail(`stream out of order (entry ${seen} after ${this.lastN})`);
    } catch (error) {
      if (generation === this.generation) this.fail(`catching up failed: ${describe(error)}`);
    }
  }

  /**
   * Every `snapshotEveryEntries` entries (or `snapshotMs` with news), offers the core's state at this
   * position as the chat's snapshot; the first process to offer one wins, the others learn its `n`.
   */
  private maybeSnapshot(generation: number): void {
    if (this.snapshotting || this.closing) return;
    const { snapshotEveryEntries, snapshotMs } = this.settings;
    const fresh = this.lastN - this.lastSnapshotN;
    if (fresh < snapshotEveryEntries && (fresh === 0 || Date.now() - this.lastSnapshotAt < snapshotMs)) return;
    // The core has applied everything emitted so far: its state is the state at `position`.
    const stored: StoredSnapshot = {
      epoch: this.epoch!,
      id: this.position,
      n: this.lastN,
      seqs: { ...this.seqsRead },
      state: JSON.stringify(this.host.snapshot()),
    };
    this.lastSnapshotN = this.lastN;
    this.lastSnapshotAt = Date.now();
    this.snapshotting = true;
    this.write((redis) =>
      this.scripts.writeSnapshot(redis, stored, { minGap: snapshotEveryEntries, maxAgeMs: snapshotMs }),
    )
      .then((result) => {
        if (generation === this.generation && result.kind === 'skipped')
          this.lastSnapshotN = Math.max(this.lastSnapshotN, result.n);
      })
      .catch((error: unknown) => this.settings.onLog(`relay snapshot not written: ${describe(error)}`))
      .finally(() => {
        if (generation === this.generation) this.snapshotting = false;
      });
  }

  // --- liveness ---------------------------------------------------------------------------------

  /**
   * Extends this process's lease (a lapsed one is taken back by flush(), with re-announcements);
   * past the grace period, reports processes whose lease ran out.
   */
  private async heartbeat(): Promise<void> {
    if (this.phase !== 'live') return;
    const generation = this.generation;
    try {
      const had = await this.write((redis) => this.scripts.extendLease(redis, this.node, this.settings.leaseMs));
      if (generation !== this.generation) return;
      if (!had && !this.lapsed) {
        this.lapsed = true;
        this.flushSoon();
      }
      if (Date.now() < this.graceUntil || this.closing) return;
      const expired = await this.write((redis) => this.scripts.expiredNodes(redis));
      if (generation !== this.generation || this.closing) return;
      for (const node of expired) {
        if (node === this.node || this.reportedGone.has(node)) continue;
        this.reportedGone.add(node);
        this.settings.onLog(`relay: node ${node} lost its lease: reporting it gone`);
        this.outbox.push({ type: 'node-gone', node, at: Date.now() }, false);
      }
      if (this.outbox.size > 0) this.flushSoon();
    } catch (error) {
      if (generation === this.generation) this.fail(`lease renewal failed: ${describe(error)}`);
    }
  }

  // --- leaving ----------------------------------------------------------------------------------

  private async leave(): Promise<void> {
    if (this.phase === 'closed') return;
    this.closing = true;
    if (this.phase === 'starting') this.lifecycle.abandoned();
    if (this.phase === 'live') {
      const stopped = new Promise<void>((resolve) => (this.onStopped = resolve));
      this.outbox.push({ type: 'node-stopping', node: this.node, at: Date.now() }, false);
      this.flushSoon();
      await Promise.race([stopped, delay(this.settings.closeTimeoutMs)]);
    }
    // Redis away: the others will see this process's lease run out; its own clients still get the goodbye.
    if (!this.stoppedSeen) this.emit({ type: 'node-stopping', node: this.node, at: Date.now() });
    if (this.writer.status === 'ready') {
      await this.write((redis) => this.scripts.leave(redis, this.node)).catch(() => {});
    }
    this.dispose();
    this.out.complete();
  }

  // --- helpers ----------------------------------------------------------------------------------

  /** A command on the writer connection, with the usual deadline. */
  private write<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    return this.deadlines.run(command(this.writer), this.writer, this.settings.commandTimeoutMs);
  }

  private emit(event: RelayEvent): void {
    if (this.phase !== 'closed') this.out.next(event);
  }

  /** A notice for one of this process's clients: local, never published. */
  private tell(id: ClientId, notice: Notice): void {
    this.emit({ type: 'notice', id, notice, at: Date.now() });
  }

  private ownClients(): SnapshotClient[] {
    return this.host.snapshot().clients.filter((client) => client.node === this.node);
  }

  private rejoins(clients: readonly SnapshotClient[]): RelayEvent[] {
    const at = Date.now();
    return clients.map((client): RelayEvent => ({
      type: 'rejoined',
      id: client.id,
      name: client.name,
      remote: client.remote,
      node: this.node,
      at,
    }));
  }
}

function parseRunId(info: string): string {
  const match = /run_id:([0-9a-f]+)/.exec(info);
  if (match === null) throw new Error('INFO server has no run_id');
  return match[1]!;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
