import type { Observable, Subscriber, Subscription } from 'rxjs';
import type { ClientId, Notice } from '../core/events';
import type { RelayHost } from './chat-relay';
import type { ChatSnapshot, RelayEvent, SnapshotClient } from './cluster-events';
import { GoneReports } from './gone-reports';
import { OutageNotices } from './outage-notices';
import { Outbox } from './outbox';
import { RedisLink } from './redis-link';
import type { StoredSnapshot } from './redis-scripts';
import { RELAY_NOTICES } from './relay-notices';
import { SettleGate } from './settle-gate';
import { SnapshotSchedule } from './snapshot-schedule';
import { StreamCursor } from './stream-cursor';
import { type StreamEntry, parseXread } from './stream-entries';
import { UnconfirmedBatches } from './unconfirmed-batches';

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

/**
 * - starting: not yet synced (events are held, nobody is told);
 * - live: publishing and reading;
 * - down: Redis away or out of sync (events are held, clients told after `outageNoticeMs`);
 * - closed.
 */
export type Phase = 'starting' | 'live' | 'down' | 'closed';

/** A result that belongs to an older generation (a resync happened since): ignore it. */
class Stale extends Error {}

/**
 * One process's membership of a chat: the relay's protocol (see redisRelay), over a `RedisLink`
 * that says to Redis what this decides. Every asynchronous result is checked against `generation`,
 * bumped at each failure and resync, so nothing from before a resync (a reply that arrives late, a
 * read from an old position) is ever acted on. The rules it follows live in small parts of their
 * own: what is held (Outbox), what is published and not yet read back (UnconfirmedBatches), where
 * this process is in the stream (StreamCursor), when it offers a snapshot (SnapshotSchedule), whom
 * it reports gone (GoneReports), how long held lines wait after a new epoch (SettleGate), and what
 * clients hear of an outage (OutageNotices).
 */
export class RelaySession {
  private readonly link: RedisLink;
  private readonly outbox: Outbox;
  private readonly batches = new UnconfirmedBatches();
  private readonly cursor = new StreamCursor();
  private readonly snapshots: SnapshotSchedule;
  private readonly goneReports: GoneReports;
  private readonly settling: SettleGate;
  private readonly notices: OutageNotices;

  private phase: Phase = 'starting';
  private generation = 0;
  /** Reconnection attempts only once both connections worked once (a failing start is reported instead). */
  private started = false;
  private closing = false;
  private closed?: Promise<void>;
  private localSubscription?: Subscription;
  private startTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private recovering = false;
  private lastError = '';

  private publishing = false;
  private flushScheduled = false;
  /** Our lease ran out: nothing goes out before we take it back and re-announce our clients. */
  private lapsed = false;

  private onStopped?: () => void;
  private stoppedSeen = false;

  constructor(
    private readonly settings: RelaySettings,
    private readonly local$: Observable<RelayEvent>,
    private readonly host: RelayHost,
    private readonly out: Subscriber<RelayEvent>,
    private readonly lifecycle: SessionStart,
  ) {
    this.outbox = new Outbox(settings.maxHeld);
    this.snapshots = new SnapshotSchedule(
      settings.snapshotEveryEntries,
      settings.snapshotMs,
      settings.maxStreamEntries,
    );
    this.goneReports = new GoneReports(host.node);
    this.settling = new SettleGate(settings.leaseMs, () => this.flushSoon());
    this.notices = new OutageNotices({
      delayMs: settings.outageNoticeMs,
      ongoing: () => this.phase === 'down',
      audience: () => this.outageAudience(),
      tell: (id, notice) => this.tell(id, notice),
    });
    this.link = new RedisLink({
      ...settings,
      node: host.node,
      mayReconnect: () => this.started && !this.isClosed(),
      onError: (message) => (this.lastError = message),
      onClose: (role) => {
        if (this.started) this.fail(`lost the ${role} connection (${this.lastError || 'closed'})`);
      },
    });
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

  /** Takes this process's events, connects, and syncs (`lifecycle` hears how that went). */
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
    clearTimeout(this.startTimer);
    clearInterval(this.heartbeatTimer);
    this.notices.dispose();
    this.settling.dispose();
    this.link.disconnect();
  }

  // --- connections ------------------------------------------------------------------------------

