import { pollClock, quietMs } from './poll-clock';

/** Something that holds unsent output: a connection of some transport's `OutputQueue`, and how its backlog drains. */
export interface BudgetHolder {
  /** What the budget counts for it now (kept by the budget: start at 0). */
  charged: number;
  /**
   * When its backlog last made progress (`Date.now()` ms): when the backlog began, or when the kernel
   * last took a write of it. 0 when it holds no backlog (or, for a socket that holds bytes nobody
   * waits for, none known: it counts as stalled).
   */
  readonly progressAt: number;
  /** Whether the kernel took any of its backlog since the backlog began. */
  readonly progressed: boolean;
  /** Whether the kernel ever took a write that it did not take at once: the client has read under load before. */
  readonly everDrained: boolean;
  /** Drops its output and its connection (its leave is announced); must `release` it at once. */
  evict(reason: Error): void;
}

/**
 * How long a backlog may go without the kernel taking any of it before its client counts as having
 * stopped reading. A reader that keeps up takes a write (at most 64 KiB) far more often; one that
 * stopped is known before it holds much.
 */
export const DEFAULT_STALL_MS = 1_000;

/**
 * The total of unsent output over every client of every transport, bounded: one per server, shared
 * by all its transports' queues. Each holder reports what it holds when that changes (per write and
 * per delivery held behind a write in flight, never per delivery to a client that keeps up).
 *
 * Past `limit`, holders are evicted until the total is back under seven eighths of the limit (so the
 * sort runs once per eighth of the budget, not per write): first those that stopped reading (no
 * progress for `stallMs`, by the poll clock: see `poll-clock`), the longest quiet first, whatever
 * their size; then, only if that is not enough, those still draining, least likely to be reading
 * first: those that never drained a backlog, then those that took none of this one, then those
 * without progress the longest. A
 * reader a burst behind, or one that paused for a moment, outlives a client that stopped.
 */
export class OutputBudget {
  private used = 0;
  /** Holders with something charged: the candidates for eviction. */
  private readonly holders = new Set<BudgetHolder>();
  private enforcing = false;
  private evictions = 0;
  /** The poll clock when a pass last found nobody it could judge: none again before it moves. */
  private waitingFor = -1;

  constructor(
    readonly limit: number,
    readonly stallMs: number = DEFAULT_STALL_MS,
  ) {}

  /** Unsent bytes over every holder, as last reported. */
  get usedBytes(): number {
    return this.used;
  }

  /** Clients evicted so far for the total. */
  get evicted(): number {
    return this.evictions;
  }

  /** Records that `holder` now holds `bytes` unsent, and enforces the limit. */
  update(holder: BudgetHolder, bytes: number): void {
    const delta = bytes - holder.charged;
    if (delta === 0) return;
    if (holder.charged === 0) this.holders.add(holder);
    else if (bytes === 0) this.holders.delete(holder);
    holder.charged = bytes;
    this.used += delta;
    // A pass that found nobody to judge waits for the next poll phase rather than sort again per update.
    if (this.used > this.limit && pollClock.polledAfter !== this.waitingFor) this.enforce();
  }

  /** `holder` is gone (closed or evicted): nothing of it counts any more. */
  release(holder: BudgetHolder): void {
    if (holder.charged === 0) return;
    this.used -= holder.charged;
    holder.charged = 0;
    this.holders.delete(holder);
  }

  private enforce(): void {
    // Evicting destroys sockets, whose callbacks may report back: one pass at a time.
    if (this.enforcing) return;
    this.enforcing = true;
    try {
      const target = this.limit - this.limit / 8;
      const ranked: Ranked[] = [];
      for (const holder of this.holders) {
        const quiet = quietMs(holder.progressAt);
        // A backlog that began (or progressed) since the last whole poll phase began cannot be judged
        // yet: the callbacks that would show a reader's progress have not had a turn to run. It is at
        // most what this turn produced, as a batch not yet flushed always was.
        if (quiet < 0) continue;
        ranked.push({ holder, quietMs: quiet, stalled: quiet >= this.stallMs, charged: holder.charged });
      }
      ranked.sort(evictionOrder);
      for (const { holder, stalled } of ranked) {
        if (this.used <= target) break;
        const held = holder.charged;
        const why = stalled || !holder.progressed ? 'client not reading' : 'client draining too slowly';
        this.evictions++;
        holder.evict(
          new Error(`server output over its total of ${this.limit} bytes: evicted with ${held} unsent (${why})`),
        );
        this.release(holder);
      }
      if (this.used > target) this.waitingFor = pollClock.polledAfter;
    } finally {
      this.enforcing = false;
    }
  }
}

interface Ranked {
  readonly holder: BudgetHolder;
  /** How long its backlog went without progress, as of this pass (by the poll clock). */
  readonly quietMs: number;
  readonly stalled: boolean;
  /** Its charge when ranked (an eviction's callbacks may change it during the pass). */
  readonly charged: number;
}

/**
 * Stalled first, the longest quiet first (a client quiet for a minute is surer gone than one quiet
 * for a second, whatever they hold); then the draining: those that never drained a backlog in their
 * life, then those that took none of this one; the longest quiet first; the largest first between equals.
 */
function evictionOrder(a: Ranked, b: Ranked): number {
  if (a.stalled !== b.stalled) return a.stalled ? -1 : 1;
  if (!a.stalled) {
    if (a.holder.everDrained !== b.holder.everDrained) return a.holder.everDrained ? 1 : -1;
    if (a.holder.progressed !== b.holder.progressed) return a.holder.progressed ? 1 : -1;
  }
  if (a.quietMs !== b.quietMs) return b.quietMs - a.quietMs;
  return b.charged - a.charged;
}
