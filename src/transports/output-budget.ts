/** Something that holds unsent output: a connection of some transport's `OutputQueue`. */
export interface BudgetHolder {
  /** What the budget counts for it now (kept by the budget: start at 0). */
  charged: number;
  /** Drops its output and its connection (its leave is announced); must `release` it at once. */
  evict(reason: Error): void;
}

/**
 * The total of unsent output over every client of every transport, bounded: one per server, shared
 * by all its transports' queues. Each holder reports what it holds (its socket's `writableLength`)
 * when that changes: after a write and in the write's callback, so per write, never per delivery.
 * Past `limit`, the holders with the largest backlogs are evicted first, until the total is back
 * under seven eighths of the limit (so the sort runs once per eighth of the budget, not per write).
 */
export class OutputBudget {
  private used = 0;
  /** Holders with something charged: the candidates for eviction. */
  private readonly holders = new Set<BudgetHolder>();
  private enforcing = false;
  private evictions = 0;

  constructor(readonly limit: number) {}

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
    if (this.used > this.limit) this.enforce();
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
      const largest = [...this.holders].sort((a, b) => b.charged - a.charged);
      for (const holder of largest) {
        if (this.used <= target) break;
        const held = holder.charged;
        this.evictions++;
        holder.evict(
          new Error(
            `server output over its total of ${this.limit} bytes: evicted with ${held} unsent (client not reading)`,
          ),
        );
        this.release(holder);
      }
    } finally {
      this.enforcing = false;
    }
  }
}
