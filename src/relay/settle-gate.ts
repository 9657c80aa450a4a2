/** The longest our held lines wait for the other processes to re-announce their clients after a new epoch. */
export const SETTLE_MS = 2_000;

/**
 * After a new epoch: the other processes that had clients, not yet seen re-announcing them, and how
 * many of our own re-announcements may still go out. Our held lines wait until those processes'
 * clients are back in the chat (or `min(leaseMs, SETTLE_MS)` passes), or they would miss lines meant
 * for them.
 */
export class SettleGate {
  private settling?: { readonly nodes: Set<string>; gate: number; readonly timer: NodeJS.Timeout };
  private readonly waitMs: number;

  /** `onSettled`: the wait is over (held lines may go out). */
  constructor(
    leaseMs: number,
    private readonly onSettled: () => void,
  ) {
    this.waitMs = Math.min(leaseMs, SETTLE_MS);
  }

  /** A new epoch: wait for `nodes` (none: no wait), letting our first `reannouncements` events through. */
  begin(nodes: Set<string>, reannouncements: number): void {
    clearTimeout(this.settling?.timer);
    this.settling = undefined;
    if (nodes.size === 0) return;
    this.settling = { nodes, gate: reannouncements, timer: setTimeout(() => this.settle(), this.waitMs) };
  }

  /** How many events the next batch may hold, of `max`: 0 while waiting with our re-announcements out. */
  limit(max: number): number {
    return this.settling === undefined ? max : Math.min(this.settling.gate, max);
  }

  /** `count` events went into a batch. */
  took(count: number): void {
    if (this.settling !== undefined) this.settling.gate -= count;
  }

  /** `node` re-announced its clients: the last one awaited ends the wait. */
  rejoined(node: string): void {
    if (this.settling === undefined) return;
    this.settling.nodes.delete(node);
    if (this.settling.nodes.size === 0) this.settle();
  }

  /** Stops the timer (the session is closing). */
  dispose(): void {
    clearTimeout(this.settling?.timer);
  }

  private settle(): void {
    if (this.settling === undefined) return;
    clearTimeout(this.settling.timer);
    this.settling = undefined;
    this.onSettled();
  }
}