  private async connectBoth(): Promise<void> {
    try {
      await this.link.connect();
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

  // --- outages and resyncs ----------------------------------------------------------------------

  /** Something went wrong: hold everything and resync. Safe to call any number of times. */
  private fail(reason: string): void {
    if (this.phase === 'closed') return;
    this.generation++;
    this.publishing = false;
    this.snapshots.done();
    if (this.phase === 'live') {
      this.phase = 'down';
      this.settings.onLog(`relay unavailable: ${reason}`);
      for (const event of this.outbox.shed()) this.turnAway(event);
      this.notices.began();
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
        if (!this.link.ready) continue;
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
    const runId = current(await this.link.runId());
    const snapshot = current(await this.link.ensureEpoch(runId));
    this.cursor.runId = runId;
    this.goneReports.restart(Date.now(), this.settings.leaseMs);
    if (snapshot.epoch === this.cursor.epoch) {
      // Same epoch: if our lease ran out meanwhile, we may have been reported gone; flush() takes it
      // back and re-announces our clients before anything else goes out.
      this.lapsed = !current(await this.link.extendLease());
    } else {
      current(await this.link.takeLease());
      if (this.cursor.epoch !== undefined)
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
    this.cursor.moveTo(stored);
    this.snapshots.restart(stored.n, Date.now(), stored.state.length);
    this.emit({ type: 'reset', snapshot: state, at: Date.now() });
    if (how.rejoin) {
      const present = new Set(state.clients.map((client) => client.id));
      const replay = this.batches.takeEvents();
      const rejoins = this.rejoins(mine.filter((client) => !present.has(client.id)));
      this.outbox.prepend([...rejoins, ...replay]);
      const others = new Set(
        before.flatMap((client) => (client.node !== undefined && client.node !== this.node ? [client.node] : [])),
      );
      this.settling.begin(others, rejoins.length);
    } else {
      this.batches.confirm(stored.seqs[this.node] ?? 0);
    }
    return state;
  }

  private goLive(generation: number): void {
    this.phase = 'live';
    if (this.startTimer !== undefined) {
      clearTimeout(this.startTimer);
      this.startTimer = undefined;
      this.lifecycle.ready();
    } else {
      this.settings.onLog('relay available again');
    }
    this.notices.over();
    void this.readLoop(generation);
    this.flushSoon();
  }

  /** Who hears of an outage: this process's clients, then the newcomers it holds. */
  private *outageAudience(): Iterable<ClientId> {
    for (const client of this.ownClients()) yield client.id;
    yield* this.outbox.heldNewcomers();
  }

  // --- this process's events --------------------------------------------------------------------

  private onLocal(event: RelayEvent): void {
    if (this.closing || this.phase === 'closed') return;
    const stamped = event.type === 'connected' && event.node === undefined ? { ...event, node: this.node } : event;
    const holding = this.phase !== 'live';
    if (this.outbox.push(stamped, holding) !== 'queued') return this.turnAway(stamped);
    if (!holding) this.flushSoon();
    else if (stamped.type === 'connected') this.notices.held(stamped.id);
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
    let batch = this.batches.unacked();
    if (batch === undefined) {
      if (this.lapsed) return this.takeLeaseBack();
      if (this.outbox.size === 0) return;
      // While settling, only our re-announcements go out.
      const limit = this.settling.limit(this.settings.maxBatchEvents);
      if (limit === 0) return;
      const events = this.outbox.take(limit);
      this.settling.took(events.length);
      batch = this.batches.open(events);
    }
    const generation = this.generation;
    const { seq, payload, gone } = batch;
    this.publishing = true;
    try {
      const result = await this.link.publish({ epoch: this.cursor.epoch!, seq, payload, gone });
      if (generation !== this.generation) return;
      this.publishing = false;
      switch (result.kind) {
        case 'stale':
          return this.fail('the chat moved to a new epoch');
        case 'expired':
          // Not taken: it goes out again after our re-announcements.
          this.lapsed = true;
          this.batches.remove(batch);
          this.outbox.prepend(batch.events);
          break;
        case 'alive':
          this.settings.onLog(`relay: node ${gone} has a lease again: not reported gone`);
          this.batches.remove(batch);
          this.goneReports.forget(gone!);
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
      await this.link.takeLease();
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

  // --- the stream -------------------------------------------------------------------------------

  private async readLoop(generation: number): Promise<void> {
    while (generation === this.generation && this.phase === 'live') {
      let reply: unknown;
      try {
        reply = await this.link.read(this.cursor.position);
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
      if (!this.cursor.follows(entry)) {
        void this.catchUp(generation, entry.n);
        return false;
      }
      this.cursor.advance(entry);
      this.snapshots.read(entry.n, entry.size ?? 0);
      if (entry.node === this.node) this.batches.confirm(entry.seq);
      for (const event of entry.events) this.applyEvent(event);
      if (generation !== this.generation) return false; // the core's reaction closed the session
    }
    return true;
  }

  private applyEvent(event: RelayEvent): void {
    if (event.type === 'rejoined' && event.node !== undefined) this.settling.rejoined(event.node);
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
      this.goneReports.forget(event.node);
      this.cursor.forget(event.node);
      this.link.forget(event.node).catch(() => {});
    } else if (event.type === 'node-stopping') {
      this.cursor.forget(event.node); // it publishes no more
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
    const { cursor } = this;
    try {
      const stored = await this.link.readSnapshot();
      if (generation !== this.generation) return;
      if (stored !== undefined && stored.epoch === cursor.epoch && stored.n > cursor.lastN && seen > cursor.lastN) {
        this.settings.onLog(`relay fell behind (entry ${cursor.lastN + 1} trimmed): skipping to snapshot ${stored.n}`);
        const state = this.adopt(stored, { rejoin: false });
        for (const client of state.clients) if (client.node === this.node) this.tell(client.id, RELAY_NOTICES.missed);
        return void this.readLoop(generation);
      }
      await this.link.ensureEpoch(cursor.runId, cursor.epoch);
      if (generation === this.generation) this.fail(`stream out of order (entry ${seen} after ${cursor.lastN})`);
    } catch (error) {
      if (generation === this.generation) this.fail(`catching up failed: ${describe(error)}`);
    }
  }

  /**
   * When the schedule says so (SnapshotSchedule), asks Redis to build the chat's snapshot; only the
   * one process granted the claim serialises the core's state and stores it, the others learn the
   * stored snapshot's `n` and count from there.
   */
  private maybeSnapshot(generation: number): void {
    if (this.closing || !this.snapshots.due(this.cursor.lastN, Date.now(), () => this.share())) return;
    this.snapshots.offered(this.cursor.lastN, Date.now());
    this.buildSnapshot(generation)
      .catch((error: unknown) => this.settings.onLog(`relay snapshot not written: ${describe(error)}`))
      .finally(() => {
        if (generation === this.generation) this.snapshots.done();
      });
  }

  private async buildSnapshot(generation: number): Promise<void> {
    const { snapshotEveryEntries, snapshotMs, commandTimeoutMs } = this.settings;
    const rule = { minGap: snapshotEveryEntries, maxAgeMs: snapshotMs };
    // The claim outlives the build and the write (each bounded by the command deadline).
    const claim = await this.link.claimSnapshot(this.cursor.epoch!, this.cursor.lastN, rule, 2 * commandTimeoutMs);
    if (generation !== this.generation || this.closing || claim.kind === 'stale') return; // the reads find out
    if (claim.kind !== 'granted') {
      return this.snapshots.skipped(claim.n, { size: claim.size, at: Date.now() - claim.ageMs });
    }
    // Between reads the core has applied everything emitted so far: its state is the state at `position`.
    const stored = this.cursor.snapshot(JSON.stringify(this.host.snapshot()));
    this.snapshots.offered(stored.n, Date.now());
    const result = await this.link.writeSnapshot(stored, rule);
    if (generation !== this.generation) return;
    if (result.kind === 'stored') this.snapshots.stored(stored.state.length);
    else if (result.kind === 'skipped') this.snapshots.skipped(result.n);
  }

  /** The share of the chat's clients this process holds (1 if the host does not say). */
  private share(): number {
    return this.host.share?.(this.node) ?? 1;
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
      const had = await this.link.extendLease();
      if (generation !== this.generation) return;
      if (!had && !this.lapsed) {
        this.lapsed = true;
        this.flushSoon();
      }
      if (this.goneReports.inGrace(Date.now()) || this.closing) return;
      const expired = await this.link.expiredNodes();
      if (generation !== this.generation || this.closing) return;
      for (const node of this.goneReports.toReport(expired)) {
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
    if (this.link.writable) await this.link.leave().catch(() => {});
    this.dispose();
    this.out.complete();
  }

  // --- helpers ----------------------------------------------------------------------------------

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
      // Back into the rooms it was in, silently, as into the chat.
      ...(client.rooms === undefined ? {} : { rooms: client.rooms }),
      ...(client.current === undefined ? {} : { current: client.current }),
      at,
    }));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
