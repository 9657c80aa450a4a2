/**
 * When this process offers the core's state as the chat's snapshot: `everyEntries` entries after the
 * last one known, or `everyMs` after it if there is news at all; one offer at a time.
 */
export class SnapshotSchedule {
  private offering = false;
  private lastN = 0;
  private lastAt = 0;

  constructor(
    private readonly everyEntries: number,
    private readonly everyMs: number,
  ) {}

  /** A snapshot at entry `n` was adopted at `now`. */
  restart(n: number, now: number): void {
    this.lastN = n;
    this.lastAt = now;
  }

  /** Whether to offer one now, at entry `n`. */
  due(n: number, now: number): boolean {
    if (this.offering) return false;
    const fresh = n - this.lastN;
    return fresh >= this.everyEntries || (fresh !== 0 && now - this.lastAt >= this.everyMs);
  }

  /** An offer at entry `n` goes out. */
  offered(n: number, now: number): void {
    this.lastN = n;
    this.lastAt = now;
    this.offering = true;
  }

  /** Not stored: another process's, at entry `n`, was recent enough. */
  skipped(n: number): void {
    this.lastN = Math.max(this.lastN, n);
  }

  /** The offer settled, or will never count (a resync). */
  done(): void {
    this.offering = false;
  }
}
